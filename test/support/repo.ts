import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const specFile = `${repoRoot}spec/openapi.yaml`;
/** The contract as `@apikeys/types` publishes it. */
export const publishedContract = `${repoRoot}packages/types/openapi.json`;
