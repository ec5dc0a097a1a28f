import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { INSERT_WEBHOOK_EVENT } from '../shared/sqlWebhooks.js';
import { INSERT_AUDIT_EVENT, INSERT_CREDITS, INSERT_KEY, INSERT_RATELIMITS } from '../shared/statements.js';
import { sqliteText } from './sqliteDatabase.js';

const RECORD_KEY_USE = `UPDATE api_keys SET last_used_at = @used_at
  WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @used_at)`;

/**
 * A new key's row, its `created` event, its balance (none: `credits_remaining` null) and its rate
 * limits (none: `ratelimits` null), as INSERT_KEY, INSERT_AUDIT_EVENT, INSERT_CREDITS and
 * INSERT_RATELIMITS (shared/statements.ts) take them.
 */
export interface KeyInsert {
  key: Record<string, string | number | null>;
  event: Record<string, string | null>;
  credits: Record<string, string | number | null>;
  ratelimits: Record<string, string | null>;
  /** Its `key.created` event for the webhooks' outbox, as INSERT_WEBHOOK_EVENT takes it. */
  webhookEvent: Record<string, string | null>;
}

/** A key's last use, with its time as stored. */
export interface StoredKeyUse {
  id: string;
  usedAt: string;
}

/** Why one insert of a batch was refused: a constraint (a duplicate secret hash, an unknown app). */
export interface InsertRefusal {
  index: number;
  code: string;
  message: string;
}

/** A connection as every one of ours is: WAL, and synchronous=FULL so that an acknowledged write survives a crash. */
export function openSqlite(file: string): Database.Database {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true });
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

/**
 * The writes that come in batches: new keys with their events (group commit: one transaction,
 * one fsync for all) and keys' last uses. Run on the store's writer thread, or on its own
 * connection for an in-memory database, which no other thread can open.
 */
export class SqliteBatchWrites {
  private readonly insertBatch: Database.Transaction<(batch: readonly KeyInsert[]) => InsertRefusal[]>;
  private readonly recordUsesBatch: Database.Transaction<(uses: readonly StoredKeyUse[]) => void>;

  constructor(db: Database.Database) {
    // Prepared on first use: the statements need the schema that migrate() makes.
    let statements:
      | Record<'key' | 'event' | 'credits' | 'ratelimits' | 'webhookEvent' | 'use', Database.Statement>
      | undefined;
    const prepared = () => {
      statements ??= {
        key: db.prepare(sqliteText(INSERT_KEY)),
        event: db.prepare(sqliteText(INSERT_AUDIT_EVENT)),
        credits: db.prepare(sqliteText(INSERT_CREDITS)),
        ratelimits: db.prepare(sqliteText(INSERT_RATELIMITS)),
        webhookEvent: db.prepare(sqliteText(INSERT_WEBHOOK_EVENT)),
        use: db.prepare(RECORD_KEY_USE),
      };
      return statements;
    };
    this.insertBatch = db.transaction((batch) => {
      // A refused key (a duplicate secret hash, an unknown app) is undone alone by SQLite, the
      // statement's own rollback, and its event is not written; the others still commit. Any
      // other error (disk full, I/O, an event refused) fails the batch as one: the transaction is
      // rolled back, so no key is ever stored without its event. No savepoint per key: they cost
      // a fifth of a batch.
      const refusals: InsertRefusal[] = [];
      const { key, event, credits, ratelimits, webhookEvent } = prepared();
      batch.forEach((insert, index) => {
        try {
          key.run(insert.key);
        } catch (error) {
          const code = String((error as { code?: unknown }).code);
          if (!code.startsWith('SQLITE_CONSTRAINT') || !db.inTransaction) {
            throw error;
          }
          refusals.push({ index, code, message: (error as Error).message });
          return;
        }
        credits.run(insert.credits);
        ratelimits.run(insert.ratelimits);
        event.run(insert.event);
        webhookEvent.run(insert.webhookEvent);
      });
      return refusals;
    });
    this.recordUsesBatch = db.transaction((uses) => {
      for (const use of uses) {
        prepared().use.run({ id: use.id, used_at: use.usedAt });
      }
    });
  }

  insert(batch: readonly KeyInsert[]): InsertRefusal[] {
    return this.insertBatch.immediate(batch);
  }

  recordUses(uses: readonly StoredKeyUse[]): void {
    this.recordUsesBatch.immediate(uses);
  }
}
