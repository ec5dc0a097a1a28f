import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { verifyWebhook, type WebhookEvent, WebhookVerificationError } from '../src/webhooks.js';

// The contract's events, with the example each declares: what a receiver gets.
const contract = JSON.parse(readFileSync(new URL('../../types/openapi.json', import.meta.url), 'utf8')) as {
  webhooks: Record<
    string,
    { post: { requestBody: { content: Record<string, { examples: Record<string, { value: WebhookEvent }> }> } } }
  >;
};
const events = Object.entries(contract.webhooks).map(([name, item]) => {
  const [example] = Object.values(item.post.requestBody.content['application/json']!.examples);
  return { name, event: example!.value };
});
const SECRET = `whsec_${Buffer.from('a secret of thirty-two bytes!!!!').toString('base64')}`;
const OTHER = `whsec_${Buffer.from('another secret, thirty-two bytes').toString('base64')}`;

/** A delivery as the server signs it: Standard Webhooks, with the `standardwebhooks` package. */
function delivery(event: WebhookEvent, secret = SECRET, sentAt = new Date()) {
  const body = JSON.stringify(event);
  return {
    body,
    headers: {
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(event.id, sentAt, body),
    },
  };
}

describe('verifyWebhook', () => {
  it('knows every event the contract declares', () => {
    expect(events.map(({ name }) => name)).toEqual([
      'key.created',
      'key.updated',
      'key.revoked',
      'key.rotated',
      'key.leaked',
    ]);
  });

  it.each(events)('answers a signed $name delivery as its event, from Node or Fetch headers', ({ name, event }) => {
    const { body, headers } = delivery(event);
    const verified = verifyWebhook(SECRET, body, headers);
    expect(verified).toEqual(event);
    expect(verified.type).toBe(name);
    expect(verifyWebhook(SECRET, new TextEncoder().encode(body), new Headers(headers))).toEqual(event);
  });

  it('refuses a changed body, another secret, a stale timestamp or a missing header', () => {
    const event = events[0]!.event;
    const { body, headers } = delivery(event);
    expect(() => verifyWebhook(SECRET, body.replace('internal-api', 'internal-apx'), headers)).toThrow(
      WebhookVerificationError,
    );
    expect(() => verifyWebhook(OTHER, body, headers)).toThrow(WebhookVerificationError);
    const stale = delivery(event, SECRET, new Date(Date.now() - 10 * 60_000));
    expect(() => verifyWebhook(SECRET, stale.body, stale.headers)).toThrow(/timestamp/i);
    const { 'webhook-signature': _, ...unsigned } = headers;
    expect(() => verifyWebhook(SECRET, body, unsigned)).toThrow('The delivery has no webhook-signature header');
  });

  it('accepts a delivery signed by either secret of a rotation', () => {
    const { body, headers } = delivery(events[2]!.event, OTHER);
    expect(verifyWebhook([SECRET, OTHER], body, headers).type).toBe('key.revoked');
  });
});
