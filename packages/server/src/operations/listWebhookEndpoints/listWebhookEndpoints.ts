import type { operations } from '@apikeys/types';
import { appNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';

export const listWebhookEndpoints =
  ({ store }: OperationDeps): OperationHandler<operations['listWebhookEndpoints']> =>
  async ({ params: { appName } }) => {
    if (!(await store.findApp(appName))) {
      throw appNotFound(appName);
    }
    return { status: 200, body: { data: await store.webhookEndpoints(appName) } };
  };
