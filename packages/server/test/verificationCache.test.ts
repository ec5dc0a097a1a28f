import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import type { ApiKeyWithSecret, VerificationResult } from '@apikeys/types';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../src/keys/issueKey.js';
import { hashSecret } from '../src/keys/secret.js';
import type { KeyStore } from '../src/store/keyStore.js';
import {
  DEFAULT_VERIFICATION_CACHE,
  VerificationCache,
  withVerificationCache,
} from '../src/store/verificationCache.js';
import { AUDIT, storeKinds, type TestStore } from './support/stores.js';
import { startTestServer, type TestServer } from './support/testServer.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');

describe('the verification cache', () => {
  it('keeps the hash and the record, never the secret', async () => {
    const testStore = await storeKinds[0].open();
    try {
      const app = await testStore.store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, NOW);
      const { store, cache } = await withVerificationCache(testStore.store, {
        ...DEFAULT_VERIFICATION_CACHE,
        now: () => NOW.getTime(),
      });
      const issued = issueKey(
        app,
        {
          name: 'cached',
          permissions: [],
          metadata: {},
          owner: null,
          environment: null,
          expires_at: null,
          ratelimits: [],
        },
        { now: NOW },
      );
      await store.insertKey(issued.stored, AUDIT);
      expect(await store.findKeyBySecretHash(hashSecret(issued.answer.secret))).toEqual(issued.stored);
      expect(cache.size).toBe(1);
      const everything = inspect(cache, {
        depth: Infinity,
        showHidden: true,
        maxStringLength: Infinity,
        maxArrayLength: Infinity,
      });
      expect(everything).toContain(issued.stored.secretHash);
      expect(everything).not.toContain(issued.answer.secret.slice(3, 46));
    } finally {
      await testStore.dispose();
    }
  });

  it('stays within its memory bound, dropping the oldest entries first', () => {
    const cache = new VerificationCache({ ttlMs: 60_000, maxBytes: 10_000, now: () => 0 });
    for (let i = 0; i < 1000; i++) {
      cache.remember(`hash-${i}`, undefined, cache.changeCount);
    }
    expect(cache.size).toBeLessThan(30);
    expect(cache.lookup('hash-999')).toMatchObject({ found: undefined });
    expect(cache.lookup('hash-0')).toBeUndefined();
  });

  it('does not keep a lookup that overlapped a change, which may have read the old row', () => {
    const cache = new VerificationCache({ ttlMs: 60_000, maxBytes: 10_000, now: () => 0 });
    const before = cache.changeCount;
    cache.forgetKey('a key changed meanwhile');
    cache.remember('hash', undefined, before);
    expect(cache.lookup('hash')).toBeUndefined();
  });
});

describe.each(storeKinds)('verification through the cache on $kind', ({ open }) => {
  let testStore: TestStore;
  let server: TestServer;
  let clock = NOW;
  let lookups = 0;
  beforeAll(async () => {
    testStore = await open();
    await testStore.store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, NOW);
    const store = testStore.store;
    const counting = Object.create(store, {
      findKeyBySecretHash: {
        value: (hash: string) => {
          lookups++;
          return store.findKeyBySecretHash(hash);
        },
      },
    }) as KeyStore;
    server = await startTestServer({ store: counting, now: () => clock });
  });
  afterAll(async () => {
    await server?.close();
    await testStore?.dispose();
  });

  const create = async (body: Record<string, unknown> = { name: 'cached key', permissions: ['users:read'] }) =>
    (await (await server.post('internal-api', body)).json()) as ApiKeyWithSecret;
  const verify = async (secret: string, required_permissions: string[] = []) =>
    (await (
      await server.call('POST', '/api-auth/apps/internal-api/keys/verify', { secret, required_permissions })
    ).json()) as VerificationResult;
  const keyPath = (id: string, action = '') => `/api-auth/apps/internal-api/keys/${id}${action}`;

  it('answers a hot key without reading the database', async () => {
    const { secret } = await create();
    // On SQLite, this process's own commits on its two connections a few polls apart (the
    // server's start-up, then this key) may count once as another process's: a needless
    // flush, which the store prefers to a missed change (sqliteWriter.ts). Let it pass first.
    await sleep(500);
    expect((await verify(secret)).code).toBe('VALID');
    const before = lookups;
    for (let i = 0; i < 5; i++) {
      expect((await verify(secret)).code).toBe('VALID');
    }
    expect(lookups).toBe(before);
  });

  it('sees an update, a revocation and a rotation made on this instance at the very next verification', async () => {
    const updated = await create();
    expect((await verify(updated.secret, ['users:read'])).code).toBe('VALID');
    expect((await server.call('PATCH', keyPath(updated.key.id), { permissions: ['orders:read'] })).status).toBe(200);
    expect((await verify(updated.secret, ['users:read'])).code).toBe('INSUFFICIENT_PERMISSIONS');

    const revoked = await create();
    expect((await verify(revoked.secret)).code).toBe('VALID');
    expect((await server.call('POST', keyPath(revoked.key.id, '/revoke'), {})).status).toBe(200);
    expect((await verify(revoked.secret)).code).toBe('REVOKED');

    const rotated = await create();
    expect((await verify(rotated.secret)).code).toBe('VALID');
    const successor = (await (
      await server.call('POST', keyPath(rotated.key.id, '/rotate'), { grace_period_seconds: 0 })
    ).json()) as ApiKeyWithSecret;
    expect((await verify(rotated.secret)).code).toBe('REVOKED');
    expect((await verify(successor.secret)).code).toBe('VALID');
  });

  it('still applies expiry to a cached key', async () => {
    const expiring = await create({ name: 'expiring', expires_at: '2026-06-01T12:00:02Z' });
    expect((await verify(expiring.secret)).code).toBe('VALID');
    clock = new Date(NOW.getTime() + 2000);
    expect((await verify(expiring.secret)).code).toBe('EXPIRED');
    clock = NOW;
  });
});

describe('a change made through another connection to the database', () => {
  it.each(storeKinds)(
    'is seen on $kind without this instance hearing of it, once the TTL passes at the latest',
    async ({ kind, open }) => {
      const testStore = await open();
      const other = await testStore.openSecondInstance();
      let clock = NOW;
      const server = await startTestServer({ store: testStore.store, now: () => clock });
      try {
        await testStore.store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, NOW);
        const { key, secret } = (await (
          await server.post('internal-api', { name: 'revoked elsewhere' })
        ).json()) as ApiKeyWithSecret;
        const verify = async () =>
          (
            (await (
              await server.call('POST', '/api-auth/apps/internal-api/keys/verify', { secret })
            ).json()) as VerificationResult
          ).code;
        expect(await verify()).toBe('VALID');
        if (kind === 'postgres') {
          // A revocation whose notification never arrives: written with SQL that announces nothing.
          const client = new pg.Client({ connectionString: testStore.location });
          await client.connect();
          await client.query(`UPDATE api_keys SET revoked_at = $2, revocation_reason = 'missed' WHERE id = $1`, [
            key.id,
            NOW,
          ]);
          await client.end();
          expect(await verify()).toBe('VALID');
          clock = new Date(NOW.getTime() + DEFAULT_VERIFICATION_CACHE.ttlMs);
          expect(await verify()).toBe('REVOKED');
        } else {
          // SQLite tells this connection that another one committed (data_version), not what.
          await other.revokeKey('internal-api', key.id, 'elsewhere', NOW, AUDIT);
          await expect.poll(verify, { timeout: 2000, interval: 20 }).toBe('REVOKED');
        }
      } finally {
        await server.close();
        await other.close();
        await testStore.dispose();
      }
    },
  );

  it('is announced on PostgreSQL: a revocation through another instance is seen without waiting for the TTL', async () => {
    const testStore = await storeKinds[1].open();
    const other = await testStore.openSecondInstance();
    const server = await startTestServer({ store: testStore.store, now: () => NOW });
    try {
      await testStore.store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, NOW);
      const { key, secret } = (await (
        await server.post('internal-api', { name: 'revoked by the other instance' })
      ).json()) as ApiKeyWithSecret;
      const verify = async () =>
        (
          (await (
            await server.call('POST', '/api-auth/apps/internal-api/keys/verify', { secret })
          ).json()) as VerificationResult
        ).code;
      expect(await verify()).toBe('VALID');
      await other.revokeKey('internal-api', key.id, 'elsewhere', NOW, AUDIT);
      // The clock stands still, so only the notification can make this instance read the key again.
      await expect.poll(verify, { timeout: 2000, interval: 20 }).toBe('REVOKED');
    } finally {
      await server.close();
      await other.close();
      await testStore.dispose();
    }
  });
});
