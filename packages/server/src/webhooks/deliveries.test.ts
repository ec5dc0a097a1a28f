import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@apikeys/client/webhooks';
import type {
  ApiKeyWithSecret,
  WebhookDeliveryList,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
  WorkspaceAuditEventList,
} from '@apikeys/types';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storeKinds, type TestStore } from '../../test/support/stores.js';
import { captureLogs, expectProblem, TOKEN } from '../../test/support/testServer.js';
import { composeService, type Service } from '../compose.js';
import { loadContract } from '../contract/contract.js';
import { listen } from '../http/serve.js';
import { parseAllowedNetworks } from '../keys/webhookDestination.js';

/** A real receiver on loopback: what it was sent, and what it answers (200 unless told). */
function receiver() {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  let answers: number[] = [];
  const server: Server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = answers.shift() ?? 200;
      // 0: headers sent, then a body trickled a byte at a time, never finished.
      if (status === 0) {
        response.writeHead(500);
        const trickle = setInterval(() => response.write('.'), 50);
        response.on('close', () => clearInterval(trickle));
        return;
      }
      response.statusCode = status;
      response.end(response.statusCode === 200 ? 'ok' : 'try again later');
    });
  });
  return {
    received,
    /** The statuses of the next answers, in order. */
    answer(statuses: number[]) {
      answers = statuses;
    },
    async start() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    events: () =>
      received.map(({ body }) => JSON.parse(body) as { id: string; type: string; data: { key: { id: string } } }),
  };
}

// Deliveries end to end (issue 21): an endpoint registered over HTTP, key changes made over HTTP,
// the events arriving signed at a real receiver, on both stores.
describe.each(storeKinds)('webhooks on $kind', ({ open }) => {
  let testStore: TestStore;
  let service: Service;
  let url: string;
  let close: () => Promise<void>;
  const hooks = receiver();
  let hookUrl: string;

  beforeAll(async () => {
    testStore = await open();
    await testStore.store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, new Date());
    hookUrl = await hooks.start();
    service = await composeService({
      contract: await loadContract(),
      store: testStore.store,
      tokens: [TOKEN],
      logger: captureLogs().logger,
      validateResponses: true,
      rateLimit: { limit: 1_000_000, windowMs: 60_000 },
      webhooks: {
        // The receivers are on loopback: allowed here, as an operator would allow an internal network.
        allowedNetworks: parseAllowedNetworks('127.0.0.0/8'),
        deliver: true,
        pollMs: 20,
        timeoutMs: 300,
        retry: { firstDelayMs: 50, maxDelayMs: 200, periodMs: 60_000 },
      },
    });
    const running = await listen(service.app, 0);
    url = running.url;
    close = running.close;
  });
  afterAll(async () => {
    await close?.();
    await service?.webhookDeliveries?.stop();
    await hooks.close();
    await testStore?.dispose();
  });
  beforeEach(() => {
    hooks.received.length = 0;
    hooks.answer([]);
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${url}/api-auth/apps/internal-api${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const addEndpoint = async (body: Record<string, unknown> = {}) => {
    const response = await call('POST', '/webhook-endpoints', { url: hookUrl, ...body });
    expect(response.status).toBe(201);
    return (await response.json()) as WebhookEndpointWithSecret;
  };
  const removeEndpoint = async (id: string) =>
    expect((await call('DELETE', `/webhook-endpoints/${id}`)).status).toBe(200);
  const createKey = async (name: string) => (await (await call('POST', '/keys', { name })).json()) as ApiKeyWithSecret;

  it('sends every event type, signed: the client verifier and standardwebhooks both accept each', async () => {
    const { endpoint, secret } = await addEndpoint();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const { key } = await createKey('watched');
    expect((await call('PATCH', `/keys/${key.id}`, { name: 'renamed' })).status).toBe(200);
    const rotated = (await (
      await call('POST', `/keys/${key.id}/rotate`, { grace_period_seconds: 60 })
    ).json()) as ApiKeyWithSecret;
    expect((await call('POST', `/keys/${rotated.key.id}/revoke`, { reason: 'done' })).status).toBe(200);
    await expect.poll(() => hooks.received.length, { timeout: 10_000 }).toBe(5);
    const types = hooks.events().map((event) => event.type);
    expect(types.sort()).toEqual(['key.created', 'key.created', 'key.revoked', 'key.rotated', 'key.updated']);
    for (const { headers, body } of hooks.received) {
      const event = verifyWebhook(secret, body, headers);
      expect(event.id).toBe(headers['webhook-id']);
      expect(new Webhook(secret).verify(body, headers as Record<string, string>)).toEqual(event);
      expect(event.data.app_slug).toBe('internal-api');
      // Never a secret or a hash.
      expect(body).not.toContain(rotated.secret);
      expect(body).not.toMatch(/secret_hash|whsec_/);
    }
    const updated = hooks.events().find((event) => event.type === 'key.updated');
    expect(updated?.data.key).toMatchObject({ id: key.id, name: 'renamed', status: 'active' });
    await removeEndpoint(endpoint.id);
  });

  it('tries a failing receiver again with the same webhook-id, and shows the attempts', async () => {
    const { endpoint } = await addEndpoint({ events: ['key.created'] });
    hooks.answer([500, 500, 500]);
    await createKey('retried');
    await expect.poll(() => hooks.received.length, { timeout: 10_000 }).toBe(4);
    expect(new Set(hooks.received.map(({ headers }) => headers['webhook-id'])).size).toBe(1);
    const deliveries = async () =>
      ((await (await call('GET', `/webhook-endpoints/${endpoint.id}/deliveries`)).json()) as WebhookDeliveryList).data;
    await expect.poll(async () => (await deliveries())[0]?.status).toBe('delivered');
    expect((await deliveries())[0]).toMatchObject({
      attempts: 4,
      last_status: 200,
      last_error: null,
      next_attempt_at: null,
    });
    expect((await deliveries())[0]?.event_id).toBe(hooks.received[0]?.headers['webhook-id']);
    await removeEndpoint(endpoint.id);
  });

  it('cuts off a receiver that trickles its answer at the deadline, and tries it again', async () => {
    const { endpoint } = await addEndpoint({ events: ['key.created'] });
    // The first answer never ends: only the attempt's deadline lets the second come.
    hooks.answer([0]);
    await createKey('trickled');
    await expect.poll(() => hooks.received.length, { timeout: 10_000 }).toBe(2);
    expect(new Set(hooks.received.map(({ headers }) => headers['webhook-id'])).size).toBe(1);
    const deliveries = async () =>
      ((await (await call('GET', `/webhook-endpoints/${endpoint.id}/deliveries`)).json()) as WebhookDeliveryList).data;
    await expect.poll(async () => (await deliveries())[0]?.status).toBe('delivered');
    expect((await deliveries())[0]?.attempts).toBe(2);
    await removeEndpoint(endpoint.id);
  });

  it('sends an endpoint only the events it subscribed to, and nothing once disabled or deleted', async () => {
    const { endpoint } = await addEndpoint({ events: ['key.revoked'] });
    const { key } = await createKey('filtered');
    expect((await call('POST', `/keys/${key.id}/revoke`, {})).status).toBe(200);
    await expect.poll(() => hooks.received.length, { timeout: 10_000 }).toBe(1);
    expect(hooks.events()[0]).toMatchObject({ type: 'key.revoked', data: { key: { id: key.id, status: 'revoked' } } });
    const disabled = await call('PATCH', `/webhook-endpoints/${endpoint.id}`, { enabled: false });
    expect(((await disabled.json()) as WebhookEndpoint).enabled).toBe(false);
    await createKey('unsent');
    await removeEndpoint(endpoint.id);
    await createKey('unsent either');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hooks.received).toHaveLength(1);
  });

  it('holds the pending deliveries of a disabled endpoint until it is enabled again', async () => {
    const { endpoint } = await addEndpoint({ events: ['key.created'] });
    hooks.answer([500]);
    await createKey('held');
    await expect.poll(() => hooks.received.length, { timeout: 10_000 }).toBe(1);
    // Disabled before the retry is due: nothing more is sent.
    expect((await call('PATCH', `/webhook-endpoints/${endpoint.id}`, { enabled: false })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hooks.received).toHaveLength(1);
    expect((await call('PATCH', `/webhook-endpoints/${endpoint.id}`, { enabled: true })).status).toBe(200);
    await expect.poll(() => hooks.received.length, { timeout: 10_000 }).toBe(2);
    await removeEndpoint(endpoint.id);
  });

  it('signs with both secrets during a rotation overlap', async () => {
    const { endpoint, secret: old } = await addEndpoint({ events: ['key.created'] });
    const rotated = await call('POST', `/webhook-endpoints/${endpoint.id}/rotate-secret`, { overlap_seconds: 3600 });
    expect(rotated.status).toBe(200);
    const { secret, endpoint: after } = (await rotated.json()) as WebhookEndpointWithSecret;
    expect(secret).not.toBe(old);
    expect(after.previous_secret_expires_at).not.toBeNull();
    await createKey('double-signed');
    await expect.poll(() => hooks.received.length, { timeout: 10_000 }).toBe(1);
    const [{ headers, body }] = hooks.received as [{ headers: IncomingHttpHeaders; body: string }];
    expect(String(headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyWebhook(old, body, headers).type).toBe('key.created');
    expect(verifyWebhook(secret, body, headers).type).toBe('key.created');
    // With no overlap, the old secret stops signing at once.
    const again = await call('POST', `/webhook-endpoints/${endpoint.id}/rotate-secret`, { overlap_seconds: 0 });
    const { secret: third, endpoint: now } = (await again.json()) as WebhookEndpointWithSecret;
    expect(now.previous_secret_expires_at).toBeNull();
    await createKey('single-signed');
    await expect.poll(() => hooks.received.length, { timeout: 10_000 }).toBe(2);
    const single = hooks.received[1]!;
    expect(String(single.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifyWebhook(third, single.body, single.headers).type).toBe('key.created');
    expect(() => verifyWebhook(secret, single.body, single.headers)).toThrow();
    await removeEndpoint(endpoint.id);
  });

  it('manages endpoints over HTTP: the secret once, changes in the workspace audit trail', async () => {
    const { endpoint } = await addEndpoint({ description: 'audit sink' });
    const got = (await (await call('GET', `/webhook-endpoints/${endpoint.id}`)).json()) as WebhookEndpoint;
    expect(got).toEqual(endpoint);
    expect(JSON.stringify(got)).not.toContain('whsec_');
    const listed = (await (await call('GET', '/webhook-endpoints')).json()) as { data: WebhookEndpoint[] };
    expect(listed.data.map((each) => each.id)).toContain(endpoint.id);
    const changed = await call('PATCH', `/webhook-endpoints/${endpoint.id}`, {
      description: null,
      events: ['key.leaked'],
    });
    expect((await changed.json()) as WebhookEndpoint).toMatchObject({ description: null, events: ['key.leaked'] });
    await removeEndpoint(endpoint.id);
    await expectProblem(await call('GET', `/webhook-endpoints/${endpoint.id}`), 404, 'webhook-endpoint-not-found');
    const trail = (await (
      await fetch(`${url}/api-auth/audit-events?limit=100`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as WorkspaceAuditEventList;
    const ofEndpoint = trail.data.filter(
      (event) => event.changes[0]?.field === 'id' && [event.changes[0].old, event.changes[0].new].includes(endpoint.id),
    );
    expect(ofEndpoint.map((event) => event.action).reverse()).toEqual([
      'webhook_endpoint_added',
      'webhook_endpoint_updated',
      'webhook_endpoint_deleted',
    ]);
  });

  it('refuses URLs webhooks may not go to, naming url, and adds nothing', async () => {
    const before = ((await (await call('GET', '/webhook-endpoints')).json()) as { data: unknown[] }).data.length;
    for (const [refused, reason] of [
      ['http://169.254.169.254/latest/meta-data', /link-local/],
      ['https://10.0.0.5/hooks', /private/],
      ['ftp://hooks.example.com/', /https/],
      ['https://localhost/hooks', /localhost/],
    ] as const) {
      const problem = await expectProblem(
        await call('POST', '/webhook-endpoints', { url: refused }),
        400,
        'invalid-request',
      );
      expect(problem.errors).toEqual([{ pointer: '/body/url', message: expect.stringMatching(reason) }]);
    }
    expect(((await (await call('GET', '/webhook-endpoints')).json()) as { data: unknown[] }).data).toHaveLength(before);
  });

  it('has at most 20 endpoints per app', async () => {
    const added = [];
    for (let i = 0; i < 20; i++) {
      added.push((await addEndpoint({ events: ['key.leaked'] })).endpoint.id);
    }
    await expectProblem(await call('POST', '/webhook-endpoints', { url: hookUrl }), 409, 'webhook-endpoint-limit');
    for (const id of added) {
      await removeEndpoint(id);
    }
  });
});
