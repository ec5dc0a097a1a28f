import { PostgresKeyStore } from './postgresKeyStore.js';
import { SqliteKeyStore } from './sqliteKeyStore.js';
import type { KeyStore } from './keyStore.js';

export const DEFAULT_DATABASE_URL = 'sqlite:data/apikeys.db';

/** `postgres://…` (or `postgresql://…`) for PostgreSQL, `sqlite:<path>` for SQLite. */
export function openStore(databaseUrl: string = DEFAULT_DATABASE_URL): KeyStore {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return new PostgresKeyStore(databaseUrl);
  if (databaseUrl.startsWith('sqlite:')) return new SqliteKeyStore(databaseUrl.slice('sqlite:'.length));
  throw new Error(`DATABASE_URL must start with postgres://, postgresql:// or sqlite: (got '${databaseUrl.replace(/\/\/[^@]*@/, '//…@')}')`);
}
