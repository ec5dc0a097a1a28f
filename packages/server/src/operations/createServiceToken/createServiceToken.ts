import type { operations } from '@apikeys/types';
import { invalidRequest, ProblemError } from '../../contract/problems.js';
import { requestPointer } from '../../contract/requestPointer.js';
import { ENV_TOKEN_NAME_PREFIX, issueServiceToken } from '../../keys/serviceToken.js';
import { ServiceTokenExistsError } from '../../store/keyStore.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';
import { serviceTokenRecord } from '../serviceTokenRecord.js';

const plural = (scopes: readonly string[]) => (scopes.length === 1 ? 'a scope' : 'scopes');

export const createServiceToken =
  ({ store, now, pepper }: OperationDeps): OperationHandler<operations['createServiceToken']> =>
  async ({ body, audit, principal }) => {
    // The names APIKEYS_TOKENS' tokens go by: a stored token taking one would be two actors in one name.
    if (body.name.startsWith(ENV_TOKEN_NAME_PREFIX)) {
      throw invalidRequest([
        { pointer: requestPointer.body('name'), message: `must not start with ${ENV_TOKEN_NAME_PREFIX}` },
      ]);
    }
    // No token makes one more powerful than itself.
    const lacking = body.scopes.filter((scope) => !principal.scopes.includes(scope));
    if (lacking.length > 0) {
      throw new ProblemError(
        'insufficient-scope',
        `The token '${principal.name}' cannot grant ${plural(lacking)} it lacks: ${lacking.join(', ')}.`,
      );
    }
    // Hashed as the server hashes what it is sent (with its pepper), so that the server finds it.
    const { token, stored } = issueServiceToken(body.name, body.scopes, { now: now(), pepper });
    try {
      await store.addServiceToken(stored, audit);
    } catch (error) {
      if (error instanceof ServiceTokenExistsError) {
        throw new ProblemError('token-name-taken', error.message);
      }
      throw error;
    }
    return {
      status: 201,
      headers: { 'Cache-Control': 'no-store' },
      body: { token: serviceTokenRecord(stored), secret: token },
    };
  };
