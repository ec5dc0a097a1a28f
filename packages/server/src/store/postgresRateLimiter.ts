import type pg from 'pg';
import type { WindowCount, WindowCounter, WindowLimit } from '../http/middleware/fixedWindow.js';
import { hashSecret } from '../keys/secret.js';
import type { KeyStore } from './keyStore.js';
import { PostgresKeyStore } from './postgresKeyStore.js';

// One round trip: the window is opened, continued or restarted in the same statement, and the
// row lock it takes counts concurrent requests from every instance one after another.
const COUNT_HIT = `INSERT INTO rate_limit_windows AS w (key, window_start, hits) VALUES ($1, $2::bigint, 1)
  ON CONFLICT (key) DO UPDATE SET
    window_start = CASE WHEN w.window_start > $2::bigint - $3::bigint THEN w.window_start ELSE $2::bigint END,
    hits = CASE WHEN w.window_start > $2::bigint - $3::bigint THEN w.hits + 1 ELSE 1 END
  RETURNING window_start, hits`;

/**
 * Fixed windows per key counted in PostgreSQL (the `rate_limit_windows` table), so that every
 * instance on the database counts into the same window. Keys are stored as their hash (HMAC
 * under the pepper when there is one, as secrets are), never as the bearer token itself, and
 * with the policy: instances configured alike share a window, a changed limit starts afresh.
 * Times are the instances' clocks: keep them in sync (NTP), as for key expiry.
 */
export class PostgresRateLimiter implements WindowCounter {
  constructor(
    private readonly pool: pg.Pool,
    private readonly limit: WindowLimit,
    private readonly pepper: string | undefined,
  ) {}

  async count(key: string, time: number): Promise<WindowCount> {
    const { rows } = await this.pool.query<{ window_start: string; hits: number }>(COUNT_HIT, [
      hashSecret(`rate-limit:${this.limit.limit}/${this.limit.windowMs}:${key}`, this.pepper),
      time,
      this.limit.windowMs,
    ]);
    const row = rows[0]!;
    return { hits: row.hits, resetAt: Number(row.window_start) + this.limit.windowMs };
  }
}

/**
 * The rate limit's counter for this store: shared in PostgreSQL, or none, so that the caller
 * counts in memory (SQLite: in practice one server process per database file, and no database
 * work for the limit on each request).
 */
export function sharedRateLimiter(store: KeyStore, limit: WindowLimit, pepper: string | undefined) {
  return store instanceof PostgresKeyStore ? new PostgresRateLimiter(store.pool, limit, pepper) : undefined;
}
