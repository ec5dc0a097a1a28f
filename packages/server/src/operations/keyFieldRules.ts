import type { Metadata, ValidationError } from '@apikeys/types';

// The schema has already been enforced by express-openapi-validator; these are the rules of
// createApiKey and updateApiKey that it cannot express.

export function expiryProblems(expiresAt: string | null | undefined, now: Date): ValidationError[] {
  if (expiresAt === undefined || expiresAt === null) return [];
  const expiry = Date.parse(expiresAt);
  // RFC 3339 allows a leap second (23:59:60), which a JavaScript Date cannot hold.
  if (Number.isNaN(expiry)) return [{ pointer: '/expires_at', message: 'must be a date-time without a leap second' }];
  if (expiry <= now.getTime()) return [{ pointer: '/expires_at', message: 'must lie in the future' }];
  return [];
}

export function metadataProblems(metadata: Metadata | undefined, maxBytes: number): ValidationError[] {
  if (metadata === undefined || Buffer.byteLength(JSON.stringify(metadata)) <= maxBytes) return [];
  return [{ pointer: '/metadata', message: `must serialise to at most ${maxBytes} bytes of JSON` }];
}

/** Expiries are answered and stored in one form: UTC with milliseconds. */
export const normaliseExpiry = (expiresAt: string | null | undefined): string | null =>
  expiresAt === undefined || expiresAt === null ? null : new Date(expiresAt).toISOString();
