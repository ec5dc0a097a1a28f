import { Webhook } from 'standardwebhooks';
import type { webhooks } from './generated/openapi.js';

/** Every event the service sends to a webhook endpoint, as the contract's `webhooks` declare their bodies. */
export type WebhookEvent = {
  [Name in keyof webhooks]: NonNullable<webhooks[Name]['post']['requestBody']>['content']['application/json'];
}[keyof webhooks];

/** An event's `type`: `key.created`, `key.revoked`, … */
export type WebhookEventType = WebhookEvent['type'];

/** A delivery's headers as a receiver has them: Fetch's `Headers`, or Node's `IncomingHttpHeaders`. */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** A delivery that is not the service's: a signature that does not match, or a timestamp too old or new. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

const SIGNED_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

function signedHeaders(headers: WebhookHeaders): Record<(typeof SIGNED_HEADERS)[number], string> {
  const read = (name: string): string | undefined => {
    if (headers instanceof Headers) {
      return headers.get(name) ?? undefined;
    }
    const value = headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const values = Object.fromEntries(SIGNED_HEADERS.map((name) => [name, read(name)]));
  const missing = SIGNED_HEADERS.filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    throw new WebhookVerificationError(`The delivery has no ${missing.join(', ')} header`);
  }
  return values as Record<(typeof SIGNED_HEADERS)[number], string>;
}

/**
 * Checks a webhook delivery as the Standard Webhooks specification says, with the `standardwebhooks`
 * package: the signature over the raw body (as received, before any JSON parsing) under the
 * endpoint's `whsec_…` secret, and a timestamp within 5 minutes of now. During a secret's rotation
 * pass both secrets: either may have signed it. Answers the event, typed by the contract; throws
 * WebhookVerificationError for a delivery that is not the service's.
 */
export function verifyWebhook(
  secret: string | readonly string[],
  body: string | Uint8Array,
  headers: WebhookHeaders,
): WebhookEvent {
  const signed = signedHeaders(headers);
  // As text: the signature is over the body's bytes, and a JSON body is UTF-8 (fatal: no byte is guessed).
  const payload = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body);
  let failure: unknown;
  for (const each of typeof secret === 'string' ? [secret] : secret) {
    try {
      return new Webhook(each).verify(payload, signed) as WebhookEvent;
    } catch (error) {
      failure = error;
    }
  }
  throw new WebhookVerificationError(failure instanceof Error ? failure.message : 'No secret was given');
}
