import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyWebhook } from '@apikeys/client/webhooks';
import type { ApiKeyWithSecret, WebhookEndpointWithSecret } from '@apikeys/types';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/freePort.js';
import { startServerProcess } from './support/processes.js';
import { createPostgresDatabase } from './support/stores.js';

// Webhooks across real server processes (issue 21): an event committed before a kill -9 is still
// delivered after the restart; two instances on one PostgreSQL database deliver each event once.
const token = 'webhook-process-token-0123456789';
const baseEnv = { PORT: '0', APIKEYS_TOKENS: token, APIKEYS_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8' };

/** A receiver on loopback that answers 200 and keeps what it was sent. */
async function receiver(port: number) {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const call = (url: string, path: string, body: unknown) =>
  fetch(`${url}/api-auth/apps/internal-api${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const started: ReturnType<typeof startServerProcess>[] = [];
const cleanups: (() => Promise<void>)[] = [];
async function start(env: Record<string, string>) {
  const server = startServerProcess({ ...baseEnv, ...env });
  started.push(server);
  return { server, url: (await server.waitFor(/"url":"(http:\/\/localhost:\d+)"/))[1]! };
}
afterEach(async () => {
  for (const server of started.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
    }
    await server.exited;
  }
  for (const cleanup of cleanups.splice(0)) {
    await cleanup();
  }
});

describe.each(['sqlite', 'postgres'] as const)('a kill -9 between the commit and the delivery, on %s', (kind) => {
  it('delivers the event after the restart', { timeout: 60_000 }, async () => {
    const database = kind === 'postgres' ? await createPostgresDatabase() : undefined;
    if (database) {
      cleanups.push(() => database.drop());
    }
    const env = {
      DATABASE_URL:
        database?.url ?? `sqlite:${join(mkdtempSync(join(tmpdir(), 'apikeys-webhook-crash-')), 'apikeys.db')}`,
    };
    // Nothing listens there yet: an attempt before the crash fails and is tried again later.
    const port = await freePort();
    const first = await start(env);
    const added = await call(first.url, '/webhook-endpoints', {
      url: `http://127.0.0.1:${port}/hooks`,
      events: ['key.created'],
    });
    expect(added.status).toBe(201);
    const { secret } = (await added.json()) as WebhookEndpointWithSecret;
    const created = await call(first.url, '/keys', { name: 'created before the crash' });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as ApiKeyWithSecret;
    first.server.child.kill('SIGKILL');
    await first.server.exited;

    const hooks = await receiver(port);
    cleanups.push(hooks.close);
    await start(env);
    await expect.poll(() => hooks.received.length, { timeout: 30_000, interval: 100 }).toBeGreaterThan(0);
    const event = verifyWebhook(secret, hooks.received[0]!.body, hooks.received[0]!.headers);
    expect(event).toMatchObject({ type: 'key.created', data: { key: { id: key.id } } });
  });
});

describe('two instances on one PostgreSQL database', () => {
  it('deliver each event once', { timeout: 60_000 }, async () => {
    const database = await createPostgresDatabase();
    cleanups.push(() => database.drop());
    const port = await freePort();
    const hooks = await receiver(port);
    cleanups.push(hooks.close);
    // One after the other: the first migrates and seeds the demo app.
    const first = await start({ DATABASE_URL: database.url });
    const second = await start({ DATABASE_URL: database.url });
    expect((await call(first.url, '/webhook-endpoints', { url: `http://127.0.0.1:${port}/hooks` })).status).toBe(201);
    const keys = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const response = await call(i % 2 ? first.url : second.url, '/keys', { name: `key ${i}` });
        return ((await response.json()) as ApiKeyWithSecret).key.id;
      }),
    );
    await expect.poll(() => hooks.received.length, { timeout: 30_000, interval: 100 }).toBeGreaterThanOrEqual(20);
    // Long enough for a second delivery of any of them to arrive, were there one.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const ids = hooks.received.map(({ headers }) => headers['webhook-id']);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    const delivered = hooks.received.map(
      ({ body }) => (JSON.parse(body) as { data: { key: { id: string } } }).data.key.id,
    );
    expect(delivered.sort()).toEqual([...keys].sort());
  });
});
