import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { AuditContext } from '../../src/keys/types.js';
import type { KeyStore } from '../../src/store/keyStore.js';
import { PostgresKeyStore } from '../../src/store/postgres/postgresKeyStore.js';
import { SqliteKeyStore } from '../../src/store/sqlite/sqliteKeyStore.js';
import { createDatabase } from './postgresDatabase.js';

export interface TestStore {
  store: KeyStore;
  /** Where the data lives: the SQLite file, or the PostgreSQL database URL. */
  location: string;
  /** Another instance on the same database, migrated as a second server would at start; the caller closes it. */
  openSecondInstance(): Promise<KeyStore>;
  /** Closes the store and throws its data away. */
  dispose(): Promise<void>;
}

/** Who the audit trail names for a change a test makes through a store directly. */
export const AUDIT: AuditContext = { actor: 'store-test', operation: 'test', requestId: null };

/** A fresh database in the PostgreSQL server that the test run started (test/support/postgresGlobalSetup.ts). */
export const createPostgresDatabase = () => createDatabase(inject('postgresUrl'), 'apikeys_test');

export const storeKinds = [
  {
    kind: 'sqlite',
    async open(): Promise<TestStore> {
      const dir = mkdtempSync(join(tmpdir(), 'apikeys-sqlite-'));
      const file = join(dir, 'apikeys.db');
      const store = new SqliteKeyStore(file);
      await store.migrate();
      return {
        store,
        location: file,
        openSecondInstance: async () => {
          const second = new SqliteKeyStore(file);
          await second.migrate();
          return second;
        },
        dispose: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    kind: 'postgres',
    async open(): Promise<TestStore> {
      const database = await createPostgresDatabase();
      const store = new PostgresKeyStore(database.url);
      await store.migrate();
      return {
        store,
        location: database.url,
        openSecondInstance: async () => {
          const second = new PostgresKeyStore(database.url);
          await second.migrate();
          return second;
        },
        dispose: async () => {
          await store.close();
          await database.drop();
        },
      };
    },
  },
] as const;
