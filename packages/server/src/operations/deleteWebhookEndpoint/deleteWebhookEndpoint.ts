import type { operations } from '@apikeys/types';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';
import { endpointNotFound } from '../webhookEndpointRules.js';

export const deleteWebhookEndpoint =
  ({ store, now }: OperationDeps): OperationHandler<operations['deleteWebhookEndpoint']> =>
  async ({ params: { appName, endpointId }, audit }) => {
    const deleted = await store.removeWebhookEndpoint(appName, endpointId, now(), audit);
    if (!deleted) {
      throw await endpointNotFound(store, appName, endpointId);
    }
    return { status: 200, body: deleted };
  };
