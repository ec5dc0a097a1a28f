import type { ContractDocument } from './document.js';

/** Every `pattern` a schema in the document has. */
function patternsIn(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const each of value) {
      patternsIn(each, found);
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, each] of Object.entries(value)) {
      // `properties` may hold a field named pattern: only a string is a schema's pattern.
      if (key === 'pattern' && typeof each === 'string') {
        found.add(each);
      } else {
        patternsIn(each, found);
      }
    }
  }
  return found;
}

/**
 * What each of the contract's patterns means (`x-pattern-messages` at its root), to word a value
 * that does not match: "must contain a visible character", not the regular expression. A pattern
 * without one fails here, at start, naming it.
 */
export function patternMessages(document: ContractDocument): ReadonlyMap<string, string> {
  const { 'x-pattern-messages': declared, ...rest } = document as Record<string, unknown>;
  const messages = new Map(Object.entries((declared ?? {}) as Record<string, unknown>));
  for (const pattern of patternsIn(rest)) {
    if (typeof messages.get(pattern) !== 'string') {
      throw new Error(`The contract's pattern ${pattern} has no message in x-pattern-messages`);
    }
  }
  return messages as Map<string, string>;
}
