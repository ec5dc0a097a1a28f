import type { components } from '@apikeys/types';
import { withStatus } from './keyStatus.js';
import type { KeyRecord } from './types.js';

/** What a webhook delivery's body is: one of the contract's `webhooks` events. */
export type WebhookEventBody =
  | components['schemas']['KeyCreatedEvent']
  | components['schemas']['KeyUpdatedEvent']
  | components['schemas']['KeyRevokedEvent']
  | components['schemas']['KeyRotatedEvent']
  | components['schemas']['KeyLeakedEvent'];
export type WebhookEventType = WebhookEventBody['type'];

/** An event to deliver: its id (every delivery's webhook-id), type, app, and the body as sent. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  appSlug: string;
  occurredAt: string;
  /** The JSON body, exactly as each endpoint receives it (and as stored). */
  body: string;
}

/** The event of a key's change at `at`: the key as getApiKey would have answered it right after. */
export function keyEvent(id: string, type: WebhookEventType, key: KeyRecord, at: Date): WebhookEvent {
  const occurredAt = at.toISOString();
  const body = { id, type, timestamp: occurredAt, data: { app_slug: key.app_slug, key: withStatus(key, at) } };
  // Each event's schema is this shape with its own `type`.
  const checked = body satisfies Omit<WebhookEventBody, 'type'> & { type: WebhookEventType };
  return { id, type, appSlug: key.app_slug, occurredAt, body: JSON.stringify(checked) };
}
