import type { operations } from '@apikeys/types';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';
import { serviceTokenRecord } from '../serviceTokenRecord.js';

export const listServiceTokens =
  ({ store }: OperationDeps): OperationHandler<operations['listServiceTokens']> =>
  async () => ({ status: 200, body: { data: (await store.allServiceTokens()).map(serviceTokenRecord) } });
