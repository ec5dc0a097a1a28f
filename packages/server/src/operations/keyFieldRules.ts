import type { Metadata, ValidationError } from '@apikeys/types';
import type { ContractLimits } from '../contract/document.js';
import { requestPointer } from '../contract/requestPointer.js';
import type { CreditsInput } from '../keys/credits.js';
import type { Ratelimit, RatelimitInput, RatelimitRequest } from '../keys/ratelimits.js';
import { instantOf } from '../keys/rfc3339.js';

// The request check compiled from the contract has already enforced the schema; these are the rules of
// createApiKey and updateApiKey that it cannot express.

// Both stores hold an expiry as an ISO 8601 instant with a four-digit year.
const LATEST_EXPIRY = Date.parse('9999-12-31T23:59:59.999Z');

export function expiryProblems(expiresAt: string | null | undefined, now: Date): ValidationError[] {
  if (expiresAt === undefined || expiresAt === null) {
    return [];
  }
  const expiry = instantOf(expiresAt);
  // RFC 3339 allows a leap second (23:59:60), which a JavaScript Date cannot hold.
  if (expiry === undefined) {
    return [{ pointer: requestPointer.body('expires_at'), message: 'must be a date-time without a leap second' }];
  }
  if (expiry <= now.getTime()) {
    return [{ pointer: requestPointer.body('expires_at'), message: 'must lie in the future' }];
  }
  if (expiry > LATEST_EXPIRY) {
    return [{ pointer: requestPointer.body('expires_at'), message: 'must be no later than 9999-12-31T23:59:59.999Z' }];
  }
  return [];
}

/** How deep objects and arrays nest inside `value` (0 for a scalar), counted without recursion. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== 'object') {
      continue;
    }
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(item)) {
      pending.push([child, depth + 1]);
    }
  }
  return deepest;
}

export function metadataProblems(metadata: Metadata | undefined, limits: ContractLimits): ValidationError[] {
  if (metadata === undefined) {
    return [];
  }
  // The depth first: serialising a deeply nested value would exhaust the stack.
  if (nestingDepth(metadata) - 1 > limits.metadataDepth) {
    return [
      {
        pointer: requestPointer.body('metadata'),
        message: `must nest at most ${limits.metadataDepth} levels of objects and arrays`,
      },
    ];
  }
  if (Buffer.byteLength(JSON.stringify(metadata)) <= limits.metadataBytes) {
    return [];
  }
  return [
    {
      pointer: requestPointer.body('metadata'),
      message: `must serialise to at most ${limits.metadataBytes} bytes of JSON`,
    },
  ];
}

/** Expiries are answered and stored in one form: UTC with milliseconds (finer digits rounded up). */
export const normaliseExpiry = (expiresAt: string | null | undefined): string | null =>
  expiresAt === undefined || expiresAt === null ? null : new Date(instantOf(expiresAt)!).toISOString();

/** A refill's day is for a monthly refill: a daily one happens every day at 00:00 UTC. */
export function creditProblems(credits: CreditsInput | null | undefined): ValidationError[] {
  if (credits?.refill?.interval === 'daily' && credits.refill.refill_day !== undefined) {
    return [
      {
        pointer: requestPointer.body('credits', 'refill', 'refill_day'),
        message: 'is for a monthly refill only (a daily one happens at 00:00 UTC)',
      },
    ];
  }
  return [];
}

/** Each name once: a limit is named by verifications, and windows are counted by name. */
function repeatedNames(names: readonly string[], pointer: (index: number) => string): ValidationError[] {
  const seen = new Set<string>();
  return names.flatMap((name, index) => {
    if (!seen.has(name)) {
      seen.add(name);
      return [];
    }
    return [{ pointer: pointer(index), message: `must be unique: '${name}' is named more than once` }];
  });
}

export const ratelimitProblems = (ratelimits: readonly RatelimitInput[] | undefined): ValidationError[] =>
  repeatedNames(
    (ratelimits ?? []).map(({ name }) => name),
    (index) => requestPointer.body('ratelimits', index, 'name'),
  );

/** What a verification names must be the key's own limits, each once. */
export function verificationRatelimitProblems(
  limits: readonly Ratelimit[],
  requested: readonly RatelimitRequest[] | undefined,
): ValidationError[] {
  const names = (requested ?? []).map(({ name }) => name);
  const known = new Set(limits.map(({ name }) => name));
  const unknown = names.flatMap((name, index) =>
    known.has(name)
      ? []
      : [
          {
            pointer: requestPointer.body('ratelimits', index, 'name'),
            message: `the key has no rate limit named '${name}'`,
          },
        ],
  );
  return [...unknown, ...repeatedNames(names, (index) => requestPointer.body('ratelimits', index, 'name'))];
}
