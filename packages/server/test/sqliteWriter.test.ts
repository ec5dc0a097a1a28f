import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { issueKey } from '../src/keys/issueKey.js';
import { SqliteKeyStore } from '../src/store/sqlite/sqliteKeyStore.js';
import { AUDIT, storeKinds } from './support/stores.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const fields = { permissions: [], metadata: {}, owner: null, environment: null, expires_at: null, ratelimits: [] };

// The SQLite store writes on two connections (its own, and the writer thread's) and watches
// both for commits it did not make: this process's writes must not look like another's.
describe('SQLite store: its two connections and the watch for other processes', () => {
  it("does not report its own writes, on either connection, as another process's, and does report another's", async () => {
    const testStore = await storeKinds[0].open();
    const store = testStore.store as SqliteKeyStore;
    try {
      const app = await store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, NOW);
      let gaps = 0;
      await store.watchKeyChanges({ onChange: () => {}, onGap: () => gaps++ });

      // Through the writer thread: a key; through the store's own connection: an update and an
      // idempotency claim. Apart by more than the watch pairs moves (three polls): two own commits,
      // one per connection, close together would count as a change, needlessly but harmlessly.
      const { stored } = issueKey(app, { name: 'watched', ...fields }, { now: NOW });
      await store.insertKey(stored, AUDIT);
      await sleep(800);
      await store.updateKey('internal-api', stored.key.id, { name: 'renamed' }, NOW, AUDIT);
      await sleep(800);
      await store.claimIdempotencyKey({
        id: 'claim-1',
        fingerprint: 'f',
        now: NOW,
        staleBefore: NOW,
        expiresAt: new Date(NOW.getTime() + 60_000),
      });
      await sleep(800);
      expect(gaps).toBe(0);

      const other = new SqliteKeyStore(testStore.location);
      try {
        await other.revokeKey('internal-api', stored.key.id, 'from another process', NOW, AUDIT);
        await expect.poll(() => gaps, { timeout: 2000, interval: 20 }).toBeGreaterThan(0);
      } finally {
        await other.close();
      }
    } finally {
      await testStore.dispose();
    }
  });

  it('refuses writes once closed', async () => {
    const testStore = await storeKinds[0].open();
    const store = testStore.store as SqliteKeyStore;
    try {
      const app = await store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, NOW);
      const { stored } = issueKey(app, { name: 'too late', ...fields }, { now: NOW });
      await store.close();
      await expect(store.recordKeyUses([{ id: stored.key.id, usedAt: NOW.toISOString() }])).rejects.toThrow(/closed/);
      await expect(store.insertKey(stored, AUDIT)).rejects.toThrow(/closed/);
    } finally {
      await testStore.dispose();
    }
  });
});
