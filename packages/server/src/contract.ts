import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { OpenAPIV3_1 } from 'openapi-types';

// The server reads the same bundled document that consuming teams generate clients from
// (`pnpm generate` writes it from spec/openapi.yaml), so validation cannot drift from the spec.
const require = createRequire(import.meta.url);
export const contractFile = require.resolve('@apikeys/types/openapi.json');

export function loadContract(file: string = contractFile): OpenAPIV3_1.Document {
  return JSON.parse(readFileSync(file, 'utf8')) as OpenAPIV3_1.Document;
}

function schemaPattern(contract: OpenAPIV3_1.Document, name: string): RegExp {
  const schema = contract.components?.schemas?.[name] as OpenAPIV3_1.SchemaObject | undefined;
  if (!schema?.pattern) throw new Error(`The contract has no pattern for ${name}`);
  return new RegExp(schema.pattern);
}

/** Limits the contract states for the server to enforce (they are not expressible in JSON Schema). */
export function contractLimits(contract: OpenAPIV3_1.Document) {
  const request = contract.components?.schemas?.CreateApiKeyRequest as OpenAPIV3_1.SchemaObject | undefined;
  const metadata = request?.properties?.metadata as (OpenAPIV3_1.SchemaObject & { 'x-max-serialized-bytes'?: number }) | undefined;
  const maxMetadataBytes = metadata?.['x-max-serialized-bytes'];
  if (typeof maxMetadataBytes !== 'number') throw new Error('The contract has no x-max-serialized-bytes for CreateApiKeyRequest.metadata');
  return { maxMetadataBytes };
}

/** Patterns the server checks outside request validation (the app commands), taken from the contract. */
export function contractPatterns(contract: OpenAPIV3_1.Document = loadContract()) {
  return { appSlug: schemaPattern(contract, 'AppSlug'), keyPrefix: schemaPattern(contract, 'KeyPrefix') };
}
