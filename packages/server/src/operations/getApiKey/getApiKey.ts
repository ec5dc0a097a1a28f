import type { operations } from '@apikeys/types';
import { withStatus } from '../../keys/keyStatus.js';
import { keyNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';

export const getApiKey =
  ({ store, now }: OperationDeps): OperationHandler<operations['getApiKey']> =>
  async ({ params: { appName, keyId } }) => {
    const at = now();
    const key = await store.findKey(appName, keyId, at);
    if (!key) {
      throw await keyNotFound(store, appName, keyId);
    }
    return { status: 200, body: withStatus(key, at) };
  };
