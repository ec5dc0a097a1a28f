import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueServiceToken } from '../src/keys/serviceToken.js';
import type { KeyRecord, StoredKey } from '../src/keys/types.js';
import { AppExistsError, type KeyPageQuery, type KeyStore, ServiceTokenExistsError } from '../src/store/keyStore.js';
import { PostgresKeyStore } from '../src/store/postgres/postgresKeyStore.js';
import { AUDIT, createPostgresDatabase, storeKinds, type TestStore } from './support/stores.js';

const CREATED = new Date('2026-06-01T12:00:00.000Z');
const NOW = new Date('2026-07-01T00:00:00.000Z');
const HOUR = 3_600_000;

const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

function storedKey(
  overrides: Partial<StoredKey['key']> = {},
  secretHash = randomUUID().replaceAll('-', ''),
): StoredKey {
  const id = overrides.id ?? randomUUID();
  return {
    key: {
      id,
      app_slug: 'internal-api',
      name: 'a key',
      key_prefix: 'sk',
      key_suffix: 'AbC9',
      permissions: ['users:read', 'users:*'],
      metadata: { z: 1, a: { nested: ['x', null, true] }, ünïcode: 'é' },
      owner: 'backend-service',
      environment: 'production',
      expires_at: '2026-12-31T23:59:59.000Z',
      created_at: CREATED.toISOString(),
      revoked_at: null,
      revocation_reason: null,
      last_used_at: null,
      rotated_from: null,
      rotated_to: null,
      credits: null,
      ratelimits: [],
      ...overrides,
    },
    secretHash,
    hashScheme: 'sha256',
    usageId: id,
    balance: null,
  };
}

async function addApps(store: KeyStore): Promise<void> {
  await store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, CREATED);
  await store.addApp({ slug: 'billing-api', keyPrefix: 'bill' }, CREATED);
}

async function insertKeys(store: KeyStore, keys: StoredKey[]): Promise<KeyRecord[]> {
  for (const key of keys) {
    await store.insertKey(key, AUDIT);
  }
  return keys.map((stored) => stored.key);
}

/** Rows read from the database itself, on a connection of its own: what no API shows. */
async function query<Row>(testStore: TestStore, sql: string): Promise<Row[]> {
  if (testStore.store.kind === 'sqlite') {
    const db = new Database(testStore.location, { readonly: true });
    try {
      return db.prepare(sql).all() as Row[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: testStore.location });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Row[];
  } finally {
    await client.end();
  }
}

/** The service token events, read from the table itself: no API lists them. */
async function tokenEvents(testStore: TestStore): Promise<Record<string, unknown>[]> {
  const rows = await query<{ changes: string | unknown }>(
    testStore,
    'SELECT action, actor, operation, token_name, changes FROM audit_events WHERE token_name IS NOT NULL ORDER BY occurred_at',
  );
  // SQLite answers the json column as its text.
  return rows.map((row) => ({
    ...row,
    changes: typeof row.changes === 'string' ? JSON.parse(row.changes) : row.changes,
  }));
}

/** The order every listing promises: created_at DESC, then id DESC. */
const newestFirst = (keys: KeyRecord[]) =>
  [...keys].sort((a, b) =>
    a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1,
  );

const ids = (keys: KeyRecord[]) => keys.map((key) => key.id);

const list = (store: KeyStore, query: Partial<KeyPageQuery> = {}) =>
  store.listKeys({ appSlug: 'internal-api', status: 'all', limit: 100, now: NOW, ...query });

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
    expect(await testStore.store.findApps()).toEqual([]);
    expect(await testStore.store.countKeys()).toBe(0);
  });

  it('adds, finds and lists apps, and refuses a second app with the same slug', async () => {
    const { store } = testStore;
    expect(await store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, CREATED)).toEqual({
      slug: 'internal-api',
      keyPrefix: 'sk',
      displayName: null,
      createdAt: CREATED.toISOString(),
    });
    await store.addApp({ slug: 'billing-api', keyPrefix: 'bill' }, CREATED);
    await expect(store.addApp({ slug: 'billing-api', keyPrefix: 'other' }, CREATED)).rejects.toBeInstanceOf(
      AppExistsError,
    );
    expect(await store.findApp('billing-api')).toEqual({
      slug: 'billing-api',
      keyPrefix: 'bill',
      displayName: null,
      createdAt: CREATED.toISOString(),
    });
    expect(await store.findApp('nope')).toBeUndefined();
    expect((await store.findApps()).map((app) => app.slug)).toEqual(['billing-api', 'internal-api']);
  });

  describe('app changes', () => {
    const ADMIN = { actor: 'app-admin', operation: 'test', requestId: 'req-1' };
    const workspaceEvents = async () =>
      (await testStore.store.workspaceAuditEvents({ limit: 100 })).map(({ action, actor, appSlug, changes }) => ({
        action,
        actor,
        appSlug,
        changes,
      }));

    it('adds an app with a display name and its app_created event in one transaction; a refused add writes none', async () => {
      const { store } = testStore;
      const app = await store.addApp({ slug: 'shop-api', keyPrefix: 'shop', displayName: 'Shop' }, CREATED, ADMIN);
      expect(app).toEqual({
        slug: 'shop-api',
        keyPrefix: 'shop',
        displayName: 'Shop',
        createdAt: CREATED.toISOString(),
      });
      expect(await store.findApp('shop-api')).toEqual(app);
      await expect(store.addApp({ slug: 'shop-api', keyPrefix: 'x' }, CREATED, ADMIN)).rejects.toBeInstanceOf(
        AppExistsError,
      );
      expect(await workspaceEvents()).toEqual([
        {
          action: 'app_created',
          actor: 'app-admin',
          appSlug: 'shop-api',
          changes: [
            { field: 'slug', old: null, new: 'shop-api' },
            { field: 'key_prefix', old: null, new: 'shop' },
            { field: 'display_name', old: null, new: 'Shop' },
          ],
        },
      ]);
      const [event] = await store.workspaceAuditEvents({ limit: 1 });
      expect(event).toMatchObject({
        occurredAt: CREATED.toISOString(),
        requestId: 'req-1',
        keyId: null,
        tokenName: null,
      });
      // An app's own events are not key events: the app's key trail does not show them.
      expect(await store.keyAuditEvents({ appSlug: 'shop-api', limit: 10 })).toEqual([]);
    });

    it('pages apps by slug', async () => {
      const { store } = testStore;
      for (const slug of ['c-api', 'a-api', 'b-api', 'd-api']) {
        await store.addApp({ slug, keyPrefix: 'x' }, CREATED);
      }
      expect((await store.findApps({ limit: 2 })).map((app) => app.slug)).toEqual(['a-api', 'b-api']);
      expect((await store.findApps({ after: 'b-api', limit: 2 })).map((app) => app.slug)).toEqual(['c-api', 'd-api']);
      expect(await store.findApps({ after: 'd-api', limit: 2 })).toEqual([]);
    });

    it('updates the display name and the prefix of an app without keys, with an app_updated event of what changed', async () => {
      const { store } = testStore;
      await store.addApp({ slug: 'shop-api', keyPrefix: 'shop', displayName: 'Shop' }, CREATED);
      const renamed = await store.changeApp('shop-api', { displayName: null, keyPrefix: 'shp' }, NOW, ADMIN);
      expect(renamed).toEqual({
        slug: 'shop-api',
        keyPrefix: 'shp',
        displayName: null,
        createdAt: CREATED.toISOString(),
      });
      expect(await store.findApp('shop-api')).toEqual(renamed);
      // The values it already has: no change, no event.
      expect(await store.changeApp('shop-api', { keyPrefix: 'shp' }, NOW, ADMIN)).toEqual(renamed);
      expect(await workspaceEvents()).toEqual([
        {
          action: 'app_updated',
          actor: 'app-admin',
          appSlug: 'shop-api',
          changes: [
            { field: 'key_prefix', old: 'shop', new: 'shp' },
            { field: 'display_name', old: 'Shop', new: null },
          ],
        },
      ]);
      expect(await store.changeApp('no-such-app', { displayName: 'x' }, NOW, ADMIN)).toBeUndefined();
    });

    it('refuses a new prefix once the app has any key, a revoked one included, and changes nothing', async () => {
      const { store } = testStore;
      await addApps(store);
      await insertKeys(store, [storedKey({ revoked_at: CREATED.toISOString() })]);
      const before = await store.findApp('internal-api');
      expect(
        await store.changeApp('internal-api', { keyPrefix: 'new', displayName: 'New' }, NOW, ADMIN),
      ).toBeUndefined();
      expect(await store.findApp('internal-api')).toEqual(before);
      // The display name alone may change.
      expect(await store.changeApp('internal-api', { displayName: 'Internal' }, NOW, ADMIN)).toMatchObject({
        keyPrefix: 'sk',
        displayName: 'Internal',
      });
      expect((await workspaceEvents()).map((event) => event.action)).toEqual(['app_updated']);
    });

    it('deletes an app whose keys are all revoked or expired, with them, keeping the audit trail', async () => {
      const { store } = testStore;
      await addApps(store);
      const ratelimits = [{ name: 'requests', limit: 5, duration_ms: 60_000, auto_apply: true }];
      const balance = { remaining: 5, refill: null, refilledAt: null };
      const [revoked, expired, other] = await insertKeys(store, [
        { ...storedKey({ revoked_at: at(-HOUR), ratelimits, credits: { remaining: 5, refill: null } }), balance },
        storedKey({ expires_at: at(-HOUR) }),
        {
          ...storedKey({
            app_slug: 'billing-api',
            key_prefix: 'bill',
            ratelimits,
            credits: { remaining: 5, refill: null },
          }),
          balance,
        },
      ]);
      const applied = [{ name: 'requests', limit: 5, durationMs: 60_000, cost: 1 }];
      for (const key of [revoked!, other!]) {
        await store.spendUsage({ usageId: key.id, now: NOW, ratelimits: applied });
      }
      const outcome = await store.removeApp('internal-api', new Date(NOW), ADMIN);
      expect(outcome).toEqual({
        deleted: { slug: 'internal-api', keyPrefix: 'sk', displayName: null, createdAt: CREATED.toISOString() },
        deletedKeyIds: expect.arrayContaining([revoked!.id, expired!.id]),
      });
      expect(await store.findApp('internal-api')).toBeUndefined();
      expect(await store.findKey('internal-api', revoked!.id)).toBeUndefined();
      expect(await store.findKey('billing-api', other!.id)).toEqual(other);
      expect(await store.countKeys()).toBe(1);
      // The deleted keys' balance and limits go with them; the other app's stay.
      // (PostgreSQL keeps the windows in a table too; SQLite's are in memory.)
      const tables = ['key_credits', 'key_ratelimits', ...(store.kind === 'postgres' ? ['key_ratelimit_windows'] : [])];
      for (const table of tables) {
        expect(await query(testStore, `SELECT usage_id FROM ${table}`)).toEqual([{ usage_id: other!.id }]);
      }
      // The keys' events stay under the slug; the deletion is the workspace's.
      expect((await store.keyAuditEvents({ appSlug: 'internal-api', limit: 10 })).length).toBe(2);
      expect(await workspaceEvents()).toEqual([
        {
          action: 'app_deleted',
          actor: 'app-admin',
          appSlug: 'internal-api',
          changes: [
            { field: 'slug', old: 'internal-api', new: null },
            { field: 'key_prefix', old: 'sk', new: null },
            { field: 'keys_deleted', old: null, new: 2 },
          ],
        },
      ]);
      expect(await store.removeApp('internal-api', new Date(NOW), ADMIN)).toBeUndefined();
      // The slug is free again.
      await store.addApp({ slug: 'internal-api', keyPrefix: 'sk2' }, NOW);
    });

    it('refuses to delete an app with a live key, one in its rotation grace period included, and deletes nothing', async () => {
      const { store } = testStore;
      await addApps(store);
      await insertKeys(store, [storedKey({ revoked_at: at(HOUR) }), storedKey({ expires_at: null })]);
      expect(await store.removeApp('internal-api', new Date(NOW), ADMIN)).toEqual({ liveKeys: 2 });
      expect(await store.findApp('internal-api')).toBeDefined();
      expect(await store.countKeys()).toBe(2);
      expect(await workspaceEvents()).toEqual([]);
    });
  });

  it('stores every field of a key and reads it back exactly, by secret hash, by id and in a listing', async () => {
    const { store } = testStore;
    await addApps(store);
    const full = storedKey({
      revoked_at: '2026-06-02T08:30:00.123Z',
      revocation_reason: 'rotated',
      last_used_at: '2026-06-02T08:29:59.999Z',
      rotated_from: randomUUID(),
      rotated_to: randomUUID(),
    });
    const bare = storedKey({
      permissions: [],
      metadata: {},
      owner: null,
      environment: null,
      expires_at: null,
      created_at: '2026-06-01T12:00:00.001Z',
    });
    await insertKeys(store, [full, bare]);
    expect(await store.findKeyBySecretHash(full.secretHash)).toEqual(full);
    expect(await store.findKeyBySecretHash(bare.secretHash)).toEqual(bare);
    expect(await store.findKey('internal-api', full.key.id)).toEqual(full.key);
    expect(await store.findKey('internal-api', bare.key.id)).toEqual(bare.key);
    expect(await list(store)).toEqual([bare.key, full.key]);
    // Metadata keeps its key order, so a response body repeats what the caller sent.
    expect(Object.keys((await store.findKey('internal-api', full.key.id))!.metadata)).toEqual(['z', 'a', 'ünïcode']);
    expect(await store.findKeyBySecretHash('0'.repeat(64))).toBeUndefined();
    expect(await store.countKeys()).toBe(2);
  });

  it('reads a timestamp given with an offset back as the same instant in UTC, and orders by the instant', async () => {
    const { store } = testStore;
    await addApps(store);
    // 11:30Z: earlier than CREATED (12:00Z), although its text sorts after it.
    const offset = storedKey({ created_at: '2026-06-01T13:30:00+02:00', expires_at: '2026-12-31T23:59:59.5+01:00' });
    const utc = storedKey();
    await insertKeys(store, [offset, utc]);
    expect(await store.findKey('internal-api', offset.key.id)).toEqual({
      ...offset.key,
      created_at: '2026-06-01T11:30:00.000Z',
      expires_at: '2026-12-31T22:59:59.500Z',
    });
    expect(ids(await list(store))).toEqual([utc.key.id, offset.key.id]);
  });

  it('refuses a second key with the same secret hash, and a key for an app that does not exist', async () => {
    const { store } = testStore;
    await store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, CREATED);
    const first = storedKey();
    await store.insertKey(first, AUDIT);
    await expect(store.insertKey(storedKey({}, first.secretHash), AUDIT)).rejects.toThrow();
    await expect(store.insertKey(storedKey({ app_slug: 'no-such-app' }), AUDIT)).rejects.toThrow();
    expect(await store.countKeys()).toBe(1);
  });

  it('finds a key only under its own app, and only by its id as issued', async () => {
    const { store } = testStore;
    await addApps(store);
    const [billingKey] = await insertKeys(store, [storedKey({ app_slug: 'billing-api', key_prefix: 'bill' })]);
    expect(await store.findKey('billing-api', billingKey!.id)).toEqual(billingKey);
    expect(await store.findKey('internal-api', billingKey!.id)).toBeUndefined();
    expect(await store.findKey('billing-api', randomUUID())).toBeUndefined();
    // Other spellings of the same UUID name no key (PostgreSQL would otherwise match or fail on them).
    expect(await store.findKey('billing-api', billingKey!.id.toUpperCase())).toBeUndefined();
    expect(await store.findKey('billing-api', `urn:uuid:${billingKey!.id}`)).toBeUndefined();
  });

  describe('listKeys', () => {
    it('pages through an app’s keys newest first, with no key repeated or skipped where created_at ties', async () => {
      const { store } = testStore;
      await addApps(store);
      const times = [
        at(-3 * HOUR),
        at(-2 * HOUR),
        at(-2 * HOUR),
        at(-2 * HOUR),
        at(-2 * HOUR),
        at(-HOUR),
        at(-HOUR),
        at(-4 * HOUR),
      ];
      const keys = await insertKeys(
        store,
        times.map((created_at) => storedKey({ created_at, expires_at: null })),
      );
      // Another app's keys at the same moments must never show up.
      await insertKeys(
        store,
        times.map((created_at) => storedKey({ app_slug: 'billing-api', created_at, expires_at: null })),
      );

      for (const limit of [1, 2, 3, 8]) {
        const seen: KeyRecord[] = [];
        let after: KeyPageQuery['after'];
        // Bounded, so that a store that never advances fails the test instead of hanging it.
        for (let pages = 0; pages <= keys.length; pages++) {
          const page = await list(store, { limit, after });
          expect(page.length).toBeLessThanOrEqual(limit);
          if (page.length === 0) {
            break;
          }
          seen.push(...page);
          const last = page.at(-1)!;
          after = { createdAt: last.created_at, id: last.id };
        }
        expect(seen).toEqual(newestFirst(keys));
      }
    });

    it('filters by status as of the given moment', async () => {
      const { store } = testStore;
      await addApps(store);
      const fixture = {
        neverExpires: { expires_at: null },
        expiresLater: { expires_at: at(1) },
        revocationScheduled: { expires_at: null, revoked_at: at(HOUR), revocation_reason: 'rotated' },
        expired: { expires_at: at(-HOUR) },
        expiresNow: { expires_at: at(0) },
        revoked: { expires_at: null, revoked_at: at(-HOUR), revocation_reason: 'leaked' },
        revokedNow: { expires_at: null, revoked_at: at(0) },
        revokedThenExpired: { expires_at: at(-1), revoked_at: at(-HOUR) },
        expiredDuringGracePeriod: { expires_at: at(-1), revoked_at: at(HOUR), revocation_reason: 'rotated' },
      } satisfies Record<string, Partial<KeyRecord>>;
      const stored = Object.fromEntries(
        Object.entries(fixture).map(([label, fields], i) => [
          label,
          storedKey({ ...fields, created_at: at(-(i + 1) * 24 * HOUR) }).key,
        ]),
      ) as Record<keyof typeof fixture, KeyRecord>;
      await insertKeys(
        store,
        Object.values(stored).map((key) => ({ key, secretHash: randomUUID(), hashScheme: 'sha256' as const })),
      );
      await store.insertKey(storedKey({ app_slug: 'billing-api', expires_at: null }), AUDIT);

      const labelsOf = async (status: KeyPageQuery['status']) => {
        const listed = ids(await list(store, { status }));
        return Object.entries(stored)
          .filter(([, key]) => listed.includes(key.id))
          .map(([label]) => label);
      };
      expect(await labelsOf('active')).toEqual(['neverExpires', 'expiresLater', 'revocationScheduled']);
      expect(await labelsOf('expired')).toEqual(['expired', 'expiresNow', 'expiredDuringGracePeriod']);
      expect(await labelsOf('revoked')).toEqual(['revoked', 'revokedNow', 'revokedThenExpired']);
      expect(await labelsOf('all')).toEqual(Object.keys(fixture));
      expect(ids(await list(store, { status: 'all' }))).toEqual(ids(newestFirst(Object.values(stored))));
      // An hour later the scheduled revocation has happened.
      expect(ids(await list(store, { status: 'revoked', now: new Date(NOW.getTime() + HOUR) }))).toContain(
        stored.revocationScheduled.id,
      );
    });

    it('filters by environment and owner, together with status and paging', async () => {
      const { store } = testStore;
      await addApps(store);
      const combinations = [
        { environment: 'production', owner: 'team-a' },
        { environment: 'production', owner: 'team-b' },
        { environment: 'staging', owner: 'team-a' },
        { environment: null, owner: null },
      ];
      const keys = await insertKeys(
        store,
        [...combinations, ...combinations].map((fields, i) =>
          storedKey({ ...fields, created_at: at(-(i + 1) * HOUR), expires_at: null }),
        ),
      );
      await store.insertKey(storedKey({ app_slug: 'billing-api', environment: 'production', owner: 'team-a' }), AUDIT);
      const expected = (match: (key: KeyRecord) => boolean) => ids(newestFirst(keys.filter(match)));

      expect(ids(await list(store, { environment: 'production' }))).toEqual(
        expected((key) => key.environment === 'production'),
      );
      expect(ids(await list(store, { owner: 'team-a' }))).toEqual(expected((key) => key.owner === 'team-a'));
      const productionTeamA = expected((key) => key.environment === 'production' && key.owner === 'team-a');
      expect(productionTeamA).toHaveLength(2);
      const firstPage = await list(store, { environment: 'production', owner: 'team-a', status: 'active', limit: 1 });
      expect(ids(firstPage)).toEqual(productionTeamA.slice(0, 1));
      const after = { createdAt: firstPage[0]!.created_at, id: firstPage[0]!.id };
      expect(
        ids(await list(store, { environment: 'production', owner: 'team-a', status: 'active', limit: 1, after })),
      ).toEqual(productionTeamA.slice(1));
      expect(await list(store, { environment: 'development' })).toEqual([]);
    });
  });

  describe('updateKey', () => {
    it('changes only the fields given, and null clears a nullable one', async () => {
      const { store } = testStore;
      await addApps(store);
      const [key] = await insertKeys(store, [storedKey()]);
      const renamed = await store.updateKey('internal-api', key!.id, { name: 'renamed', owner: null }, NOW, AUDIT);
      expect(renamed).toEqual({ ...key, name: 'renamed', owner: null });
      expect(await store.findKey('internal-api', key!.id)).toEqual(renamed);

      const changes = {
        permissions: ['billing:read'],
        metadata: { b: 2, a: [1] },
        environment: 'staging',
        expires_at: '2027-01-01T00:00:00.000Z',
      };
      const changed = await store.updateKey('internal-api', key!.id, changes, NOW, AUDIT);
      expect(changed).toEqual({ ...renamed, ...changes });
      expect(Object.keys(changed!.metadata)).toEqual(['b', 'a']);

      const cleared = await store.updateKey(
        'internal-api',
        key!.id,
        { environment: null, expires_at: null },
        NOW,
        AUDIT,
      );
      expect(cleared).toEqual({ ...changed, environment: null, expires_at: null });
      expect(await store.findKey('internal-api', key!.id)).toEqual(cleared);
    });

    it('refuses a key revoked as of now and changes nothing, but changes one whose revocation is still ahead', async () => {
      const { store } = testStore;
      await addApps(store);
      const [revoked, revokedNow, scheduled] = await insertKeys(store, [
        storedKey({ revoked_at: at(-HOUR), revocation_reason: 'leaked' }),
        storedKey({ revoked_at: at(0) }),
        storedKey({ revoked_at: at(HOUR), revocation_reason: 'rotated', rotated_to: randomUUID() }),
      ]);
      for (const key of [revoked!, revokedNow!]) {
        expect(await store.updateKey('internal-api', key.id, { name: 'renamed' }, NOW, AUDIT)).toBeUndefined();
        expect(await store.findKey('internal-api', key.id)).toEqual(key);
      }
      expect(await store.updateKey('internal-api', scheduled!.id, { name: 'renamed' }, NOW, AUDIT)).toEqual({
        ...scheduled,
        name: 'renamed',
      });
    });

    it('answers undefined for a missing key or another app’s key, and leaves that key alone', async () => {
      const { store } = testStore;
      await addApps(store);
      const [billingKey] = await insertKeys(store, [storedKey({ app_slug: 'billing-api' })]);
      expect(await store.updateKey('internal-api', randomUUID(), { name: 'renamed' }, NOW, AUDIT)).toBeUndefined();
      expect(await store.updateKey('internal-api', billingKey!.id, { name: 'renamed' }, NOW, AUDIT)).toBeUndefined();
      expect(await store.findKey('billing-api', billingKey!.id)).toEqual(billingKey);
    });
  });

  describe('revokeKey', () => {
    it('revokes now with the reason given, once: a second revocation returns the key unchanged', async () => {
      const { store } = testStore;
      await addApps(store);
      const [key, unexplained] = await insertKeys(store, [storedKey(), storedKey()]);
      const revoked = await store.revokeKey('internal-api', key!.id, 'leaked in a log', NOW, AUDIT);
      expect(revoked).toEqual({ ...key, revoked_at: NOW.toISOString(), revocation_reason: 'leaked in a log' });
      expect(
        await store.revokeKey('internal-api', key!.id, 'another reason', new Date(NOW.getTime() + HOUR), AUDIT),
      ).toEqual(revoked);
      expect(await store.findKey('internal-api', key!.id)).toEqual(revoked);

      expect(await store.revokeKey('internal-api', unexplained!.id, null, NOW, AUDIT)).toEqual({
        ...unexplained,
        revoked_at: NOW.toISOString(),
        revocation_reason: null,
      });
    });

    it('revokes at once a key whose revocation was scheduled for later', async () => {
      const { store } = testStore;
      await addApps(store);
      const [scheduled] = await insertKeys(store, [
        storedKey({ revoked_at: at(HOUR), revocation_reason: 'rotated', rotated_to: randomUUID() }),
      ]);
      const revoked = await store.revokeKey('internal-api', scheduled!.id, 'compromised', NOW, AUDIT);
      expect(revoked).toEqual({ ...scheduled, revoked_at: NOW.toISOString(), revocation_reason: 'compromised' });
      expect(ids(await list(store, { status: 'revoked' }))).toEqual([scheduled!.id]);
    });

    it('answers undefined for a missing key or another app’s key, and leaves that key alone', async () => {
      const { store } = testStore;
      await addApps(store);
      const [billingKey] = await insertKeys(store, [storedKey({ app_slug: 'billing-api' })]);
      expect(await store.revokeKey('internal-api', randomUUID(), 'gone', NOW, AUDIT)).toBeUndefined();
      expect(await store.revokeKey('internal-api', billingKey!.id, 'gone', NOW, AUDIT)).toBeUndefined();
      expect(await store.findKey('billing-api', billingKey!.id)).toEqual(billingKey);
    });
  });

  describe('spendUsage', () => {
    it("spends by the balance's own refill, even when the caller read the key before its refill was set", async () => {
      const { store } = testStore;
      await addApps(store);
      const balance = {
        remaining: 0,
        refill: { interval: 'monthly' as const, amount: 5, refill_day: 1 },
        refilledAt: '2026-06-01T00:00:00.000Z',
      };
      const stored = storedKey({ credits: { remaining: 0, refill: balance.refill } });
      const [key] = await insertKeys(store, [{ ...stored, balance }]);
      // NOW is 2026-07-01: July's refill is due. The caller's copy says the key has no refill.
      const spend = (cost: number, refill: typeof balance.refill | null) =>
        store.spendUsage({ usageId: key!.id, now: NOW, ratelimits: [], credits: { cost, refill } });
      expect(await spend(2, null)).toEqual({
        outcome: 'spent',
        ratelimits: [],
        credits: { spent: true, remaining: 3 },
      });
      expect(await spend(4, balance.refill)).toEqual({
        outcome: 'usage_exceeded',
        ratelimits: [],
        credits: { spent: false, remaining: 3 },
      });
      expect((await store.findKey('internal-api', key!.id, NOW))?.credits).toEqual({
        remaining: 3,
        refill: balance.refill,
      });
    });

    it('counts in no window a verification its credits refuse, so that none is refused a place for it', async () => {
      const { store } = testStore;
      await addApps(store);
      const ratelimits = [{ name: 'requests', limit: 50, duration_ms: 60_000, auto_apply: true }];
      const balance = { remaining: 5, refill: null, refilledAt: null };
      const [key] = await insertKeys(store, [
        { ...storedKey({ ratelimits, credits: { remaining: 5, refill: null } }), balance },
      ]);
      const applied = [{ name: 'requests', limit: 50, durationMs: 60_000, cost: 1 }];
      const outcomes = await Promise.all(
        Array.from({ length: 500 }, () =>
          store.spendUsage({ usageId: key!.id, now: NOW, ratelimits: applied, credits: { cost: 1, refill: null } }),
        ),
      );
      const count = (outcome: string) => outcomes.filter((each) => each.outcome === outcome).length;
      // The limit never refuses: only the 5 VALIDs count in it, far below 50.
      expect([count('spent'), count('usage_exceeded'), count('rate_limited')]).toEqual([5, 495, 0]);
      const after = await store.spendUsage({
        usageId: key!.id,
        now: NOW,
        ratelimits: applied,
        credits: { cost: 0, refill: null },
      });
      expect(after.ratelimits).toEqual([expect.objectContaining({ remaining: 44 })]);
    });

    it('spends no credits of a lineage without a balance', async () => {
      const { store } = testStore;
      await addApps(store);
      const [key] = await insertKeys(store, [storedKey()]);
      expect(
        await store.spendUsage({ usageId: key!.id, now: NOW, ratelimits: [], credits: { cost: 1, refill: null } }),
      ).toEqual({ outcome: 'spent', ratelimits: [], credits: undefined });
    });
  });

  describe('rotateKey', () => {
    it('stores the successor and links the two keys both ways, the old one revoked from revokeAt', async () => {
      const { store } = testStore;
      await addApps(store);
      const [old] = await insertKeys(store, [storedKey()]);
      const successor = storedKey({ name: old!.name, created_at: NOW.toISOString(), rotated_from: old!.id });
      const revokeAt = new Date(NOW.getTime() + HOUR);
      const rotated = await store.rotateKey('internal-api', old!.id, successor, revokeAt, NOW, AUDIT);
      expect(rotated).toEqual({
        ...old,
        rotated_to: successor.key.id,
        revoked_at: revokeAt.toISOString(),
        revocation_reason: 'rotated',
      });
      expect(await store.findKey('internal-api', old!.id)).toEqual(rotated);
      // It spends from the old key's balance, if it has one: the old key's lineage.
      expect(await store.findKeyBySecretHash(successor.secretHash)).toEqual({ ...successor, usageId: old!.id });
      // During the grace period both keys are active.
      expect(ids(await list(store, { status: 'active' }))).toEqual([successor.key.id, old!.id]);
    });

    it('refuses a revoked, scheduled, expired, already rotated, missing or other app’s key, and writes nothing', async () => {
      const { store } = testStore;
      await addApps(store);
      const [revoked, scheduled, expired, toRotateTwice, billingKey] = await insertKeys(store, [
        storedKey({ revoked_at: at(-HOUR), revocation_reason: 'leaked' }),
        storedKey({ revoked_at: at(HOUR) }),
        storedKey({ expires_at: at(0) }),
        storedKey(),
        storedKey({ app_slug: 'billing-api' }),
      ]);
      const firstSuccessor = storedKey({ rotated_from: toRotateTwice!.id });
      const rotatedOnce = await store.rotateKey(
        'internal-api',
        toRotateTwice!.id,
        firstSuccessor,
        new Date(NOW.getTime() + HOUR),
        NOW,
        AUDIT,
      );
      expect(rotatedOnce).toBeDefined();
      const keysBefore = await store.countKeys();

      const refusals: [string, KeyRecord | undefined][] = [
        [revoked!.id, revoked],
        [scheduled!.id, scheduled],
        [expired!.id, expired],
        [toRotateTwice!.id, rotatedOnce],
        [randomUUID(), undefined],
        [billingKey!.id, undefined],
      ];
      for (const [id, asStored] of refusals) {
        const successor = storedKey({ rotated_from: id });
        expect(await store.rotateKey('internal-api', id, successor, NOW, NOW, AUDIT)).toBeUndefined();
        expect(await store.findKeyBySecretHash(successor.secretHash)).toBeUndefined();
        expect(await store.findKey('internal-api', id)).toEqual(asStored);
      }
      expect(await store.findKey('billing-api', billingKey!.id)).toEqual(billingKey);
      expect(await store.countKeys()).toBe(keysBefore);
    });

    it('lets exactly one of two concurrent rotations of a key, on two instances, succeed', async () => {
      const { store } = testStore;
      const second = await testStore.openSecondInstance();
      try {
        await addApps(store);
        const olds = await insertKeys(
          store,
          Array.from({ length: 5 }, () => storedKey()),
        );
        await Promise.all(
          olds.map(async (old) => {
            const successors = [storedKey({ rotated_from: old.id }), storedKey({ rotated_from: old.id })];
            const results = await Promise.all(
              [store, second].map((instance, i) =>
                instance.rotateKey('internal-api', old.id, successors[i]!, NOW, NOW, AUDIT),
              ),
            );
            const winners = successors.filter((_, i) => results[i] !== undefined);
            expect(winners).toHaveLength(1);
            expect((await store.findKey('internal-api', old.id))?.rotated_to).toBe(winners[0]!.key.id);
            const loser = successors.find((successor) => successor !== winners[0])!;
            expect(await store.findKey('internal-api', loser.key.id)).toBeUndefined();
          }),
        );
        expect(await store.countKeys()).toBe(olds.length * 2);
      } finally {
        await second.close();
      }
    });
  });

  it('recordKeyUses keeps the latest use of each key', async () => {
    const { store } = testStore;
    await addApps(store);
    const [first, second, unused] = await insertKeys(store, [storedKey(), storedKey(), storedKey()]);
    await store.recordKeyUses([
      { id: first!.id, usedAt: at(-HOUR) },
      { id: first!.id, usedAt: at(-2 * HOUR) },
      { id: second!.id, usedAt: at(-3 * HOUR) },
      { id: randomUUID(), usedAt: at(0) },
    ]);
    await store.recordKeyUses([]);
    expect(await store.findKey('internal-api', first!.id)).toEqual({ ...first, last_used_at: at(-HOUR) });
    expect(await store.findKey('internal-api', second!.id)).toEqual({ ...second, last_used_at: at(-3 * HOUR) });
    expect(await store.findKey('internal-api', unused!.id)).toEqual(unused);

    // A batch flushed late must not move last_used_at back.
    await store.recordKeyUses([
      { id: first!.id, usedAt: at(-4 * HOUR) },
      { id: second!.id, usedAt: at(0) },
    ]);
    expect((await store.findKey('internal-api', first!.id))?.last_used_at).toBe(at(-HOUR));
    expect((await store.findKey('internal-api', second!.id))?.last_used_at).toBe(at(0));
  });

  it('serverSecret makes one random 32-byte secret per name, the same for every instance on the database', async () => {
    const { store } = testStore;
    const second = await testStore.openSecondInstance();
    try {
      const [fromFirst, fromSecond] = await Promise.all([
        store.serverSecret('page-cursor'),
        second.serverSecret('page-cursor'),
      ]);
      expect(fromFirst).toHaveLength(32);
      expect(fromSecond).toEqual(fromFirst);
      expect(await store.serverSecret('page-cursor')).toEqual(fromFirst);
      const other = await second.serverSecret('another-purpose');
      expect(other).toHaveLength(32);
      expect(other).not.toEqual(fromFirst);
    } finally {
      await second.close();
    }
  });

  it('keeps service tokens by name with their hashes, lists them without, and revokes them once', async () => {
    const { store } = testStore;
    const gateway = issueServiceToken('gateway', ['keys:verify'], { now: CREATED });
    const admin = issueServiceToken('admin', ['keys:create', 'keys:read'], { now: NOW, pepper: 'a pepper' });
    await store.addServiceToken(gateway.stored, AUDIT);
    await store.addServiceToken(admin.stored, AUDIT);
    const record = ({ tokenHash: _hash, hashScheme: _scheme, ...rest }: typeof gateway.stored) => rest;

    expect(await store.allServiceTokens()).toEqual([record(gateway.stored), record(admin.stored)]);
    expect(JSON.stringify(await store.allServiceTokens())).not.toContain(gateway.stored.tokenHash);
    expect(await store.liveServiceTokens()).toEqual(expect.arrayContaining([gateway.stored, admin.stored]));

    // A name is never reused, not even once its token is revoked: the audit trail names actors by it.
    await expect(
      store.addServiceToken(issueServiceToken('gateway', ['keys:read'], { now: NOW }).stored, AUDIT),
    ).rejects.toBeInstanceOf(ServiceTokenExistsError);

    const revoked = await store.revokeToken('gateway', NOW, AUDIT);
    expect(revoked).toEqual({ ...record(gateway.stored), revokedAt: NOW.toISOString() });
    expect(await store.revokeToken('gateway', new Date(NOW.getTime() + HOUR), AUDIT)).toEqual(revoked);
    expect(await store.revokeToken('nobody', NOW, AUDIT)).toBeUndefined();
    expect(await store.liveServiceTokens()).toEqual([admin.stored]);
    await expect(
      store.addServiceToken(issueServiceToken('gateway', ['keys:read'], { now: NOW }).stored, AUDIT),
    ).rejects.toBeInstanceOf(ServiceTokenExistsError);
    expect(await store.allServiceTokens()).toEqual([revoked, record(admin.stored)]);
  });

  it('writes an audit event with every token added or revoked, and with every key change, in the same transaction', async () => {
    const { store } = testStore;
    await addApps(store);
    const audit = { actor: 'cli:operator', operation: 'apikeys tokens add', requestId: null };
    await store.addServiceToken(issueServiceToken('audited', ['keys:read'], { now: CREATED }).stored, audit);
    await store.revokeToken('audited', NOW, { ...audit, operation: 'apikeys tokens revoke' });
    await store.revokeToken('audited', NOW, { ...audit, operation: 'apikeys tokens revoke' });
    expect(await tokenEvents(testStore)).toEqual([
      {
        action: 'token_added',
        actor: 'cli:operator',
        operation: 'apikeys tokens add',
        token_name: 'audited',
        changes: [{ field: 'scopes', old: null, new: ['keys:read'] }],
      },
      {
        action: 'token_revoked',
        actor: 'cli:operator',
        operation: 'apikeys tokens revoke',
        token_name: 'audited',
        changes: [{ field: 'revoked_at', old: null, new: NOW.toISOString() }],
      },
    ]);

    // A rotation refused (the key is revoked) rolls back its successor and writes no event.
    const [revoked] = await insertKeys(store, [storedKey({ revoked_at: at(-HOUR), revocation_reason: 'gone' })]);
    expect(await store.rotateKey('internal-api', revoked!.id, storedKey(), NOW, NOW, AUDIT)).toBeUndefined();
    const leaked = await insertKeys(store, [storedKey()]);
    await store.revokeKey('internal-api', leaked[0]!.id, 'leaked', NOW, { ...AUDIT, leaked: true });
    expect(
      (await store.keyAuditEvents({ appSlug: 'internal-api', limit: 10 })).map((event) => [event.key_id, event.action]),
    ).toEqual(
      expect.arrayContaining([
        [revoked!.id, 'created'],
        [leaked[0]!.id, 'created'],
        [leaked[0]!.id, 'leaked'],
      ]),
    );
    expect(await store.keyAuditEvents({ appSlug: 'internal-api', keyId: revoked!.id, limit: 10 })).toHaveLength(1);
  });

  it('tells its token watchers of a change through it before the change resolves, and of one through another instance soon after', async () => {
    const { store } = testStore;
    const second = await testStore.openSecondInstance();
    try {
      let heard = 0;
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await store.watchServiceTokens(async () => {
        heard++;
        await held;
      });
      const adding = store.addServiceToken(issueServiceToken('watched', ['keys:read'], { now: NOW }).stored, AUDIT);
      let added = false;
      void adding.then(() => (added = true));
      await expect.poll(() => heard).toBeGreaterThan(0);
      expect(added).toBe(false);
      release();
      await adding;

      const before = heard;
      await second.revokeToken('watched', NOW, AUDIT);
      await expect.poll(() => heard, { timeout: 1000, interval: 10 }).toBeGreaterThan(before);
    } finally {
      await second.close();
    }
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
      await instances[1]!.insertKey(key, AUDIT);
      expect(await instances[2]!.findKeyBySecretHash(key.secretHash)).toEqual(key);
    } finally {
      await Promise.all(instances.map((instance) => instance.close()));
      await database.drop();
    }
  });
});
