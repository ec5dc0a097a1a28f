import type { operations } from '@apikeys/types';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';
import { serviceTokenRecord, tokenNotFound } from '../serviceTokenRecord.js';

export const getServiceToken =
  ({ store }: OperationDeps): OperationHandler<operations['getServiceToken']> =>
  async ({ params: { tokenName } }) => {
    // A workspace has tens of tokens, which the registry reads whole anyway: no lookup of its own.
    const token = (await store.allServiceTokens()).find((each) => each.name === tokenName);
    if (!token) {
      throw tokenNotFound(tokenName);
    }
    return { status: 200, body: serviceTokenRecord(token) };
  };
