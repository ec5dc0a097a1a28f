import type { KeyStore } from './keyStore.js';
import { PostgresKeyStore } from './postgres/postgresKeyStore.js';
import { SqliteKeyStore } from './sqlite/sqliteKeyStore.js';

export const DEFAULT_DATABASE_URL = 'sqlite:data/apikeys.db';

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/** What is wrong with a DATABASE_URL, if anything (its password masked). */
export function databaseUrlProblem(databaseUrl: string): string | undefined {
  if (POSTGRES_URL.test(databaseUrl) || databaseUrl.startsWith('sqlite:')) {
    return undefined;
  }
  return `DATABASE_URL must start with postgres://, postgresql:// or sqlite: (got '${databaseUrl.replace(/\/\/[^@]*@/, '//…@')}')`;
}

/** `postgres://…` (or `postgresql://…`) for PostgreSQL, `sqlite:<path>` for SQLite. */
export function openStore(databaseUrl: string = DEFAULT_DATABASE_URL): KeyStore {
  const problem = databaseUrlProblem(databaseUrl);
  if (problem) {
    throw new Error(problem);
  }
  return POSTGRES_URL.test(databaseUrl)
    ? new PostgresKeyStore(databaseUrl)
    : new SqliteKeyStore(databaseUrl.slice('sqlite:'.length));
}
