import { describe, expect, it } from 'vitest';
import { issueKey } from '../src/keys/issueKey.js';
import { SqliteKeyStore } from '../src/store/sqlite/sqliteKeyStore.js';
import { AUDIT, storeKinds } from './support/stores.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const fields = { permissions: [], metadata: {}, owner: null, environment: null, expires_at: null, ratelimits: [] };

describe('SQLite group commit', () => {
  it('commits keys inserted together, each visible to another connection once its insert resolves, and refuses only the duplicate', async () => {
    const testStore = await storeKinds[0].open();
    try {
      const app = await testStore.store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, NOW);
      const keys = Array.from(
        { length: 30 },
        (_, i) => issueKey(app, { name: `key ${i}`, ...fields }, { now: NOW }).stored,
      );
      const duplicate = {
        ...issueKey(app, { name: 'same secret hash', ...fields }, { now: NOW }).stored,
        secretHash: keys[0]!.secretHash,
      };
      const outcomes = await Promise.allSettled(
        [...keys, duplicate].map((key) => testStore.store.insertKey(key, AUDIT)),
      );
      expect(outcomes.slice(0, 30).every((outcome) => outcome.status === 'fulfilled')).toBe(true);
      expect(outcomes[30]).toMatchObject({ status: 'rejected', reason: { code: 'SQLITE_CONSTRAINT_UNIQUE' } });
      const other = new SqliteKeyStore(testStore.location);
      try {
        expect(await other.countKeys()).toBe(30);
        // Each key's `created` event committed with it, in the same batch; the refused one left none.
        const events = await other.keyAuditEvents({ appSlug: 'internal-api', limit: 100 });
        expect(events.map((event) => event.key_id).sort()).toEqual(keys.map((key) => key.key.id).sort());
        expect(events.every((event) => event.action === 'created' && event.actor === AUDIT.actor)).toBe(true);
      } finally {
        await other.close();
      }
    } finally {
      await testStore.dispose();
    }
  });

  it('writes the inserts still waiting when it is closed', async () => {
    const testStore = await storeKinds[0].open();
    try {
      const app = await testStore.store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, NOW);
      const inserted = testStore.store.insertKey(
        issueKey(app, { name: 'last one', ...fields }, { now: NOW }).stored,
        AUDIT,
      );
      await testStore.store.close();
      await inserted;
      const reopened = new SqliteKeyStore(testStore.location);
      try {
        expect(await reopened.countKeys()).toBe(1);
      } finally {
        await reopened.close();
      }
    } finally {
      await testStore.dispose();
    }
  });
});
