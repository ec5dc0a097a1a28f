import type { operations } from '@apikeys/types';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';
import { checkEndpointUrl, endpointNotFound } from '../webhookEndpointRules.js';

export const updateWebhookEndpoint =
  (deps: OperationDeps): OperationHandler<operations['updateWebhookEndpoint']> =>
  async ({ params: { appName, endpointId }, body, audit }) => {
    const { store, now } = deps;
    if (body.url !== undefined) {
      await checkEndpointUrl(body.url, deps);
    }
    const updated = await store.changeWebhookEndpoint(appName, endpointId, body, now(), audit);
    if (!updated) {
      throw await endpointNotFound(store, appName, endpointId);
    }
    return { status: 200, body: updated };
  };
