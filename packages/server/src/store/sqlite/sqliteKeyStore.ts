import type Database from 'better-sqlite3';
import { RatelimitWindows } from '../../keys/ratelimits.js';
import type { AuditContext, KeyUse, StoredKey } from '../../keys/types.js';
import type { CreditSpend, CreditSpent, KeyChangeListener, UsageSpend, UsageSpent } from '../keyStore.js';
import { storedTime } from '../shared/rows.js';
import type { Work } from '../shared/sql.js';
import { type ForgottenWindows, SqlKeyStore } from '../shared/sqlKeyStore.js';
import { SqliteDatabase } from './sqliteDatabase.js';
import { type SqliteWriter, sqliteWriter, writeError } from './sqliteWriter.js';
import { type KeyInsert, openSqlite } from './sqliteWrites.js';

const KEY_CHANGE_POLL_MS = 100;

/** An insertKey call waiting for the group commit that will hold its key. */
interface PendingInsert {
  insert: KeyInsert;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A verification's spend waiting for the transaction that will hold it. */
interface PendingSpend {
  spend: CreditSpend;
  resolve: (spent: CreditSpent | undefined) => void;
  reject: (error: unknown) => void;
}

/** The embedded default: one file, WAL, and synchronous=FULL so that an acknowledged key survives a crash. */
export class SqliteKeyStore extends SqlKeyStore {
  declare readonly kind: 'sqlite';
  private readonly sqlite: SqliteDatabase;
  /** The store's own connection (the writer thread has another). */
  private readonly db: Database.Database;
  private readonly writer: SqliteWriter;
  private pendingInserts: PendingInsert[] = [];
  private pendingSpends: PendingSpend[] = [];
  /**
   * Rate-limit windows in memory: one process serves a SQLite database's verifications, and a
   * verification need not wait on a disk write to count. A restart starts them afresh.
   */
  private readonly windows = new RatelimitWindows();
  private committing: Promise<void> | undefined;
  private commitScheduled = false;

  constructor(readonly file: string) {
    const sqlite = new SqliteDatabase(openSqlite(file));
    super(sqlite);
    this.sqlite = sqlite;
    this.db = sqlite.db;
    // New keys and last uses are written by the writer (a thread with its own connection), which
    // also watches for other connections' commits; the rest is written on the store's connection.
    this.writer = sqliteWriter(file, this.db, KEY_CHANGE_POLL_MS);
  }

  /**
   * Group commit: the inserts that arrive in one turn of the event loop, or while the writer
   * commits the previous batch, share one transaction, so one fsync. Each resolves only once the
   * transaction holding its key has committed.
   */
  insertKey(stored: StoredKey, audit: AuditContext): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingInserts.push({ insert: this.newKeyParams(stored, audit), resolve, reject });
      if (!this.committing && !this.commitScheduled) {
        this.commitScheduled = true;
        setImmediate(() => {
          this.commitScheduled = false;
          void this.commitPendingInserts();
        });
      }
    });
  }

  private commitPendingInserts(): Promise<void> {
    const batch = this.pendingInserts;
    if (this.committing || batch.length === 0) {
      return this.committing ?? Promise.resolve();
    }
    this.pendingInserts = [];
    this.committing = this.writer
      .insert(batch.map(({ insert }) => insert))
      .then(
        (refusals) => {
          const refused = new Map(refusals.map((refusal) => [refusal.index, refusal]));
          batch.forEach(({ resolve, reject }, index) => {
            const refusal = refused.get(index);
            if (refusal) {
              reject(writeError({ name: 'SqliteError', code: refusal.code, message: refusal.message }));
            } else {
              resolve();
            }
          });
        },
        (error: unknown) => {
          for (const { reject } of batch) {
            reject(error);
          }
        },
      )
      .finally(() => {
        this.committing = undefined;
        // What arrived during this commit goes now, as the next batch.
        void this.commitPendingInserts();
      });
    return this.committing;
  }

  /**
   * The windows first (at once, in memory), then the credits. With credits to spend, the
   * verification holds its places in the windows until the spend is decided: counted when
   * spent, given back when refused. A verification that only such held places stand in the way
   * of waits for them to settle and tries again, so that a refused one never takes another's place.
   */
  async spendUsage({ usageId, now, ratelimits, credits }: UsageSpend): Promise<UsageSpent> {
    let take = this.windows.take(usageId, ratelimits, now.getTime(), credits !== undefined);
    while (!take.taken && take.settled) {
      await take.settled;
      take = this.windows.take(usageId, ratelimits, now.getTime(), credits !== undefined);
    }
    if (!take.taken) {
      // A read: its transaction writes nothing, so commits without an fsync.
      const unspent = credits && (await this.sql.together(this.unspentCredits(usageId, now)));
      return { outcome: 'rate_limited', ratelimits: take.states, credits: unspent };
    }
    if (!credits) {
      return { outcome: 'spent', ratelimits: take.states };
    }
    let spent: CreditSpent | undefined;
    try {
      spent = await this.spendCredits({ usageId, now, ...credits });
    } catch (error) {
      take.release();
      throw error;
    }
    if (spent && !spent.spent) {
      return { outcome: 'usage_exceeded', ratelimits: take.release(), credits: spent };
    }
    take.confirm();
    return { outcome: 'spent', ratelimits: take.states, credits: spent };
  }

  /**
   * A limit's window goes from memory at once: SQLite runs the transaction's work synchronously,
   * so nothing verifies in between (were it rolled back, the limit would only start afresh).
   * A deleted app's keys no longer verify, and their windows end by themselves.
   */
  // biome-ignore lint/correctness/useYield: nothing to write in the database; the generator is the hook's shape
  protected *forgetWindows(forget: ForgottenWindows): Work<void> {
    if ('usageId' in forget) {
      this.windows.forget(forget.usageId, forget.names);
    }
  }

  /**
   * Group commit, as for new keys: the spends that arrive in one turn of the event loop share one
   * transaction, so one fsync, on the store's connection (statements are microseconds; the fsync
   * is the cost), each spend as spendWork makes it on either store. Each resolves only once that
   * transaction has committed. One writer at a time (SQLite's lock, other processes included)
   * keeps every spend exact.
   */
  private spendCredits(spend: CreditSpend): Promise<CreditSpent | undefined> {
    return new Promise((resolve, reject) => {
      if (this.pendingSpends.length === 0) {
        setImmediate(() => this.commitPendingSpends());
      }
      this.pendingSpends.push({ spend, resolve, reject });
    });
  }

  private commitPendingSpends(): void {
    const batch = this.pendingSpends;
    this.pendingSpends = [];
    const self = this;
    // SQLite runs the transaction's work synchronously: the batch is committed when this returns.
    this.sql
      .together(
        (function* () {
          const results: (CreditSpent | undefined)[] = [];
          for (const { spend } of batch) {
            results.push(yield* self.spendWork(spend));
          }
          return results;
        })(),
      )
      .then(
        (results) => {
          batch.forEach(({ resolve }, index) => {
            resolve(results[index]);
          });
        },
        (error: unknown) => {
          for (const { reject } of batch) {
            reject(error);
          }
        },
      );
  }

  async recordKeyUses(uses: readonly KeyUse[]): Promise<void> {
    await this.writer.recordUses(uses.map((use) => ({ id: use.id, usedAt: storedTime(use.usedAt) })));
  }

  /** This connection's own commits do not move data_version: watchers hear of them from the shared store, at once. */
  protected async watchOtherServiceTokenChanges(changed: () => void): Promise<void> {
    await this.writer.watch(changed);
  }

  /**
   * SQLite cannot say which rows another process changed, only that it committed something
   * (data_version, looked at a few times a second on both of this store's connections: see
   * sqliteWriter.ts): any such commit counts as a gap.
   */
  async watchKeyChanges(listener: KeyChangeListener): Promise<void> {
    await this.writer.watch(() => listener.onGap());
  }

  async close(): Promise<void> {
    if (!this.db.open) {
      return;
    }
    // Every insert already asked for is committed (or refused) before the connections close.
    while (this.committing || this.pendingInserts.length > 0) {
      await this.commitPendingInserts();
    }
    if (this.pendingSpends.length > 0) {
      this.commitPendingSpends();
    }
    await this.writer.close();
    await this.sqlite.close();
  }
}
