import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { ApiKeyWithSecret } from '@apikeys/types';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../test/support/lifecycleServer.js';
import { storeKinds } from '../../test/support/stores.js';
import { expectProblem, OTHER_TOKEN, startTestServer } from '../../test/support/testServer.js';
import type { AuditContext, StoredKey } from '../keys/types.js';
import type { KeyStore } from '../store/keyStore.js';

/** Every byte the store holds of idempotency records, as text. */
async function recordBytes(kind: string, location: string): Promise<string> {
  if (kind === 'sqlite') {
    return [location, `${location}-wal`]
      .filter(existsSync)
      .map((file) => readFileSync(file).toString('latin1'))
      .join('');
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT id || fingerprint || encode(coalesce(response, ''), 'escape') AS row FROM idempotency_records",
    );
    return rows.map((row) => row.row as string).join('\n');
  } finally {
    await client.end();
  }
}

describe.each(storeKinds)('Idempotency-Key on $kind', ({ kind, open }) => {
  let location = '';
  let holdInserts: Promise<void> | undefined;
  let failInserts = false;
  // The real store, whose inserts a test can hold or fail.
  const controllable = (store: KeyStore): KeyStore =>
    Object.create(store, {
      insertKey: {
        value: async (stored: StoredKey, audit: AuditContext) => {
          await holdInserts;
          if (failInserts) {
            throw new Error('disk full');
          }
          return store.insertKey(stored, audit);
        },
      },
    }) as KeyStore;
  const api = lifecycleServer(async () => {
    const testStore = await open();
    location = testStore.location;
    return { ...testStore, store: controllable(testStore.store) };
  });
  const create = (body: unknown, key: string, init: { token?: string; appName?: string } = {}) =>
    api.server.call('POST', api.keys(init.appName ?? 'internal-api'), body, {
      headers: { 'idempotency-key': key },
      ...(init.token ? { token: init.token } : {}),
    });

  it('runs the first request, and answers a retry with the same key and body with the same key and secret, creating nothing', async () => {
    const key = randomUUID();
    const before = await api.store.countKeys();
    const first = await create({ name: 'retried' }, key);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBe('false');
    const created = (await first.json()) as ApiKeyWithSecret;
    for (let i = 0; i < 2; i++) {
      const retry = await create({ name: 'retried' }, key);
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.headers.get('cache-control')).toBe('no-store');
      expect(await retry.json()).toEqual(created);
    }
    expect(await api.store.countKeys()).toBe(before + 1);
    expect((await api.verify(created.secret)).code).toBe('VALID');
  });

  it('refuses the same key with a different request (422), and lets another token use the same key', async () => {
    const key = randomUUID();
    expect((await create({ name: 'first' }, key)).status).toBe(201);
    const before = await api.store.countKeys();
    const reused = await expectProblem(await create({ name: 'second' }, key), 422, 'idempotency-key-reused');
    expect(reused.detail).toContain('different request');
    await expectProblem(
      await create({ name: 'first' }, key, { appName: 'billing-api' }),
      422,
      'idempotency-key-reused',
    );
    expect(await api.store.countKeys()).toBe(before);
    const otherCaller = await create({ name: 'first' }, key, { token: OTHER_TOKEN });
    expect(otherCaller.status).toBe(201);
    expect(otherCaller.headers.get('idempotent-replayed')).toBe('false');
    expect(await api.store.countKeys()).toBe(before + 1);
  });

  it('answers 409 with Retry-After while the first request is still running, then replays it', async () => {
    const key = randomUUID();
    let release!: () => void;
    holdInserts = new Promise((resolve) => (release = resolve));
    const first = create({ name: 'slow' }, key);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const during = await create({ name: 'slow' }, key);
    await expectProblem(during, 409, 'idempotency-key-in-use');
    expect(during.headers.get('retry-after')).toBe('1');
    release();
    holdInserts = undefined;
    const created = (await (await first).json()) as ApiKeyWithSecret;
    expect(await (await create({ name: 'slow' }, key)).json()).toEqual(created);
  });

  it("replays a refusal the operation made, but not the validator's, and runs again after a failure", async () => {
    const key = randomUUID();
    await expectProblem(await create({ name: 'x' }, key, { appName: 'later-app' }), 404, 'app-not-found');
    await api.store.addApp({ slug: 'later-app', keyPrefix: 'la' }, new Date());
    const replayed = await create({ name: 'x' }, key, { appName: 'later-app' });
    await expectProblem(replayed, 404, 'app-not-found');
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');

    const invalidFirst = randomUUID();
    await expectProblem(await create({ name: 'x', team: 'y' }, invalidFirst), 400, 'invalid-request');
    expect((await create({ name: 'x' }, invalidFirst)).status).toBe(201);

    const failing = randomUUID();
    failInserts = true;
    await expectProblem(await create({ name: 'x' }, failing), 500, 'internal-error');
    failInserts = false;
    const afterFailure = await create({ name: 'x' }, failing);
    expect(afterFailure.status).toBe(201);
    expect(afterFailure.headers.get('idempotent-replayed')).toBe('false');
  });

  it('forgets a key after 24 hours', async () => {
    const key = randomUUID();
    const first = (await (await create({ name: 'day' }, key)).json()) as ApiKeyWithSecret;
    api.advance(24 * 3600_000 - 1);
    expect(((await (await create({ name: 'day' }, key)).json()) as ApiKeyWithSecret).key.id).toBe(first.key.id);
    api.advance(1);
    const later = await create({ name: 'day' }, key);
    expect(later.headers.get('idempotent-replayed')).toBe('false');
    expect(((await later.json()) as ApiKeyWithSecret).key.id).not.toBe(first.key.id);
  });

  it('replays a rotation, so a retried rotation never rotates twice', async () => {
    const { key } = await api.createKey({ name: 'to rotate' });
    const idempotencyKey = randomUUID();
    const rotate = () =>
      api.server.call(
        'POST',
        api.keyPath('internal-api', key.id, 'rotate'),
        { grace_period_seconds: 60 },
        { headers: { 'idempotency-key': idempotencyKey } },
      );
    const first = (await (await rotate()).json()) as ApiKeyWithSecret;
    const retry = await rotate();
    expect(retry.status).toBe(201);
    expect(await retry.json()).toEqual(first);
    expect((await api.getKey(key.id)).rotated_to).toBe(first.key.id);
  });

  it('refuses a key that is too short, too long or not visible ASCII, naming the header', async () => {
    for (const bad of ['short-key', 'x'.repeat(256), 'has spaces in the key value', 'ünïcode-key-0123456789']) {
      const before = await api.store.countKeys();
      const problem = await expectProblem(await create({ name: 'x' }, bad), 400, 'invalid-request');
      expect(problem.errors?.[0]?.pointer).toBe('/header/idempotency-key');
      expect(await api.store.countKeys()).toBe(before);
    }
  });

  it('keeps the answer encrypted: neither the secret nor the Idempotency-Key is in the database', async () => {
    const key = `secret-scan-${randomUUID()}`;
    const { secret } = (await (await create({ name: 'sealed' }, key)).json()) as ApiKeyWithSecret;
    const bytes = await recordBytes(kind, location);
    expect(bytes.length).toBeGreaterThan(0);
    for (const leaked of [secret, secret.slice(3, 46), key]) {
      expect(bytes).not.toContain(leaked);
    }
  });

  it('creates exactly one key when two instances race on the same key', async () => {
    const testStore = await open();
    await testStore.store.addApp({ slug: 'race-app', keyPrefix: 'ra' }, new Date());
    const other = await testStore.openSecondInstance();
    const [a, b] = [await startTestServer({ store: testStore.store }), await startTestServer({ store: other })];
    try {
      for (let round = 0; round < 5; round++) {
        const key = randomUUID();
        const before = await testStore.store.countKeys();
        const answers = await Promise.all(
          [a, b, a, b].map((server) =>
            server.call(
              'POST',
              '/api-auth/apps/race-app/keys',
              { name: 'raced' },
              { headers: { 'idempotency-key': key } },
            ),
          ),
        );
        const created = answers.filter((answer) => answer.status === 201);
        expect(answers.every((answer) => answer.status === 201 || answer.status === 409)).toBe(true);
        const ids = new Set(
          await Promise.all(created.map(async (answer) => ((await answer.json()) as ApiKeyWithSecret).key.id)),
        );
        expect(ids.size).toBe(1);
        expect(await testStore.store.countKeys()).toBe(before + 1);
      }
    } finally {
      await a.close();
      await b.close();
      await other.close();
      await testStore.dispose();
    }
  });
});
