import { createHash } from 'node:crypto';
import {
  type ApiKeysClient,
  type ApiKeysClientOptions,
  ApiKeysError,
  type ApiKeyWithSecret,
  type CreateApiKeyRequest,
  createApiKeysClient as createTypedClient,
  type ListApiKeysQuery,
} from '@apikeys/client';
import type { KeyStore } from '@apikeys/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperations, describeOperation, operationOfRequest, requireComplete } from './support/contract.js';
import { consumerNeeds } from './support/suiteNeeds.js';
import { SERVER_NOW, startMock, startRealServer, type Target, TOKEN } from './support/targets.js';

// One consumer suite, run against the mock (Prism, started here) and against the real server
// (started here on SQLite). Nothing in it depends on the target: where the mock cannot know an
// answer (an unknown app, a past expiry, a revoked key), the test asks for it with `Prefer`, which
// the server ignores, and the contract's named example is what the server really answers.
//
// Each test creates the keys it works on and uses the id and secret it got back. The mock answers
// with the contract's examples, which are one story: the created production key (2f6c…) is the
// one that get, update, revoke, verify and rotate (9c1d…, rotated from 2f6c…) answer with, and the
// created expiring key (7a8b…) the one an insufficient verification names. So "the key just
// created" holds on both targets; the tests assert what both guarantee, and leave out what only
// the real server can know (times, and last_used_at, which the examples show as set).
const targets = [
  { name: 'the mock (Prism)', start: startMock },
  { name: 'the real server', start: startRealServer },
];

const seedPrimary = {
  name: 'Primary production key',
  permissions: ['users:read', 'users:write'],
  metadata: { owner: 'backend-service' },
};
const seedTemporary = { name: 'temporary-import-key', permissions: ['users:read'], expires_at: '2026-12-31T23:59:59Z' };
/** A key id no app has: the contract's example id, which the real server never issues (it draws random UUIDs). */
const unknownKeyId = '2f6c1d3e-8b4a-4c5d-9e7f-0a1b2c3d4e5f';
/** A webhook endpoint id no app has (the contract's example id; the real server draws random UUIDs). */
const unknownEndpointId = '3f1c9a2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b';
/** Shaped like a secret, with a valid checksum (the contract's format example), but never issued. */
const unissuedSecret = 'sk_rkSiCfBYNNG78v7gy8ZNvSinOQK4b2PbTeKg24O3Qdl3xvQiw';
const secretPattern = /^sk_[0-9A-Za-z]{49}$/;

// The calls stay typed, one client method each (the client's signatures are the contract's, and
// a call by operationId would need a cast). What the contract drives is the coverage: every
// request the suite's clients send is matched to its operation, and the last test fails naming
// each operation of the contract that no test called successfully, or (behind bearer auth) with
// a token that is not accepted.
const operations = contractOperations();
for (const operation of operations) {
  requireComplete(operation, consumerNeeds(operation), 'the consumer suite');
}

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
  /** Each operation the suite's clients called, with the statuses it answered. */
  const answered = new Map<string, Set<number>>();
  const recordingFetch: typeof fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const response = await fetch(request);
    const operation = operationOfRequest(operations, request.method, request.url);
    if (operation) {
      answered.set(operation.operationId, (answered.get(operation.operationId) ?? new Set()).add(response.status));
    }
    return response;
  };
  const createApiKeysClient = (options: ApiKeysClientOptions) =>
    createTypedClient({ ...options, fetch: recordingFetch });

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
    expect(created.key).toMatchObject({
      app_slug: 'internal-api',
      key_prefix: 'sk',
      ...seedPrimary,
      owner: null,
      environment: null,
      expires_at: null,
    });
    expect(created.key.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.secret).toMatch(secretPattern);
    expect(created.key.key_suffix).toBe(created.secret.slice(-4));
  });

  it("creates the seed's expiring key", async () => {
    const created = await client.apiKeys.createApiKey(
      'internal-api',
      { name: 'temporary-import-key', permissions: ['users:read'], expires_at: '2026-12-31T23:59:59Z' },
      { headers: { Prefer: 'example=temporaryImportKey' } },
    );
    expect(created.key).toMatchObject({
      name: 'temporary-import-key',
      permissions: ['users:read'],
      expires_at: '2026-12-31T23:59:59.000Z',
    });
  });

  it('refuses a field the contract does not name, naming it', async () => {
    const scoped = { ...seedPrimary, organization_id: 'org_1' } as CreateApiKeyRequest;
    const error = await rejection(client.apiKeys.createApiKey('internal-api', scoped));
    expect(error.status).toBe(400);
    // The server also says which request it was (`request_id`); the mock has no such id.
    const { request_id: _requestId, ...problem } = error.problem;
    expect(problem).toEqual({
      type: 'urn:apikeys:problem:invalid-request',
      title: 'Invalid request',
      status: 400,
      detail: 'The request does not match the contract.',
      errors: [{ pointer: '/body/organization_id', message: 'is not a field of this request' }],
    });
  });

  it('refuses an expiry in the past', async () => {
    const error = await rejection(
      client.apiKeys.createApiKey(
        'internal-api',
        { name: 'late', expires_at: '2020-01-01T00:00:00Z' },
        { headers: { Prefer: 'code=400, example=expiryInThePast' } },
      ),
    );
    expect(error.status).toBe(400);
    expect(error.problem.errors).toEqual([{ pointer: '/body/expires_at', message: 'must lie in the future' }]);
  });

  it('URL-encodes the app slug, which the contract then refuses', async () => {
    const error = await rejection(
      client.apiKeys.createApiKey('team/app', seedPrimary, { headers: { Prefer: 'code=400, example=invalidAppName' } }),
    );
    expect(error.status).toBe(400);
    expect(error.problem.errors?.[0]?.pointer).toBe('/path/appName');
  });

  it('answers 404 for an app that does not exist', async () => {
    const error = await rejection(
      client.apiKeys.createApiKey('billing-api', seedPrimary, { headers: { Prefer: 'code=404' } }),
    );
    expect(error.status).toBe(404);
    expect(error.type).toBe('urn:apikeys:problem:app-not-found');
    expect(error.problem.detail).toContain("'billing-api'");
  });

  it('answers 401 with a bearer challenge for a token that is not accepted', async () => {
    const stranger = createApiKeysClient({
      baseUrl: target.url,
      token: 'not-a-token-this-server-knows',
      headers: { Prefer: 'code=401' },
    });
    const error = await rejection(stranger.apiKeys.createApiKey('internal-api', seedPrimary));
    expect(error.status).toBe(401);
    expect(error.type).toBe('urn:apikeys:problem:unauthorized');
    expect(error.headers.get('www-authenticate')).toBe('Bearer realm="apikeys"');
  });

  it('answers 403 naming the missing scope to a token that lacks it, creating nothing, and lets it do what it may', async () => {
    // A verify-only service token named gateway: in the real server's database; the mock takes any token.
    const token = 'consumer-gateway-token-0123456789';
    if ('store' in target) {
      await (target as Target & { store: KeyStore }).store.addServiceToken(
        {
          name: 'gateway',
          scopes: ['keys:verify'],
          createdAt: SERVER_NOW.toISOString(),
          revokedAt: null,
          tokenHash: createHash('sha256').update(token).digest('hex'),
          hashScheme: 'sha256',
        },
        { actor: 'consumer-test', operation: 'test', requestId: null },
      );
    }
    const gateway = createApiKeysClient({ baseUrl: target.url, token });
    const error = await rejection(
      gateway.apiKeys.createApiKey('internal-api', seedPrimary, { headers: { Prefer: 'code=403' } }),
    );
    expect(error).toMatchObject({ status: 403, type: 'urn:apikeys:problem:insufficient-scope' });
    expect(error.problem.detail).toBe("The token 'gateway' lacks the scope this operation requires: keys:create.");
    expect(error.headers.get('www-authenticate')).toBe(
      'Bearer realm="apikeys", error="insufficient_scope", scope="keys:create"',
    );
    expect(
      await gateway.apiKeys.verifyApiKey(
        'internal-api',
        { secret: unissuedSecret },
        { headers: { Prefer: 'example=notFound' } },
      ),
    ).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it('answers 401 to every other operation for a token that is not accepted', async () => {
    const { apiKeys } = createApiKeysClient({
      baseUrl: target.url,
      token: 'not-a-token-this-server-knows',
      headers: { Prefer: 'code=401' },
    });
    const calls = [
      () => apiKeys.listApiKeys('internal-api'),
      () => apiKeys.getApiKey('internal-api', unknownKeyId),
      () => apiKeys.updateApiKey('internal-api', unknownKeyId, { name: 'x' }),
      () => apiKeys.revokeApiKey('internal-api', unknownKeyId),
      () => apiKeys.rotateApiKey('internal-api', unknownKeyId),
      () => apiKeys.verifyApiKey('internal-api', { secret: unissuedSecret }),
      () => apiKeys.listAuditEvents('internal-api'),
      () => apiKeys.createApp({ slug: 'billing-api', key_prefix: 'bill' }),
      () => apiKeys.listApps(),
      () => apiKeys.getApp('internal-api'),
      () => apiKeys.updateApp('internal-api', { display_name: 'Internal API' }),
      () => apiKeys.deleteApp('internal-api'),
      () => apiKeys.createServiceToken({ name: 'gateway', scopes: ['keys:verify'] }),
      () => apiKeys.listServiceTokens(),
      () => apiKeys.getServiceToken('gateway'),
      () => apiKeys.revokeServiceToken('gateway'),
      () => apiKeys.getCurrentToken(),
      () => apiKeys.listWorkspaceAuditEvents(),
      () => apiKeys.createWebhookEndpoint('internal-api', { url: 'https://hooks.example.com/apikeys' }),
      () => apiKeys.listWebhookEndpoints('internal-api'),
      () => apiKeys.getWebhookEndpoint('internal-api', unknownEndpointId),
      () => apiKeys.updateWebhookEndpoint('internal-api', unknownEndpointId, { enabled: false }),
      () => apiKeys.deleteWebhookEndpoint('internal-api', unknownEndpointId),
      () => apiKeys.rotateWebhookEndpointSecret('internal-api', unknownEndpointId),
      () => apiKeys.listWebhookDeliveries('internal-api', unknownEndpointId),
    ];
    for (const call of calls) {
      expect(await rejection(call())).toMatchObject({ status: 401, type: 'urn:apikeys:problem:unauthorized' });
    }
  });

  it('answers 404 for a key the app does not have, whatever the operation', async () => {
    const unknownKey = { headers: { Prefer: 'code=404, example=unknownKey' } };
    const calls = [
      () => client.apiKeys.getApiKey('internal-api', unknownKeyId, unknownKey),
      () => client.apiKeys.updateApiKey('internal-api', unknownKeyId, { name: 'renamed' }, unknownKey),
      () => client.apiKeys.revokeApiKey('internal-api', unknownKeyId, {}, unknownKey),
      () => client.apiKeys.rotateApiKey('internal-api', unknownKeyId, {}, unknownKey),
    ];
    for (const call of calls) {
      const error = await rejection(call());
      expect(error).toMatchObject({ status: 404, type: 'urn:apikeys:problem:key-not-found' });
      expect(error.problem.detail).toContain(`'${unknownKeyId}'`);
    }
  });

  it("answers 404 for an app that does not exist, whatever the operation (but a malformed secret's verdict)", async () => {
    const calls = [
      () => client.apiKeys.listApiKeys('billing-api', undefined, { headers: { Prefer: 'code=404' } }),
      () =>
        client.apiKeys.getApiKey('billing-api', unknownKeyId, { headers: { Prefer: 'code=404, example=unknownApp' } }),
      () => client.apiKeys.verifyApiKey('billing-api', { secret: unissuedSecret }, { headers: { Prefer: 'code=404' } }),
    ];
    for (const call of calls) {
      const error = await rejection(call());
      expect(error).toMatchObject({ status: 404, type: 'urn:apikeys:problem:app-not-found' });
      expect(error.problem.detail).toContain("'billing-api'");
    }
    // A secret that is not shaped like one is answered before anything is looked up.
    expect(
      await client.apiKeys.verifyApiKey(
        'billing-api',
        { secret: 'not-a-key' },
        { headers: { Prefer: 'example=malformed' } },
      ),
    ).toEqual({ valid: false, code: 'MALFORMED' });
  });

  describe('listing', () => {
    // Keys with an owner no other test uses, so that the real server lists these two only.
    const owner = 'consumer-listing';
    let primary: ApiKeyWithSecret;
    let temporary: ApiKeyWithSecret;
    beforeAll(async () => {
      primary = await client.apiKeys.createApiKey('internal-api', { ...seedPrimary, owner });
      temporary = await client.apiKeys.createApiKey(
        'internal-api',
        { ...seedTemporary, owner },
        { headers: { Prefer: 'example=temporaryImportKey' } },
      );
    });

    it('lists page by page, passing next_cursor back until it is null', async () => {
      const first = await client.apiKeys.listApiKeys(
        'internal-api',
        { owner, limit: 1 },
        { headers: { Prefer: 'example=firstPage' } },
      );
      expect(first.data).toHaveLength(1);
      expect(first.next_cursor).toEqual(expect.any(String));
      const last = await client.apiKeys.listApiKeys(
        'internal-api',
        { owner, limit: 1, cursor: first.next_cursor! },
        { headers: { Prefer: 'example=lastPage' } },
      );
      expect(last.data).toHaveLength(1);
      expect(last.next_cursor).toBeNull();
      expect([...first.data, ...last.data].map((key) => key.id).sort()).toEqual(
        [primary.key.id, temporary.key.id].sort(),
      );
      expect(
        [...first.data, ...last.data].every((key) => key.app_slug === 'internal-api' && key.status === 'active'),
      ).toBe(true);
    });

    it('lists every key with listAllApiKeys', async () => {
      // The mock answers every page with the last-page example; the server pages for real.
      const ids: string[] = [];
      for await (const key of client.apiKeys.listAllApiKeys(
        'internal-api',
        { owner, limit: 1 },
        { headers: { Prefer: 'example=lastPage' } },
      )) {
        ids.push(key.id);
      }
      expect(ids).toContain(primary.key.id);
      expect([primary.key.id, temporary.key.id]).toEqual(expect.arrayContaining(ids));
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('refuses a cursor sent with other filters than it was issued for', async () => {
      const first = await client.apiKeys.listApiKeys(
        'internal-api',
        { owner, limit: 1 },
        { headers: { Prefer: 'example=firstPage' } },
      );
      const error = await rejection(
        client.apiKeys.listApiKeys(
          'internal-api',
          { owner: 'someone-else', limit: 1, cursor: first.next_cursor! },
          { headers: { Prefer: 'code=400, example=invalidCursor' } },
        ),
      );
      expect(error.status).toBe(400);
      expect(error.problem.errors).toEqual([{ pointer: '/query/cursor', message: 'is not a cursor of this listing' }]);
    });
  });

  it('refuses a cursor it did not issue', async () => {
    const error = await rejection(
      client.apiKeys.listApiKeys(
        'internal-api',
        { cursor: 'bm90LWEtY3Vyc29y.AAAA' },
        { headers: { Prefer: 'code=400, example=invalidCursor' } },
      ),
    );
    expect(error.status).toBe(400);
    expect(error.problem.errors).toEqual([{ pointer: '/query/cursor', message: 'is not a cursor of this listing' }]);
  });

  it('refuses a query parameter the contract does not name', async () => {
    const sorted = { sort: 'asc' } as ListApiKeysQuery;
    const error = await rejection(
      client.apiKeys.listApiKeys('internal-api', sorted, { headers: { Prefer: 'code=400' } }),
    );
    expect(error).toMatchObject({ status: 400, type: 'urn:apikeys:problem:invalid-request' });
  });

  it('gets the key just created', async () => {
    const created = await client.apiKeys.createApiKey('internal-api', seedPrimary);
    const got = await client.apiKeys.getApiKey('internal-api', created.key.id);
    expect(got).toEqual({ ...created.key, last_used_at: got.last_used_at });
  });

  it('updates the key just created, changing only what was sent', async () => {
    const created = await client.apiKeys.createApiKey('internal-api', seedPrimary);
    const updated = await client.apiKeys.updateApiKey('internal-api', created.key.id, { permissions: ['users:read'] });
    expect(updated).toEqual({ ...created.key, permissions: ['users:read'], last_used_at: updated.last_used_at });
  });

  it('refuses an update that changes nothing, or sets an expiry in the past', async () => {
    const created = await client.apiKeys.createApiKey('internal-api', seedPrimary);
    const empty = await rejection(
      client.apiKeys.updateApiKey(
        'internal-api',
        created.key.id,
        {},
        { headers: { Prefer: 'code=400, example=emptyUpdate' } },
      ),
    );
    expect(empty.status).toBe(400);
    // Which fields may be given, not JSON Schema's own words.
    expect(empty.problem.errors).toEqual([
      {
        pointer: '/body',
        message:
          'must give at least one of name, permissions, metadata, owner, environment, expires_at, credits, ratelimits',
      },
    ]);
    const late = await rejection(
      client.apiKeys.updateApiKey(
        'internal-api',
        created.key.id,
        { expires_at: '2020-01-01T00:00:00Z' },
        { headers: { Prefer: 'code=400, example=expiryInThePast' } },
      ),
    );
    expect(late.status).toBe(400);
    expect(late.problem.errors).toEqual([{ pointer: '/body/expires_at', message: 'must lie in the future' }]);
  });

  it('revokes the key just created for good: it reads revoked, verifies REVOKED, and a second revocation changes nothing', async () => {
    const created = await client.apiKeys.createApiKey('internal-api', seedPrimary);
    const revoked = await client.apiKeys.revokeApiKey('internal-api', created.key.id, {
      reason: 'Leaked in a build log',
    });
    expect(revoked).toEqual({
      ...created.key,
      status: 'revoked',
      revoked_at: expect.any(String),
      revocation_reason: 'Leaked in a build log',
      last_used_at: revoked.last_used_at,
    });
    expect(await client.apiKeys.revokeApiKey('internal-api', created.key.id)).toEqual(revoked);
    expect(
      await client.apiKeys.getApiKey('internal-api', created.key.id, { headers: { Prefer: 'example=revokedKey' } }),
    ).toEqual(revoked);
    expect(
      await client.apiKeys.verifyApiKey(
        'internal-api',
        { secret: created.secret },
        { headers: { Prefer: 'example=revoked' } },
      ),
    ).toEqual({ valid: false, code: 'REVOKED' });
  });

  it('revokes without a reason (the body is then {})', async () => {
    const created = await client.apiKeys.createApiKey('internal-api', seedPrimary);
    expect(await client.apiKeys.revokeApiKey('internal-api', created.key.id)).toMatchObject({
      id: created.key.id,
      status: 'revoked',
    });
  });

  it('refuses to change a revoked key, or to rotate it', async () => {
    const created = await client.apiKeys.createApiKey('internal-api', seedPrimary);
    await client.apiKeys.revokeApiKey('internal-api', created.key.id);
    const keyRevoked = { headers: { Prefer: 'code=409, example=keyRevoked' } };
    for (const call of [
      () => client.apiKeys.updateApiKey('internal-api', created.key.id, { name: 'renamed' }, keyRevoked),
      () => client.apiKeys.rotateApiKey('internal-api', created.key.id, {}, keyRevoked),
    ]) {
      const error = await rejection(call());
      expect(error).toMatchObject({ status: 409, type: 'urn:apikeys:problem:key-revoked' });
      expect(error.problem.detail).toContain(`'${created.key.id}'`);
    }
  });

  it('rotates the key just created: a successor with a new secret, the old secret valid for the grace period, and no second rotation', async () => {
    const created = await client.apiKeys.createApiKey('internal-api', seedPrimary);
    const rotated = await client.apiKeys.rotateApiKey('internal-api', created.key.id, { grace_period_seconds: 3600 });
    const { app_slug, name, key_prefix, permissions, metadata, owner, environment, expires_at } = created.key;
    expect(rotated.key).toMatchObject({
      app_slug,
      name,
      key_prefix,
      permissions,
      metadata,
      owner,
      environment,
      expires_at,
      status: 'active',
      rotated_from: created.key.id,
      rotated_to: null,
    });
    expect(rotated.key.id).not.toBe(created.key.id);
    expect(rotated.secret).toMatch(secretPattern);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.key.key_suffix).toBe(rotated.secret.slice(-4));

    expect(await client.apiKeys.verifyApiKey('internal-api', { secret: created.secret })).toMatchObject({
      valid: true,
      code: 'VALID',
      key: { id: created.key.id },
    });
    expect(await client.apiKeys.verifyApiKey('internal-api', { secret: rotated.secret })).toMatchObject({
      valid: true,
      code: 'VALID',
    });

    const again = await rejection(
      client.apiKeys.rotateApiKey(
        'internal-api',
        created.key.id,
        {},
        { headers: { Prefer: 'code=409, example=keyAlreadyRotated' } },
      ),
    );
    expect(again).toMatchObject({ status: 409, type: 'urn:apikeys:problem:key-already-rotated' });
    expect(again.problem.detail).toContain(`'${created.key.id}'`);
    expect(again.problem.detail).toContain(`'${rotated.key.id}'`);
  });

  it('rotates without a grace period (the body is then {}): the old secret is revoked at once', async () => {
    const created = await client.apiKeys.createApiKey('internal-api', seedPrimary);
    const rotated = await client.apiKeys.rotateApiKey('internal-api', created.key.id);
    expect(rotated.key.rotated_from).toBe(created.key.id);
    expect(
      await client.apiKeys.verifyApiKey(
        'internal-api',
        { secret: created.secret },
        { headers: { Prefer: 'example=revoked' } },
      ),
    ).toEqual({ valid: false, code: 'REVOKED' });
  });

  it('lists the audit trail of the key just revoked, newest first, naming who did it', async () => {
    const created = await client.apiKeys.createApiKey('internal-api', seedPrimary);
    await client.apiKeys.revokeApiKey('internal-api', created.key.id, { reason: 'Leaked in a build log' });
    const page = await client.apiKeys.listAuditEvents(
      'internal-api',
      { key_id: created.key.id },
      { headers: { Prefer: 'example=firstPage' } },
    );
    expect(page.data[0]).toMatchObject({
      action: 'revoked',
      operation: 'revokeApiKey',
      app_slug: 'internal-api',
      key_id: created.key.id,
      actor: expect.any(String),
      request_id: expect.any(String),
    });
    expect(page.data[0]!.changes).toContainEqual({
      field: 'revocation_reason',
      old: null,
      new: 'Leaked in a build log',
    });
    expect(page.data.every((event) => event.key_id === created.key.id)).toBe(true);
    // The mock answers every page with the last-page example; the server pages for real.
    const actions: string[] = [];
    for await (const event of client.apiKeys.listAllAuditEvents(
      'internal-api',
      { key_id: created.key.id, limit: 1 },
      { headers: { Prefer: 'example=lastPage' } },
    )) {
      actions.push(event.action);
    }
    expect(actions.at(-1)).toBe('created');
  });

  it('refuses an audit-trail cursor it did not issue, and answers 404 for an unknown app', async () => {
    const invalid = await rejection(
      client.apiKeys.listAuditEvents(
        'internal-api',
        { cursor: 'bm90LWEtY3Vyc29y.AAAA' },
        { headers: { Prefer: 'code=400, example=invalidCursor' } },
      ),
    );
    expect(invalid.problem.errors).toEqual([{ pointer: '/query/cursor', message: 'is not a cursor of this listing' }]);
    const unknown = await rejection(
      client.apiKeys.listAuditEvents('billing-api', undefined, { headers: { Prefer: 'code=404' } }),
    );
    expect(unknown).toMatchObject({ status: 404, type: 'urn:apikeys:problem:app-not-found' });
  });

  it('verifies the secret just created, with the permissions the call needs', async () => {
    const created = await client.apiKeys.createApiKey('internal-api', seedPrimary);
    const verdict = await client.apiKeys.verifyApiKey('internal-api', {
      secret: created.secret,
      required_permissions: ['users:read'],
    });
    expect(verdict).toEqual({
      valid: true,
      code: 'VALID',
      key: { ...created.key, last_used_at: verdict.key?.last_used_at },
      credits: null,
      ratelimits: [],
    });
  });

  it('names a valid key that lacks a required permission', async () => {
    const created = await client.apiKeys.createApiKey('internal-api', seedTemporary, {
      headers: { Prefer: 'example=temporaryImportKey' },
    });
    const verdict = await client.apiKeys.verifyApiKey(
      'internal-api',
      { secret: created.secret, required_permissions: ['users:write'] },
      { headers: { Prefer: 'example=insufficientPermissions' } },
    );
    expect(verdict).toMatchObject({
      valid: false,
      code: 'INSUFFICIENT_PERMISSIONS',
      key: { id: created.key.id, permissions: ['users:read'] },
    });
  });

  it('answers RATE_LIMITED for a key past its rate limit, with the window that refused it', async () => {
    const ratelimits = [{ name: 'requests', limit: 1, duration_ms: 60_000, auto_apply: true }];
    const created = await client.apiKeys.createApiKey('internal-api', { ...seedPrimary, ratelimits });
    const verdicts = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      verdicts.push(
        await client.apiKeys.verifyApiKey(
          'internal-api',
          { secret: created.secret },
          { headers: { Prefer: 'example=rateLimited' } },
        ),
      );
    }
    expect(verdicts[1]).toMatchObject({
      valid: false,
      code: 'RATE_LIMITED',
      key: { id: created.key.id },
      ratelimits: [{ name: 'requests', remaining: 0 }],
    });
  });

  it('answers USAGE_EXCEEDED for a metered key whose credits are spent', async () => {
    const created = await client.apiKeys.createApiKey('internal-api', { ...seedPrimary, credits: { remaining: 0 } });
    const verdict = await client.apiKeys.verifyApiKey(
      'internal-api',
      { secret: created.secret },
      { headers: { Prefer: 'example=usageExceeded' } },
    );
    expect(verdict).toMatchObject({
      valid: false,
      code: 'USAGE_EXCEEDED',
      key: { id: created.key.id },
      credits: { remaining: 0 },
    });
  });

  it('answers MALFORMED for a string that is not a secret, or whose checksum is wrong, and NOT_FOUND for one never issued', async () => {
    const created = await client.apiKeys.createApiKey('internal-api', seedPrimary);
    const tampered = `${created.secret.slice(0, -1)}${created.secret.endsWith('0') ? '1' : '0'}`;
    for (const secret of ['not-a-key', tampered]) {
      expect(
        await client.apiKeys.verifyApiKey('internal-api', { secret }, { headers: { Prefer: 'example=malformed' } }),
      ).toEqual({ valid: false, code: 'MALFORMED' });
    }
    expect(
      await client.apiKeys.verifyApiKey(
        'internal-api',
        { secret: unissuedSecret },
        { headers: { Prefer: 'example=notFound' } },
      ),
    ).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  // After every test that takes billing-api for an app that does not exist: this one registers it
  // (and deletes it again). The mock answers the contract's examples, which tell the same story
  // (billing-api, prefix bill, display name Billing API); what only the real server can know (the
  // token's name and scopes, the key's app, the audit trail) is asserted on the server alone.
  it('registers an app and a scoped service token over HTTP, creates a key in the app with that token, and cleans up', async () => {
    const real = 'store' in target;
    const app = await client.apiKeys.createApp({
      slug: 'billing-api',
      key_prefix: 'bill',
      display_name: 'Billing API',
    });
    expect(app).toMatchObject({ slug: 'billing-api', key_prefix: 'bill', display_name: 'Billing API' });
    expect(await client.apiKeys.getApp('billing-api')).toMatchObject({ slug: 'billing-api', key_prefix: 'bill' });
    const apps = await client.apiKeys.listApps({ limit: 100 });
    expect(apps.data.map((each) => each.slug)).toContain('billing-api');
    expect(await client.apiKeys.updateApp('billing-api', { display_name: 'Billing API (EU)' })).toMatchObject({
      slug: 'billing-api',
      display_name: 'Billing API (EU)',
    });

    const name = 'billing-deployer';
    const added = await client.apiKeys.createServiceToken({ name, scopes: ['keys:create', 'keys:revoke'] });
    expect(added.token.status).toBe('active');
    expect(added.secret).toMatch(/^apt_[0-9A-Za-z]{49}$/);
    const shown = await client.apiKeys.getServiceToken(name);
    expect(shown.status).toBe('active');
    if (real) {
      expect(added.token).toMatchObject({ name, scopes: ['keys:create', 'keys:revoke'], revoked_at: null });
      expect(shown).toEqual(added.token);
      expect((await client.apiKeys.listServiceTokens()).data.map((each) => each.name)).toContain(name);
    } else {
      expect((await client.apiKeys.listServiceTokens()).data.length).toBeGreaterThan(0);
    }

    const deployer = createApiKeysClient({ baseUrl: target.url, token: added.secret });
    const me = await deployer.apiKeys.getCurrentToken();
    if (real) {
      expect(me).toEqual({ name, scopes: ['keys:create', 'keys:revoke'] });
    } else {
      expect(me.scopes.length).toBeGreaterThan(0);
    }
    const created = await deployer.apiKeys.createApiKey('billing-api', {
      name: 'billing key',
      permissions: ['invoices:read'],
    });
    expect(created.key.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.secret).toMatch(/^[a-z0-9]{1,16}_[0-9A-Za-z]{49}$/);
    if (real) {
      expect(created.key).toMatchObject({ app_slug: 'billing-api', key_prefix: 'bill', name: 'billing key' });
      expect(created.secret.startsWith('bill_')).toBe(true);
    }
    await deployer.apiKeys.revokeApiKey('billing-api', created.key.id, {}, { headers: { Prefer: 'example=revoked' } });

    const trail = await client.apiKeys.listWorkspaceAuditEvents({ limit: 100 });
    expect(trail.data.length).toBeGreaterThan(0);
    if (real) {
      const actions = trail.data.map((event) => `${event.action} ${event.app_slug ?? event.token_name}`);
      expect(actions).toEqual(
        expect.arrayContaining(['app_created billing-api', 'app_updated billing-api', `token_added ${name}`]),
      );
    }

    // The app's only key is revoked: it may be deleted, and is then gone.
    expect(await client.apiKeys.deleteApp('billing-api')).toMatchObject({ slug: 'billing-api', key_prefix: 'bill' });
    const gone = await rejection(client.apiKeys.getApp('billing-api', { headers: { Prefer: 'code=404' } }));
    expect(gone).toMatchObject({ status: 404, type: 'urn:apikeys:problem:app-not-found' });

    // A revoked token is refused from then on.
    expect(await client.apiKeys.revokeServiceToken(name)).toMatchObject({ status: 'revoked' });
    const refused = await rejection(
      deployer.apiKeys.createApiKey('internal-api', { name: 'too late' }, { headers: { Prefer: 'code=401' } }),
    );
    expect(refused).toMatchObject({ status: 401, type: 'urn:apikeys:problem:unauthorized' });
  });

  it("manages an app's webhook endpoints: the secret shown once, changed, rotated, deleted", async () => {
    const created = await client.apiKeys.createWebhookEndpoint('internal-api', {
      url: 'https://hooks.example.com/apikeys',
      events: ['key.revoked', 'key.leaked'],
      description: 'Security team',
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.endpoint).toMatchObject({
      app_slug: 'internal-api',
      url: 'https://hooks.example.com/apikeys',
      enabled: true,
      disabled_reason: null,
    });
    const { id } = created.endpoint;
    const listed = await client.apiKeys.listWebhookEndpoints('internal-api');
    expect(listed.data.map((endpoint) => endpoint.id)).toContain(id);
    const got = await client.apiKeys.getWebhookEndpoint('internal-api', id);
    expect(got.id).toBe(id);
    expect(JSON.stringify(got)).not.toContain('whsec_');
    const fewer = await client.apiKeys.updateWebhookEndpoint('internal-api', id, {
      events: ['key.revoked', 'key.rotated', 'key.leaked'],
    });
    expect(fewer).toMatchObject({ id, events: ['key.revoked', 'key.rotated', 'key.leaked'] });
    const rotated = await client.apiKeys.rotateWebhookEndpointSecret('internal-api', id, { overlap_seconds: 3600 });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.endpoint.previous_secret_expires_at).not.toBeNull();
    const deliveries = await client.apiKeys.listWebhookDeliveries('internal-api', id, { limit: 10 });
    expect(Array.isArray(deliveries.data)).toBe(true);
    expect((await client.apiKeys.deleteWebhookEndpoint('internal-api', id)).id).toBe(id);
    const gone = await rejection(
      client.apiKeys.getWebhookEndpoint('internal-api', id, {
        headers: { Prefer: 'code=404, example=unknownEndpoint' },
      }),
    );
    expect(gone).toMatchObject({ status: 404, type: 'urn:apikeys:problem:webhook-endpoint-not-found' });
  });

  it('refuses a webhook URL that is not public https, naming url', async () => {
    const refused = await rejection(
      client.apiKeys.createWebhookEndpoint(
        'internal-api',
        { url: 'https://10.0.0.5/hooks' },
        { headers: { Prefer: 'code=400, example=refusedWebhookUrl' } },
      ),
    );
    expect(refused.status).toBe(400);
    expect(refused.problem.errors).toEqual([
      { pointer: '/body/url', message: expect.stringMatching(/private address/) },
    ]);
  });

  // Last: it reads what every test above called.
  it.each(operations)('has called $operationId successfully and with a token that is not accepted', (operation) => {
    const statuses = [...(answered.get(operation.operationId) ?? [])];
    const missing = [
      ...(statuses.some((status) => status >= 200 && status < 300) ? [] : ['a call it answers with a 2xx']),
      ...(operation.scopes === undefined || statuses.includes(401)
        ? []
        : ['a call with a token that is not accepted (401)']),
    ];
    expect(
      missing,
      `The consumer suite does not cover ${describeOperation(operation)}: add a test with a typed call of client.apiKeys.${operation.operationId}`,
    ).toEqual([]);
  });
});
