import type { ContractDocument } from './document.js';

// Scopes are declared once, in the contract: every scope on the bearerAuth scheme (`x-scopes`),
// and each operation's requirement in its `security`. Nothing here lists them again.

const SCHEME = 'bearerAuth';

/** Every scope the contract declares (`x-scopes` on the bearerAuth scheme), in its order. */
export function declaredScopes(document: ContractDocument): string[] {
  const scheme = document.components?.securitySchemes?.[SCHEME] as Record<string, unknown> | undefined;
  const scopes = scheme?.['x-scopes'];
  if (!scopes || typeof scopes !== 'object') {
    throw new Error(`The contract declares no x-scopes on the ${SCHEME} security scheme`);
  }
  return Object.keys(scopes);
}

/**
 * What an operation requires, as the contract says: alternatives (any one will do), each a set
 * of scopes that must all be held. The document's `security` applies where the operation has none.
 */
export function requiredScopes(
  document: ContractDocument,
  operation: { security?: Record<string, string[]>[] },
): readonly (readonly string[])[] {
  const requirements = operation.security ?? document.security ?? [];
  return requirements.map((requirement) => requirement[SCHEME] ?? []);
}
