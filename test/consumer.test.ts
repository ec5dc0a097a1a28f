import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysError, createApiKeysClient, type ApiKeysClient, type CreateApiKeyRequest } from '@apikeys/client';
import { startMock, startRealServer, TOKEN, type Target } from './support/targets.js';

// One consumer suite, run against the mock (Prism, started here) and against the real server
// (started here on SQLite). Nothing in it depends on the target: where the mock cannot know an
// answer (an unknown app, a past expiry), the test asks for it with `Prefer`, which the
// server ignores, and the contract's named example is what the server really answers.
const targets = [
  { name: 'the mock (Prism)', start: startMock },
  { name: 'the real server', start: startRealServer },
];

const seedPrimary = { name: 'Primary production key', permissions: ['users:read', 'users:write'], metadata: { owner: 'backend-service' } };

async function rejection(promise: Promise<unknown>): Promise<ApiKeysError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApiKeysError);
  return error as ApiKeysError;
}

describe.each(targets)('the client against $name', ({ start }) => {
  let target: Target;
  let client: ApiKeysClient;

  beforeAll(async () => {
    target = await start();
    client = createApiKeysClient({ baseUrl: target.url, token: TOKEN });
  });
  afterAll(() => target?.close());

  it("runs the seed's call as written and resolves to ApiKeyWithSecret", async () => {
    const created = await client.apiKeys.createApiKey('internal-api', {
      name: 'Primary production key',
      permissions: ['users:read', 'users:write'],
      metadata: { owner: 'backend-service' },
    });
    expect(created.key).toMatchObject({ app_slug: 'internal-api', key_prefix: 'sk', ...seedPrimary, owner: null, environment: null, expires_at: null });
    expect(created.key.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.secret).toMatch(/^sk_[0-9A-Za-z]{49}$/);
    expect(created.key.key_suffix).toBe(created.secret.slice(-4));
  });

  it("creates the seed's expiring key", async () => {
    const created = await client.apiKeys.createApiKey(
      'internal-api',
      { name: 'temporary-import-key', permissions: ['users:read'], expires_at: '2026-12-31T23:59:59Z' },
      { headers: { Prefer: 'example=temporaryImportKey' } },
    );
    expect(created.key).toMatchObject({ name: 'temporary-import-key', permissions: ['users:read'], expires_at: '2026-12-31T23:59:59.000Z' });
  });

  it('refuses a field the contract does not name, naming it', async () => {
    const scoped = { ...seedPrimary, organization_id: 'org_1' } as CreateApiKeyRequest;
    const error = await rejection(client.apiKeys.createApiKey('internal-api', scoped));
    expect(error.status).toBe(400);
    expect(error.problem).toEqual({
      type: 'urn:apikeys:problem:invalid-request',
      title: 'Invalid request',
      status: 400,
      detail: 'The request does not match the contract.',
      errors: [{ pointer: '/organization_id', message: 'is not a field of this request' }],
    });
  });

  it('refuses an expiry in the past', async () => {
    const error = await rejection(
      client.apiKeys.createApiKey('internal-api', { name: 'late', expires_at: '2020-01-01T00:00:00Z' }, { headers: { Prefer: 'code=400, example=expiryInThePast' } }),
    );
    expect(error.status).toBe(400);
    expect(error.problem.errors).toEqual([{ pointer: '/expires_at', message: 'must lie in the future' }]);
  });

  it('URL-encodes the app slug, which the contract then refuses', async () => {
    const error = await rejection(client.apiKeys.createApiKey('team/app', seedPrimary, { headers: { Prefer: 'code=400, example=invalidAppName' } }));
    expect(error.status).toBe(400);
    expect(error.problem.errors?.[0]?.pointer).toBe('#/path/appName');
  });

  it('answers 404 for an app that does not exist', async () => {
    const error = await rejection(client.apiKeys.createApiKey('billing-api', seedPrimary, { headers: { Prefer: 'code=404' } }));
    expect(error.status).toBe(404);
    expect(error.type).toBe('urn:apikeys:problem:app-not-found');
    expect(error.problem.detail).toContain("'billing-api'");
  });

  it('answers 401 with a bearer challenge for a token that is not accepted', async () => {
    const stranger = createApiKeysClient({ baseUrl: target.url, token: 'not-a-token-this-server-knows', headers: { Prefer: 'code=401' } });
    const error = await rejection(stranger.apiKeys.createApiKey('internal-api', seedPrimary));
    expect(error.status).toBe(401);
    expect(error.type).toBe('urn:apikeys:problem:unauthorized');
    expect(error.headers.get('www-authenticate')).toBe('Bearer realm="apikeys"');
  });
});
