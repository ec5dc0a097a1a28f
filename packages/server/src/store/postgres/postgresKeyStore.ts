import { availableParallelism } from 'node:os';
import pg from 'pg';
import type { WindowLimit } from '../../keys/fixedWindow.js';
import type { AuditContext, KeyUse, StoredKey } from '../../keys/types.js';
import type { CreditSpent, KeyChangeListener, UsageSpend, UsageSpent } from '../keyStore.js';
import { storedTime } from '../shared/rows.js';
import type { Work } from '../shared/sql.js';
import { type ForgottenWindows, SqlKeyStore } from '../shared/sqlKeyStore.js';
import { INSERT_WEBHOOK_EVENT } from '../shared/sqlWebhooks.js';
import { AUDIT_COLUMNS, AUDIT_VALUES, INSERT_CREDITS, INSERT_KEY, INSERT_RATELIMITS } from '../shared/statements.js';
import {
  KEY_CHANGES_CHANNEL,
  PostgresDatabase,
  SERVICE_TOKEN_CHANGES_CHANNEL,
  SHARED_ROW_TYPES,
} from './postgresDatabase.js';
import { PostgresRateLimiter } from './postgresRateLimiter.js';
import { forgetWindows, takeWindows } from './ratelimitWindows.js';

// The key, its balance and rate limits if it has them, its `created` event and its webhooks'
// event: one statement, so one round trip and one commit.
const INSERT_KEY_WITH_EVENT = `WITH inserted AS (${INSERT_KEY} RETURNING id), credited AS (${INSERT_CREDITS}),
    limited AS (${INSERT_RATELIMITS}), announced AS (${INSERT_WEBHOOK_EVENT})
  INSERT INTO audit_events (${AUDIT_COLUMNS}) SELECT ${AUDIT_VALUES} FROM inserted`;

// The rows are locked in id order so that two instances recording overlapping batches cannot
// deadlock; several uses of one key in a batch count as the latest of them.
const RECORD_KEY_USES = `WITH uses AS (
    SELECT id, max(used_at) AS used_at FROM unnest($1::uuid[], $2::timestamptz[]) AS use(id, used_at) GROUP BY id
  ), later AS (
    SELECT api_keys.id, uses.used_at FROM api_keys JOIN uses USING (id)
    WHERE api_keys.last_used_at IS NULL OR api_keys.last_used_at < uses.used_at
    ORDER BY api_keys.id
    FOR UPDATE OF api_keys
  )
  UPDATE api_keys SET last_used_at = later.used_at FROM later WHERE api_keys.id = later.id`;

/** What a LISTENing connection reports: each notification's payload, and that some may have been missed. */
interface ChannelHandlers {
  onNotification: (payload: string) => void;
  onGap: () => void;
}

/** For several server instances sharing one database. */
export class PostgresKeyStore extends SqlKeyStore {
  declare readonly kind: 'postgres';
  /** Read-only: the shared rate limit counts on the same connections. */
  readonly pool: pg.Pool;
  private readonly postgres: PostgresDatabase;
  /** The connections LISTENing for changes, ended by close(). */
  private readonly listeningClients = new Set<pg.Client>();
  private closing = false;

  // Twice the cores, at least 4: enough connections to keep PostgreSQL busy while some wait on
  // the network or a commit, few enough not to make it contend with itself on a small machine.
  constructor(
    private readonly connectionString: string,
    poolSize = Math.max(4, 2 * availableParallelism()),
  ) {
    const pool = new pg.Pool({ connectionString, max: poolSize, types: SHARED_ROW_TYPES });
    // An idle client losing its connection must not take the process down; the next query reconnects.
    pool.on('error', () => {});
    const postgres = new PostgresDatabase(pool);
    super(postgres);
    this.pool = pool;
    this.postgres = postgres;
  }

  async insertKey(stored: StoredKey, audit: AuditContext): Promise<void> {
    const { key, event, credits, ratelimits, webhookEvent } = this.newKeyParams(stored, audit);
    // Merged by Object.assign onto `key` (a fresh object literal), not as `{ ...key, ...event }`:
    // V8 (Node 20) adds each property after a leading spread through the runtime, about 1.4 µs
    // apiece, so that spread cost some 17 µs of CPU per createApiKey on PostgreSQL; this, 0.3 µs.
    await this.postgres.run(INSERT_KEY_WITH_EVENT, Object.assign(key, event, credits, ratelimits, webhookEvent));
  }

  /**
   * The windows and the balance in the database, so exact across the instances. Credits alone
   * are one statement each (spendWork); with limits, one transaction that counts in every
   * window, spends, and rolls it all back when a limit or the credits refuse. A single limit
   * without credits is one statement, which needs no transaction.
   */
  spendUsage(spend: UsageSpend): Promise<UsageSpent> {
    if (spend.ratelimits.length === 0) {
      return this.sql.together(this.creditsOnly(spend));
    }
    const work = this.usageWork(spend);
    if (spend.ratelimits.length === 1 && !spend.credits) {
      return this.sql.together(
        (function* () {
          return (yield* work).value;
        })(),
      );
    }
    return this.sql.transaction(work);
  }

  protected *forgetWindows(forget: ForgottenWindows): Work<void> {
    yield* forgetWindows(forget);
  }

  private *creditsOnly({ usageId, now, credits }: UsageSpend): Work<UsageSpent> {
    const spent = credits && (yield* this.spendWork({ usageId, now, ...credits }));
    return { outcome: spent && !spent.spent ? 'usage_exceeded' : 'spent', ratelimits: [], credits: spent };
  }

  private *usageWork({ usageId, now, ratelimits, credits }: UsageSpend): Work<{ value: UsageSpent; commit: boolean }> {
    const windows = yield* takeWindows(usageId, ratelimits, now.getTime());
    if (!windows.taken) {
      const unspent = credits && (yield* this.unspentCredits(usageId, now));
      return { value: { outcome: 'rate_limited', ratelimits: windows.states, credits: unspent }, commit: false };
    }
    let spent: CreditSpent | undefined;
    if (credits) {
      spent = yield* this.spendWork({ usageId, now, ...credits });
      if (spent && !spent.spent) {
        return {
          value: { outcome: 'usage_exceeded', ratelimits: windows.statesBefore, credits: spent },
          commit: false,
        };
      }
    }
    return { value: { outcome: 'spent', ratelimits: windows.states, credits: spent }, commit: true };
  }

  async recordKeyUses(uses: readonly KeyUse[]): Promise<void> {
    if (uses.length === 0) {
      return;
    }
    await this.pool.query(RECORD_KEY_USES, [uses.map((use) => use.id), uses.map((use) => storedTime(use.usedAt))]);
  }

  /** Fixed windows counted in the `rate_limit_windows` table, on this store's connections. */
  sharedWindowCounter(limit: WindowLimit, pepper: string | undefined): PostgresRateLimiter {
    return new PostgresRateLimiter(this.pool, limit, pepper);
  }

  protected async watchOtherServiceTokenChanges(changed: () => void): Promise<void> {
    await this.listen(SERVICE_TOKEN_CHANGES_CHANNEL, { onNotification: changed, onGap: changed });
  }

  async watchKeyChanges(listener: KeyChangeListener): Promise<void> {
    await this.listen(KEY_CHANGES_CHANNEL, {
      onNotification: (id) => listener.onChange(id),
      onGap: () => listener.onGap(),
    });
  }

  /** A dedicated connection LISTENing on `channel`; when it drops, a gap, and another one a second later. */
  private async listen(channel: string, handlers: ChannelHandlers): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    this.listeningClients.add(client);
    client.on('notification', ({ payload }) => {
      if (payload) {
        handlers.onNotification(payload);
      }
    });
    let lost = false;
    const reconnect = () => {
      if (lost) {
        return;
      }
      lost = true;
      this.listeningClients.delete(client);
      void client.end().catch(() => {});
      if (this.closing) {
        return;
      }
      handlers.onGap();
      this.listenLater(channel, handlers);
    };
    client.on('error', reconnect);
    client.on('end', reconnect);
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch (error) {
      lost = true;
      this.listeningClients.delete(client);
      void client.end().catch(() => {});
      throw error;
    }
  }

  private listenLater(channel: string, handlers: ChannelHandlers): void {
    setTimeout(() => {
      if (this.closing) {
        return;
      }
      // What changed while nobody listened is unknown: a gap again once listening.
      this.listen(channel, handlers).then(
        () => handlers.onGap(),
        () => this.listenLater(channel, handlers),
      );
    }, 1000).unref();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.listeningClients].map((client) => client.end().catch(() => {})));
    await this.postgres.close();
  }
}
