// Everything here comes from spec/openapi.yaml through `pnpm generate`; see openapi.ts.
export type * from './openapi.js';
export type * from './problemTypes.js';
