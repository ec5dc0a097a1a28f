import type { operations } from '@apikeys/types';
import { withStatus } from '../../keys/keyStatus.js';
import { keyNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';

export const revokeApiKey =
  ({ store, now }: OperationDeps): OperationHandler<operations['revokeApiKey']> =>
  async ({ params: { appName, keyId }, body, audit }) => {
    const at = now();
    // Idempotent: a key already revoked comes back unchanged.
    const key = await store.revokeKey(appName, keyId, body.reason ?? null, at, audit);
    if (!key) {
      throw await keyNotFound(store, appName, keyId);
    }
    return { status: 200, body: withStatus(key, at) };
  };
