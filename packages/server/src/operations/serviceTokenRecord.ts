import type { ServiceToken } from '@apikeys/types';
import { ProblemError } from '../contract/problems.js';
import type { ServiceTokenRecord } from '../keys/types.js';

/** A service token as the contract's ServiceToken record shows it: never the token or its hash. */
export const serviceTokenRecord = (token: ServiceTokenRecord): ServiceToken => ({
  name: token.name,
  scopes: token.scopes,
  status: token.revokedAt === null ? 'active' : 'revoked',
  created_at: token.createdAt,
  revoked_at: token.revokedAt,
});

export const tokenNotFound = (name: string) =>
  new ProblemError('token-not-found', `No service token is named '${name}'.`);
