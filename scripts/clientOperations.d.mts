// Types of scripts/clientOperations.mjs for the tests that import it (the workspace's tsconfig has no allowJs).
export interface Operation {
  operationId: string;
  method: string;
  path: string;
  summary: string;
  sentence: string;
  pathParams: { name: string; identifier: string; description: string }[];
  body?: { type: string; optional: boolean; defaultEmpty: boolean };
  query?: { alias: string; required: boolean; names: string[] };
  idempotent: boolean;
  retryable: boolean;
  retryReason: string;
  success: string;
  listAll?: { name: string; item: string };
}
export function firstSentence(text: string | undefined): string;
export function readOperations(document: Record<string, unknown>): Operation[];
export function clientOperations(document: Record<string, unknown>): {
  'operations.ts': string;
  'bindOperations.ts': string;
};
