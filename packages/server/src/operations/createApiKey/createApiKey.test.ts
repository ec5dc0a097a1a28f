import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiKeyWithSecret, Problem } from '@apikeys/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds, type TestStore } from '../../../test/support/stores.js';
import { expectProblem, OTHER_TOKEN, startTestServer, TOKEN } from '../../../test/support/testServer.js';
import { contractFile } from '../../contract/document.js';
import { hashSecret, hasValidChecksum } from '../../keys/secret.js';
import type { KeyStore } from '../../store/keyStore.js';

// A fixed clock, so that the seed's expiry (2026-12-31) stays in the future for this suite.
const NOW = new Date('2026-06-01T12:00:00.000Z');
const now = () => NOW;

const seedPrimary = {
  name: 'Primary production key',
  permissions: ['users:read', 'users:write'],
  metadata: { owner: 'backend-service' },
};
const seedTemporary = { name: 'temporary-import-key', permissions: ['users:read'], expires_at: '2026-12-31T23:59:59Z' };

describe.each(storeKinds)('createApiKey on $kind', ({ open }) => {
  let testStore: TestStore;
  let store: KeyStore;
  let server: Awaited<ReturnType<typeof startTestServer>>;

  beforeAll(async () => {
    testStore = await open();
    store = testStore.store;
    await store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, NOW);
    await store.addApp({ slug: 'billing-api', keyPrefix: 'bill' }, NOW);
    server = await startTestServer({ store, now });
  });
  afterAll(async () => {
    await server?.close();
    await testStore?.dispose();
  });

  /** Sends a request that must be refused, and checks that nothing was stored. */
  async function refused(send: () => Promise<Response>, status: number, type: string): Promise<Problem> {
    const before = await store.countKeys();
    const problem = await expectProblem(await send(), status, type);
    expect(await store.countKeys()).toBe(before);
    return problem;
  }

  describe('a created key', () => {
    it("answers 201 with the seed's key, its secret and Cache-Control: no-store, and stores only the secret's hash", async () => {
      const response = await server.post('internal-api', seedPrimary);
      expect(response.status).toBe(201);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const { key, secret } = (await response.json()) as ApiKeyWithSecret;
      expect(key).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        app_slug: 'internal-api',
        name: 'Primary production key',
        key_prefix: 'sk',
        key_suffix: secret.slice(-4),
        permissions: ['users:read', 'users:write'],
        metadata: { owner: 'backend-service' },
        owner: null,
        environment: null,
        expires_at: null,
        created_at: NOW.toISOString(),
        status: 'active',
        revoked_at: null,
        revocation_reason: null,
        last_used_at: null,
        rotated_from: null,
        rotated_to: null,
        credits: null,
        ratelimits: [],
      });
      expect(secret).toMatch(/^sk_[0-9A-Za-z]{49}$/);
      expect(hasValidChecksum(secret)).toBe(true);

      const stored = await store.findKeyBySecretHash(hashSecret(secret));
      // Stored exactly as answered; only the status is worked out when the key is read.
      const { status: _status, ...record } = key;
      expect(stored).toEqual({
        key: record,
        secretHash: hashSecret(secret),
        hashScheme: 'sha256',
        usageId: record.id,
        balance: null,
      });
    });

    it('keeps an expiry, owner and environment', async () => {
      const response = await server.post('internal-api', {
        ...seedTemporary,
        owner: 'import-team',
        environment: 'production',
      });
      expect(response.status).toBe(201);
      const { key, secret } = (await response.json()) as ApiKeyWithSecret;
      expect(key).toMatchObject({
        expires_at: '2026-12-31T23:59:59.000Z',
        owner: 'import-team',
        environment: 'production',
        metadata: {},
        permissions: ['users:read'],
      });
      expect({ ...(await store.findKeyBySecretHash(hashSecret(secret)))?.key, status: 'active' }).toEqual(key);
    });

    it("uses the app's own prefix, and a body appName equal to the URL's", async () => {
      const response = await server.post('billing-api', { name: 'billing export', appName: 'billing-api' });
      expect(response.status).toBe(201);
      const { key, secret } = (await response.json()) as ApiKeyWithSecret;
      expect(key.app_slug).toBe('billing-api');
      expect(key.key_prefix).toBe('bill');
      expect(secret).toMatch(/^bill_/);
      expect(hasValidChecksum(secret)).toBe(true);
    });

    it('issues a different secret every time', async () => {
      const secrets = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const response = await server.post('internal-api', { name: `key ${i}` });
        secrets.add(((await response.json()) as ApiKeyWithSecret).secret);
      }
      expect(secrets.size).toBe(5);
    });

    it('accepts every configured token', async () => {
      expect((await server.post('internal-api', { name: 'second token' }, { token: OTHER_TOKEN })).status).toBe(201);
    });
  });

  describe('the app boundary', () => {
    it('refuses a body appName that differs from the URL, and creates nothing', async () => {
      const problem = await refused(
        () => server.post('internal-api', { name: 'moved', appName: 'billing-api' }),
        400,
        'invalid-request',
      );
      expect(problem.errors).toEqual([
        { pointer: '/body/appName', message: "must equal the app in the URL ('internal-api')" },
      ]);
    });

    it('answers 404 for an unknown app', async () => {
      const problem = await refused(() => server.post('no-such-app', { name: 'x' }), 404, 'app-not-found');
      expect(problem.detail).toContain('no-such-app');
    });

    it('refuses an app slug that breaks the contract', async () => {
      const problem = await refused(() => server.post('Internal_API', { name: 'x' }), 400, 'invalid-request');
      expect(problem.errors?.[0]?.pointer).toBe('/path/appName');
    });
  });

  describe('fields the contract does not name', () => {
    it.each([
      'organization_id',
      'workspace_id',
      'organization_membership_id',
      'workspace_membership_id',
      'user_id',
      'app_slug',
      'secret',
    ])('refuses %s with 400 naming it', async (field) => {
      const problem = await refused(
        () => server.post('internal-api', { name: 'scoped', [field]: 'x' }),
        400,
        'invalid-request',
      );
      expect(problem.errors).toEqual([{ pointer: `/body/${field}`, message: 'is not a field of this request' }]);
    });

    it('names every unknown field at once', async () => {
      const problem = await refused(
        () => server.post('internal-api', { name: 'x', user_id: 'u', team: 't' }),
        400,
        'invalid-request',
      );
      expect(problem.errors?.map((e) => e.pointer).sort()).toEqual(['/body/team', '/body/user_id']);
    });
  });

  describe('values outside their limits', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['a missing name', { permissions: [] }, '/body/name'],
      ['a blank name', { name: '   ' }, '/body/name'],
      ['a name over 128 characters', { name: 'n'.repeat(129) }, '/body/name'],
      ['a permission without an action', { name: 'x', permissions: ['users'] }, '/body/permissions/0'],
      [
        'a permission over 128 characters',
        { name: 'x', permissions: [`users:${'r'.repeat(123)}`] },
        '/body/permissions/0',
      ],
      ['a repeated permission', { name: 'x', permissions: ['users:read', 'users:read'] }, '/body/permissions'],
      [
        'more than 100 permissions',
        { name: 'x', permissions: Array.from({ length: 101 }, (_, i) => `r${i}:read`) },
        '/body/permissions',
      ],
      ['metadata that is not an object', { name: 'x', metadata: ['a'] }, '/body/metadata'],
      [
        'metadata with more than 50 properties',
        { name: 'x', metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) },
        '/body/metadata',
      ],
      ['a blank owner', { name: 'x', owner: '' }, '/body/owner'],
      ['an environment with capitals', { name: 'x', environment: 'Production' }, '/body/environment'],
      ['an expiry that is not a date-time', { name: 'x', expires_at: 'next tuesday' }, '/body/expires_at'],
      ['an expiry without a time zone', { name: 'x', expires_at: '2026-12-31T23:59:59' }, '/body/expires_at'],
      ['an expiry on a leap second', { name: 'x', expires_at: '2026-12-31T23:59:60Z' }, '/body/expires_at'],
    ];
    it.each(cases)('refuses %s', async (_label, body, pointer) => {
      const problem = await refused(() => server.post('internal-api', body), 400, 'invalid-request');
      expect(problem.errors?.map((e) => e.pointer)).toContain(pointer);
    });

    it('refuses an expiry in the past, and one equal to now', async () => {
      for (const expires_at of ['2020-01-01T00:00:00Z', NOW.toISOString()]) {
        const problem = await refused(
          () => server.post('internal-api', { name: 'x', expires_at }),
          400,
          'invalid-request',
        );
        expect(problem.errors).toEqual([{ pointer: '/body/expires_at', message: 'must lie in the future' }]);
      }
    });

    it('refuses metadata over 4096 bytes of JSON, counting UTF-8 bytes, and accepts it at the limit', async () => {
      // {"k":"…"} is 8 bytes around the value.
      const atLimit = { k: 'x'.repeat(4096 - 8) };
      expect((await server.post('internal-api', { name: 'at limit', metadata: atLimit })).status).toBe(201);
      const overByUtf8 = { k: 'é'.repeat(2045) }; // 4090 bytes of text, 4098 with the wrapping
      const problem = await refused(
        () => server.post('internal-api', { name: 'x', metadata: overByUtf8 }),
        400,
        'invalid-request',
      );
      expect(problem.errors).toEqual([
        { pointer: '/body/metadata', message: 'must serialise to at most 4096 bytes of JSON' },
      ]);
    });
  });

  describe('bodies that are not a JSON request', () => {
    it('refuses malformed JSON with 400', async () => {
      await refused(() => server.post('internal-api', null, { raw: '{"name": "x",' }), 400, 'invalid-request');
    });

    it('refuses a JSON value that is not an object', async () => {
      await refused(() => server.post('internal-api', null, { raw: '"just a string"' }), 400, 'invalid-request');
    });

    it('refuses another media type with 415', async () => {
      await refused(
        () => server.post('internal-api', null, { raw: 'name=x', headers: { 'content-type': 'text/plain' } }),
        415,
        'unsupported-media-type',
      );
    });

    it('refuses a body over 16 KiB with 413', async () => {
      const problem = await refused(
        () => server.post('internal-api', { name: 'x', metadata: { blob: 'x'.repeat(17 * 1024) } }),
        413,
        'payload-too-large',
      );
      expect(problem.detail).toBe('The request body is larger than 16384 bytes.');
    });
  });

  describe('authentication', () => {
    it.each([
      ['no Authorization header', null],
      ['an unknown token', 'not-a-configured-token-at-all'],
      ['a prefix of a configured token', 'test-token-0123'],
    ])('answers 401 with WWW-Authenticate for %s', async (_label, token) => {
      const response = await server.post('internal-api', seedPrimary, { token });
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="apikeys"');
      await refused(async () => response, 401, 'unauthorized');
    });

    it('has no default credentials: a server configured with no tokens accepts nobody', async () => {
      const locked = await startTestServer({ store, now, tokens: [] });
      try {
        await refused(() => locked.post('internal-api', seedPrimary), 401, 'unauthorized');
        await refused(() => locked.post('internal-api', seedPrimary, { token: '' }), 401, 'unauthorized');
      } finally {
        await locked.close();
      }
    });
  });

  it('limits the rate per token with 429 and Retry-After', async () => {
    const limited = await startTestServer({ store, now, rateLimit: { limit: 2, windowMs: 30_000 } });
    try {
      expect((await limited.post('internal-api', { name: 'one' })).status).toBe(201);
      expect((await limited.post('internal-api', { name: 'two' })).status).toBe(201);
      const response = await limited.post('internal-api', { name: 'three' });
      expect(response.headers.get('retry-after')).toBe('30');
      await refused(async () => response, 429, 'rate-limited');
      // Another token has its own budget.
      expect((await limited.post('internal-api', { name: 'four' }, { token: OTHER_TOKEN })).status).toBe(201);
    } finally {
      await limited.close();
    }
  });
});

describe('failures', () => {
  let testStore: TestStore;
  beforeAll(async () => {
    testStore = await storeKinds[0].open();
    await testStore.store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, NOW);
  });
  afterAll(() => testStore?.dispose());

  it('answers an unexpected failure with a 500 problem that leaks no internals, and logs the cause', async () => {
    const broken: KeyStore = Object.create(testStore.store, {
      insertKey: { value: async () => Promise.reject(new Error('disk I/O error at /var/lib/secret-path')) },
    });
    const server = await startTestServer({ store: broken, now });
    try {
      const response = await server.post('internal-api', seedPrimary);
      const problem = await expectProblem(response, 500, 'internal-error');
      expect(JSON.stringify(problem)).not.toMatch(/disk|secret-path|Error/);
      const logged = server.logs.entries().find((entry) => entry.msg === 'request failed');
      expect(JSON.stringify(logged)).toContain('disk I/O error');
    } finally {
      await server.close();
    }
  });

  it('refuses to send a response that breaks the contract', async () => {
    // A contract in which ApiKey has no created_at: the server's real response now carries an
    // undeclared field, as a leaked hash would.
    const contract = JSON.parse(readFileSync(contractFile, 'utf8'));
    const apiKey =
      contract.paths['/api-auth/apps/{appName}/keys'].post.responses['201'].content['application/json'].schema
        .properties.key;
    delete apiKey.properties.created_at;
    apiKey.required = apiKey.required.filter((name: string) => name !== 'created_at');
    const file = join(mkdtempSync(join(tmpdir(), 'contract-')), 'openapi.json');
    writeFileSync(file, JSON.stringify(contract));

    const server = await startTestServer({ store: testStore.store, now, contract: file });
    try {
      const response = await server.post('internal-api', { name: 'checked' });
      const problem = await expectProblem(response, 500, 'internal-error');
      expect(JSON.stringify(problem)).not.toContain('sk_');
      expect(JSON.stringify(server.logs.entries())).toContain('created_at');
    } finally {
      await server.close();
    }
  });

  it('answers a path or method the API does not have, or a path it cannot decode, with a problem', async () => {
    const server = await startTestServer({ store: testStore.store, now });
    try {
      await expectProblem(
        await fetch(`${server.url}/api-auth/apps/internal-api/keys`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${TOKEN}` },
        }),
        405,
        'method-not-allowed',
      );
      await expectProblem(
        await fetch(`${server.url}/api-auth/apps/internal-api/nothing-here`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        }),
        404,
        'not-found',
      );
      await expectProblem(await fetch(`${server.url}/no-such-page`), 404, 'not-found');
      // A path Express itself cannot decode.
      await expectProblem(
        await fetch(`${server.url}/api-auth/apps/%E0%A4%A/keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: '{"name":"x"}',
        }),
        400,
        'invalid-request',
      );
    } finally {
      await server.close();
    }
  });

  it('fails to start on a contract that does not load', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'contract-')), 'openapi.json');
    writeFileSync(
      file,
      JSON.stringify({ openapi: '3.1.0', info: { title: 'broken' }, paths: { '/x': { post: { responses: 'none' } } } }),
    );
    const { createServer } = await import('../../compose.js');
    await expect(createServer({ store: testStore.store, tokens: [], contract: file })).rejects.toThrow(
      /contract could not be loaded/,
    );
  });
});
