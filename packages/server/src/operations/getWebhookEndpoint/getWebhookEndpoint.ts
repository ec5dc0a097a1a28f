import type { operations } from '@apikeys/types';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';
import { endpointNotFound } from '../webhookEndpointRules.js';

export const getWebhookEndpoint =
  ({ store }: OperationDeps): OperationHandler<operations['getWebhookEndpoint']> =>
  async ({ params: { appName, endpointId } }) => {
    const stored = await store.findWebhookEndpoint(appName, endpointId);
    if (!stored) {
      throw await endpointNotFound(store, appName, endpointId);
    }
    return { status: 200, body: stored.endpoint };
  };
