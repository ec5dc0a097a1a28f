import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ProblemType } from '@apikeys/types';
import type { OpenAPIV3_1 } from 'openapi-types';

// The server reads the same bundled document that consuming teams generate clients from
// (`pnpm generate` writes it from spec/openapi.yaml), so validation cannot drift from the spec.
const require = createRequire(import.meta.url);
export const contractFile = require.resolve('@apikeys/types/openapi.json');
/** The same contract with its components and $refs kept, for client generators. */
export const bundledContractFile = require.resolve('@apikeys/types/openapi.bundled.json');

export function loadContract(file: string = contractFile): OpenAPIV3_1.Document {
  return JSON.parse(readFileSync(file, 'utf8')) as OpenAPIV3_1.Document;
}

type Schema = OpenAPIV3_1.SchemaObject & Record<`x-${string}`, unknown>;

function schema(contract: OpenAPIV3_1.Document, name: string): Schema {
  const found = contract.components?.schemas?.[name] as Schema | undefined;
  if (!found) {
    throw new Error(`The contract has no schema ${name}`);
  }
  return found;
}

function schemaPattern(contract: OpenAPIV3_1.Document, name: string): RegExp {
  const { pattern } = schema(contract, name);
  if (!pattern) {
    throw new Error(`The contract has no pattern for ${name}`);
  }
  return new RegExp(pattern);
}

export interface ContractLimits {
  /** `x-max-body-bytes` at the root. */
  bodyBytes: number;
  /** `x-max-serialized-bytes` on Metadata. */
  metadataBytes: number;
  /** `x-max-depth` on Metadata. */
  metadataDepth: number;
}

/** Limits the contract states for the server to enforce (they are not expressible in JSON Schema). */
export function contractLimits(contract: OpenAPIV3_1.Document): ContractLimits {
  const metadata = schema(contract, 'Metadata');
  const [bodyBytes, metadataBytes, metadataDepth] = [
    (contract as Record<string, unknown>)['x-max-body-bytes'],
    metadata['x-max-serialized-bytes'],
    metadata['x-max-depth'],
  ];
  if (typeof bodyBytes !== 'number' || typeof metadataBytes !== 'number' || typeof metadataDepth !== 'number') {
    throw new Error('The contract has no x-max-body-bytes, or no x-max-serialized-bytes or x-max-depth on Metadata');
  }
  return { bodyBytes, metadataBytes, metadataDepth };
}

/** Patterns the server checks outside request validation (the app commands, a list filter), taken from the contract. */
export function contractPatterns(contract: OpenAPIV3_1.Document = loadContract()) {
  return {
    appSlug: schemaPattern(contract, 'AppSlug'),
    keyPrefix: schemaPattern(contract, 'KeyPrefix'),
    owner: schemaPattern(contract, 'Owner'),
  };
}

export interface ProblemKind {
  status: number;
  title: string;
}

/** The status and title of each problem type, declared once in the contract (`x-problem-types` on Problem.type). */
export function contractProblemTypes(
  contract: OpenAPIV3_1.Document = loadContract(),
): Record<ProblemType, ProblemKind> {
  const type = schema(contract, 'Problem').properties?.type as Schema | undefined;
  const kinds = type?.['x-problem-types'];
  if (!kinds || typeof kinds !== 'object') {
    throw new Error('The contract has no x-problem-types on Problem.type');
  }
  return kinds as Record<ProblemType, ProblemKind>;
}
