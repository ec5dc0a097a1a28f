// Which scopes a token lacks for an operation. What each operation requires, and every scope
// there is, are the contract's (contract/scopes.ts).

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
