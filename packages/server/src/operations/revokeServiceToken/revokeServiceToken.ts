import type { operations } from '@apikeys/types';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';
import { serviceTokenRecord, tokenNotFound } from '../serviceTokenRecord.js';

export const revokeServiceToken =
  ({ store, now }: OperationDeps): OperationHandler<operations['revokeServiceToken']> =>
  async ({ params: { tokenName }, audit }) => {
    // Revoked already: answered as it is, with no second event.
    const token = await store.revokeToken(tokenName, now(), audit);
    if (!token) {
      throw tokenNotFound(tokenName);
    }
    return { status: 200, body: serviceTokenRecord(token) };
  };
