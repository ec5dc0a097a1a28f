import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppExistsError, type StoredKey } from '../src/store/keyStore.js';
import { PostgresKeyStore } from '../src/store/postgresKeyStore.js';
import { createPostgresDatabase, storeKinds, type TestStore } from './support/stores.js';

const CREATED = new Date('2026-06-01T12:00:00.000Z');

function storedKey(overrides: Partial<StoredKey['key']> = {}, secretHash = randomUUID().replaceAll('-', '')): StoredKey {
  return {
    key: {
      id: randomUUID(),
      app_slug: 'internal-api',
      name: 'a key',
      key_prefix: 'sk',
      key_suffix: 'AbC9',
      permissions: ['users:read', 'users:*'],
      metadata: { z: 1, a: { nested: ['x', null, true] }, 'ünïcode': 'é' },
      owner: 'backend-service',
      environment: 'production',
      expires_at: '2026-12-31T23:59:59.000Z',
      created_at: CREATED.toISOString(),
      ...overrides,
    },
    secretHash,
    hashScheme: 'sha256',
  };
}

// One suite, run against both implementations: they must behave the same.
describe.each(storeKinds)('$kind key store', ({ open }) => {
  let testStore: TestStore;
  beforeEach(async () => {
    testStore = await open();
  });
  afterEach(() => testStore.dispose());

  it('migrates an empty database and is idempotent', async () => {
    await testStore.store.migrate();
    await testStore.store.migrate();
    expect(await testStore.store.listApps()).toEqual([]);
    expect(await testStore.store.countKeys()).toBe(0);
  });

  it('adds, finds and lists apps, and refuses a second app with the same slug', async () => {
    const { store } = testStore;
    expect(await store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, CREATED)).toEqual({ slug: 'internal-api', keyPrefix: 'sk', createdAt: CREATED.toISOString() });
    await store.addApp({ slug: 'billing-api', keyPrefix: 'bill' }, CREATED);
    await expect(store.addApp({ slug: 'billing-api', keyPrefix: 'other' }, CREATED)).rejects.toBeInstanceOf(AppExistsError);
    expect(await store.findApp('billing-api')).toEqual({ slug: 'billing-api', keyPrefix: 'bill', createdAt: CREATED.toISOString() });
    expect(await store.findApp('nope')).toBeUndefined();
    expect((await store.listApps()).map((app) => app.slug)).toEqual(['billing-api', 'internal-api']);
  });

  it('stores a key and finds it by its secret hash exactly as it was given', async () => {
    const { store } = testStore;
    await store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, CREATED);
    const full = storedKey();
    const bare = storedKey({ permissions: [], metadata: {}, owner: null, environment: null, expires_at: null });
    await store.insertKey(full);
    await store.insertKey(bare);
    expect(await store.findKeyBySecretHash(full.secretHash)).toEqual(full);
    expect(await store.findKeyBySecretHash(bare.secretHash)).toEqual(bare);
    expect(await store.findKeyBySecretHash('0'.repeat(64))).toBeUndefined();
    expect(await store.countKeys()).toBe(2);
  });

  it('refuses a second key with the same secret hash, and a key for an app that does not exist', async () => {
    const { store } = testStore;
    await store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, CREATED);
    const first = storedKey();
    await store.insertKey(first);
    await expect(store.insertKey(storedKey({}, first.secretHash))).rejects.toThrow();
    await expect(store.insertKey(storedKey({ app_slug: 'no-such-app' }))).rejects.toThrow();
    expect(await store.countKeys()).toBe(1);
  });

  it('answers ping while open and fails it once closed', async () => {
    await expect(testStore.store.ping()).resolves.toBeUndefined();
    await testStore.store.close();
    await expect(testStore.store.ping()).rejects.toThrow();
  });
});

describe('PostgreSQL shared by several instances', () => {
  it('lets several instances migrate the same database at once', async () => {
    const database = await createPostgresDatabase();
    const instances = Array.from({ length: 4 }, () => new PostgresKeyStore(database.url, 2));
    try {
      await Promise.all(instances.map((instance) => instance.migrate()));
      await instances[0]!.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, CREATED);
      const key = storedKey();
      await instances[1]!.insertKey(key);
      expect(await instances[2]!.findKeyBySecretHash(key.secretHash)).toEqual(key);
    } finally {
      await Promise.all(instances.map((instance) => instance.close()));
      await database.drop();
    }
  });
});
