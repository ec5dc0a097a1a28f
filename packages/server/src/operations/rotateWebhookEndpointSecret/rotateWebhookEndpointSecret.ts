import type { operations } from '@apikeys/types';
import { newWebhookSecret, sealWebhookSecret } from '../../keys/webhookSecret.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';
import { endpointNotFound } from '../webhookEndpointRules.js';

export const rotateWebhookEndpointSecret =
  ({ store, now, webhookSecretKey }: OperationDeps): OperationHandler<operations['rotateWebhookEndpointSecret']> =>
  async ({ params: { appName, endpointId }, body, audit }) => {
    const at = now();
    const secret = newWebhookSecret();
    // The request check has filled in the contract's default overlap when none was sent.
    const overlapMs = body.overlap_seconds! * 1000;
    const previousExpiresAt = overlapMs > 0 ? new Date(at.getTime() + overlapMs).toISOString() : null;
    const rotated = await store.changeWebhookEndpoint(
      appName,
      endpointId,
      { secret: { sealed: sealWebhookSecret(secret, webhookSecretKey, endpointId), previousExpiresAt } },
      at,
      audit,
    );
    if (!rotated) {
      throw await endpointNotFound(store, appName, endpointId);
    }
    return { status: 200, headers: { 'Cache-Control': 'no-store' }, body: { endpoint: rotated, secret } };
  };
