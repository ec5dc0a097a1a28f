import { randomUUID } from 'node:crypto';
import type { operations } from '@apikeys/types';
import { ProblemError } from '../../contract/problems.js';
import type { WebhookEndpointRecord } from '../../keys/types.js';
import { newWebhookSecret, sealWebhookSecret } from '../../keys/webhookSecret.js';
import { appNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';
import { checkEndpointUrl, MAX_ENDPOINTS_PER_APP } from '../webhookEndpointRules.js';

const ALL_EVENTS: WebhookEndpointRecord['events'] = [
  'key.created',
  'key.updated',
  'key.revoked',
  'key.rotated',
  'key.leaked',
];

export const createWebhookEndpoint =
  (deps: OperationDeps): OperationHandler<operations['createWebhookEndpoint']> =>
  async ({ params: { appName }, body, audit }) => {
    const { store, now, webhookSecretKey } = deps;
    await checkEndpointUrl(body.url, deps);
    const at = now().toISOString();
    const endpoint: WebhookEndpointRecord = {
      id: randomUUID(),
      app_slug: appName,
      url: body.url,
      description: body.description ?? null,
      events: body.events ?? ALL_EVENTS,
      enabled: true,
      disabled_reason: null,
      previous_secret_expires_at: null,
      created_at: at,
      updated_at: at,
    };
    const secret = newWebhookSecret();
    const sealed = sealWebhookSecret(secret, webhookSecretKey, endpoint.id);
    const added = await store.addWebhookEndpoint(
      { endpoint, secret: sealed, previousSecret: null },
      MAX_ENDPOINTS_PER_APP,
      audit,
    );
    if (!added) {
      if (!(await store.findApp(appName))) {
        throw appNotFound(appName);
      }
      throw new ProblemError(
        'webhook-endpoint-limit',
        `App '${appName}' has ${MAX_ENDPOINTS_PER_APP} webhook endpoints, the most it may have; delete one first.`,
      );
    }
    return { status: 201, headers: { 'Cache-Control': 'no-store' }, body: { endpoint, secret } };
  };
