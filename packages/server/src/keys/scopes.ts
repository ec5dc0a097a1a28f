import type { OpenAPIV3_1 } from 'openapi-types';

// Scopes are declared once, in the contract: every scope on the bearerAuth scheme (`x-scopes`),
// and each operation's requirement in its `security`. Nothing here lists them again.

const SCHEME = 'bearerAuth';

/** Every scope the contract declares (`x-scopes` on the bearerAuth scheme), in its order. */
export function declaredScopes(contract: OpenAPIV3_1.Document): string[] {
  const scheme = contract.components?.securitySchemes?.[SCHEME] as Record<string, unknown> | undefined;
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
  contract: OpenAPIV3_1.Document,
  operation: OpenAPIV3_1.OperationObject,
): readonly (readonly string[])[] {
  const requirements = operation.security ?? contract.security ?? [];
  return requirements.map((requirement) => requirement[SCHEME] ?? []);
}

/**
 * The scopes a token holding `held` lacks for `required`: none when one alternative is fully
 * held, else those the first alternative lacks (what the caller is told to ask for).
 */
export function missingScopes(required: readonly (readonly string[])[], held: readonly string[]): string[] {
  if (required.length === 0) {
    return [];
  }
  const lacking = required.map((alternative) => alternative.filter((scope) => !held.includes(scope)));
  return lacking.some((alternative) => alternative.length === 0) ? [] : lacking[0]!;
}
