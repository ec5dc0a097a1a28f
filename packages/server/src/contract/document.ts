import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { OpenAPIV3_1 } from 'openapi-types';

// The server reads the same bundled document that consuming teams generate clients from
// (`pnpm generate` writes it from spec/openapi.yaml), so validation cannot drift from the spec.
const require = createRequire(import.meta.url);
export const contractFile = require.resolve('@apikeys/types/openapi.json');
/** The same contract with its components and $refs kept, for client generators. */
export const bundledContractFile = require.resolve('@apikeys/types/openapi.bundled.json');

export type ContractDocument = OpenAPIV3_1.Document;
export type Schema = OpenAPIV3_1.SchemaObject & Record<`x-${string}`, unknown>;

/** The bundled, dereferenced document in `file`: read once, by loadContract (contract.ts). */
export function readContractDocument(file: string = contractFile): ContractDocument {
  return JSON.parse(readFileSync(file, 'utf8')) as ContractDocument;
}

export function componentSchema(document: ContractDocument, name: string): Schema {
  const found = document.components?.schemas?.[name] as Schema | undefined;
  if (!found) {
    throw new Error(`The contract has no schema ${name}`);
  }
  return found;
}

function schemaPattern(document: ContractDocument, name: string): RegExp {
  const { pattern } = componentSchema(document, name);
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
export function contractLimits(document: ContractDocument): ContractLimits {
  const metadata = componentSchema(document, 'Metadata');
  const [bodyBytes, metadataBytes, metadataDepth] = [
    (document as Record<string, unknown>)['x-max-body-bytes'],
    metadata['x-max-serialized-bytes'],
    metadata['x-max-depth'],
  ];
  if (typeof bodyBytes !== 'number' || typeof metadataBytes !== 'number' || typeof metadataDepth !== 'number') {
    throw new Error('The contract has no x-max-body-bytes, or no x-max-serialized-bytes or x-max-depth on Metadata');
  }
  return { bodyBytes, metadataBytes, metadataDepth };
}

export interface ContractPatterns {
  appSlug: RegExp;
  keyPrefix: RegExp;
  owner: RegExp;
}

/** Patterns the server checks outside request validation (the app commands, a list filter), taken from the contract. */
export function contractPatterns(document: ContractDocument): ContractPatterns {
  return {
    appSlug: schemaPattern(document, 'AppSlug'),
    keyPrefix: schemaPattern(document, 'KeyPrefix'),
    owner: schemaPattern(document, 'Owner'),
  };
}
