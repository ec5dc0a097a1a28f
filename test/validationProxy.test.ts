import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysError, createApiKeysClient, type ApiKeysClient } from '@apikeys/client';
import { startRealServer, startValidationProxy, TOKEN, type Target } from './support/targets.js';

// The real server behind `prism proxy --errors`: Prism checks every answer of the server
// against the contract and turns one that breaks it into a 500 with `sl-violations`.
// Requests here are valid, so that Prism forwards them and judges the server's answer.
const seedPrimary = { name: 'Primary production key', permissions: ['users:read', 'users:write'], metadata: { owner: 'backend-service' } };

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 201;
  } catch (error) {
    if (error instanceof ApiKeysError) {
      expect(error.headers.get('sl-violations'), JSON.stringify(error.problem)).toBeNull();
      return error.status;
    }
    throw error;
  }
}

describe('the real server behind the validation proxy', () => {
  let server: Target;
  let proxy: Target;
  let client: ApiKeysClient;

  beforeAll(async () => {
    server = await startRealServer({ rateLimit: { limit: 8, windowMs: 60_000 } });
    proxy = await startValidationProxy(server.url);
    client = createApiKeysClient({ baseUrl: proxy.url, token: TOKEN });
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it('answers every create, success or refusal, within the contract', async () => {
    const createKey = (appName: string, body: Parameters<ApiKeysClient['apiKeys']['createApiKey']>[1]) => client.apiKeys.createApiKey(appName, body);
    expect(await statusOf(createKey('internal-api', seedPrimary))).toBe(201);
    expect(await statusOf(createKey('internal-api', { name: 'everything', permissions: ['users:*'], metadata: { a: [1, { b: null }] }, owner: 'team-a', environment: 'staging', expires_at: '2026-12-31T23:59:59+02:00', appName: 'internal-api' }))).toBe(201);
    expect(await statusOf(createKey('billing-api', seedPrimary))).toBe(404);
    expect(await statusOf(createKey('internal-api', { name: 'late', expires_at: '2020-01-01T00:00:00Z' }))).toBe(400);
    expect(await statusOf(createKey('internal-api', { name: 'moved', appName: 'other-app' }))).toBe(400);
    expect(await statusOf(createKey('internal-api', { name: 'big', metadata: { blob: 'x'.repeat(5000) } }))).toBe(400);
    const stranger = createApiKeysClient({ baseUrl: proxy.url, token: 'not-a-token-this-server-knows' });
    expect(await statusOf(stranger.apiKeys.createApiKey('internal-api', seedPrimary))).toBe(401);
    // Eight requests per minute: the rest are refused with the declared 429.
    let status = 0;
    for (let i = 0; i < 4 && status !== 429; i++) status = await statusOf(createKey('internal-api', { name: `burst ${i}` }));
    expect(status).toBe(429);
  });

  it('would catch a server whose answer breaks the contract', async () => {
    // A stand-in upstream that leaks a field the contract does not have, as a careless server would.
    const leaky: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(
          JSON.stringify({
            key: { id: '2f6c1d3e-8b4a-4c5d-9e7f-0a1b2c3d4e5f', app_slug: 'internal-api', name: 'x', key_prefix: 'sk', key_suffix: 'abcd', permissions: [], metadata: {}, owner: null, environment: null, expires_at: null, created_at: '2026-01-01T00:00:00Z', secret_hash: 'deadbeef' },
            secret: `sk_${'a'.repeat(49)}`,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => leaky.listen(0, '127.0.0.1', resolve));
    const leakyProxy = await startValidationProxy(`http://127.0.0.1:${(leaky.address() as AddressInfo).port}`);
    try {
      const error = await createApiKeysClient({ baseUrl: leakyProxy.url, token: TOKEN })
        .apiKeys.createApiKey('internal-api', { name: 'x' })
        .catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(ApiKeysError);
      expect((error as ApiKeysError).status).toBe(500);
      expect((error as ApiKeysError).headers.get('sl-violations')).toContain("found 'secret_hash'");
    } finally {
      await leakyProxy.close();
      await new Promise((resolve) => leaky.close(resolve));
    }
  });
});
