import type pg from 'pg';
import type { WindowCount, WindowCounter, WindowLimit } from '../../keys/fixedWindow.js';
import { hashSecret } from '../../keys/secret.js';

// One round trip takes `$4` hits of the window at once (a lease): the window is opened, continued
// or restarted in the same statement, and its row lock orders the instances' leases.
const LEASE_HITS = `INSERT INTO rate_limit_windows AS w (key, window_start, hits) VALUES ($1, $2::bigint, $4::integer)
  ON CONFLICT (key) DO UPDATE SET
    window_start = CASE WHEN w.window_start > $2::bigint - $3::bigint THEN w.window_start ELSE $2::bigint END,
    hits = CASE WHEN w.window_start > $2::bigint - $3::bigint THEN w.hits + $4::integer ELSE $4::integer END
  RETURNING window_start, hits`;

const MAX_LEASE = 1000;

/** The hits this instance holds for a key in the current window: numbers `next` to `last` of it. */
interface Lease {
  resetAt: number;
  next: number;
  last: number;
}

/**
 * Fixed windows per key counted in PostgreSQL (the `rate_limit_windows` table), so that every
 * instance on the database counts into the same window. An instance takes a twentieth of the
 * limit at a time (a lease, one round trip) and answers from it in memory, so a token's requests
 * do not queue on its row: together the instances never allow more than the limit, and may
 * refuse up to a lease each early at the end of a window. Past the limit, the instance refuses
 * until the window ends without asking again. Keys are stored as their hash (HMAC under the
 * pepper when there is one, as secrets are), never as the bearer token itself, and with the
 * policy: instances configured alike share a window, a changed limit starts afresh. Times are the
 * instances' clocks: keep them in sync (NTP), as for key expiry.
 */
export class PostgresRateLimiter implements WindowCounter {
  private readonly leases = new Map<string, Lease>();
  private readonly leasing = new Map<string, Promise<void>>();
  private readonly leaseSize: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly limit: WindowLimit,
    private readonly pepper: string | undefined,
  ) {
    // At most a thousand: the count is a PostgreSQL integer, and a limit set out of reach (tests
    // use Number.MAX_SAFE_INTEGER) must not make a lease that overflows it.
    this.leaseSize = Math.min(MAX_LEASE, Math.max(1, Math.floor(limit.limit / 20)));
  }

  async count(key: string, time: number): Promise<WindowCount> {
    for (;;) {
      const lease = this.leases.get(key);
      if (lease && time < lease.resetAt && (lease.next <= lease.last || lease.last >= this.limit.limit)) {
        // A hit of the lease, or (the window's limit all handed out) a refusal until it ends.
        return { hits: lease.next <= lease.last ? lease.next++ : this.limit.limit + 1, resetAt: lease.resetAt };
      }
      const pending = this.leasing.get(key);
      if (pending) {
        await pending;
        continue;
      }
      const leased = this.lease(key, time).finally(() => this.leasing.delete(key));
      this.leasing.set(key, leased);
      await leased;
    }
  }

  private async lease(key: string, time: number): Promise<void> {
    const { rows } = await this.pool.query<{ window_start: string; hits: number }>(LEASE_HITS, [
      hashSecret(`rate-limit:${this.limit.limit}/${this.limit.windowMs}:${key}`, this.pepper),
      time,
      this.limit.windowMs,
      this.leaseSize,
    ]);
    const row = rows[0]!;
    const before = row.hits - this.leaseSize;
    const granted = Math.max(0, Math.min(this.leaseSize, this.limit.limit - before));
    this.leases.set(key, {
      resetAt: Number(row.window_start) + this.limit.windowMs,
      next: before + 1,
      // With nothing granted, `last` is the limit itself: the window is spent.
      last: granted > 0 ? before + granted : Math.max(before, this.limit.limit),
    });
  }
}
