import type { WindowLimit } from '../keys/fixedWindow.js';
import type { KeyStore } from './keyStore.js';

export { PostgresRateLimiter } from './postgres/postgresRateLimiter.js';

/**
 * The rate limit's counter for this store: shared in the database when the store has one
 * (PostgreSQL), or none, so that the caller counts in memory (SQLite: in practice one server
 * process per database file, and no database work for the limit on each request).
 */
export function sharedRateLimiter(store: KeyStore, limit: WindowLimit, pepper: string | undefined) {
  return store.sharedWindowCounter?.(limit, pepper);
}
