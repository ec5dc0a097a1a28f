import { randomBytes } from 'node:crypto';
import type { AuditEvent } from '@apikeys/types';
import type Database from 'better-sqlite3';
import { TimeOrderedIds } from '../keys/timeOrderedIds.js';
import type {
  App,
  AuditContext,
  KeyChanges,
  KeyRecord,
  KeyUse,
  ServiceTokenRecord,
  StoredKey,
  StoredServiceToken,
} from '../keys/types.js';
import { type AuditRecord, creationEvent, keyChanges, keyEvent, serviceTokenEvent } from './auditEvents.js';
import type { IdempotencyClaim, IdempotencyRecord } from './idempotencyStore.js';
import {
  AppExistsError,
  type AuditEventQuery,
  type KeyChangeListener,
  type KeyPageQuery,
  type KeyStatusFilter,
  type KeyStore,
  ServiceTokenExistsError,
} from './keyStore.js';
import { type SqliteWriter, sqliteWriter, writeError } from './sqliteWriter.js';
import { INSERT_AUDIT_EVENT, INSERT_KEY, type KeyInsert, openSqlite } from './sqliteWrites.js';

const MIGRATIONS = [
  `CREATE TABLE apps (
     slug TEXT PRIMARY KEY,
     key_prefix TEXT NOT NULL,
     created_at TEXT NOT NULL
   ) STRICT`,
  `CREATE TABLE api_keys (
     id TEXT PRIMARY KEY,
     app_slug TEXT NOT NULL REFERENCES apps(slug),
     name TEXT NOT NULL,
     key_prefix TEXT NOT NULL,
     key_suffix TEXT NOT NULL,
     secret_hash TEXT NOT NULL,
     hash_scheme TEXT NOT NULL,
     permissions TEXT NOT NULL,
     metadata TEXT NOT NULL,
     owner TEXT,
     environment TEXT,
     expires_at TEXT,
     created_at TEXT NOT NULL
   ) STRICT`,
  `CREATE UNIQUE INDEX api_keys_secret_hash ON api_keys(secret_hash)`,
  `CREATE INDEX api_keys_app_slug ON api_keys(app_slug, created_at)`,
  // No foreign keys on rotated_from/rotated_to: keys are never deleted, and a rotation of a
  // missing key must resolve undefined rather than fail on its successor's insert.
  `ALTER TABLE api_keys ADD COLUMN revoked_at TEXT;
   ALTER TABLE api_keys ADD COLUMN revocation_reason TEXT;
   ALTER TABLE api_keys ADD COLUMN last_used_at TEXT;
   ALTER TABLE api_keys ADD COLUMN rotated_from TEXT;
   ALTER TABLE api_keys ADD COLUMN rotated_to TEXT`,
  // Serves listKeys' order and its keyset seek; the index it replaces lacks the id tie-break.
  `DROP INDEX api_keys_app_slug;
   CREATE INDEX api_keys_app_slug_created_at_id ON api_keys(app_slug, created_at DESC, id DESC)`,
  `CREATE TABLE server_secrets (
     name TEXT PRIMARY KEY,
     value BLOB NOT NULL
   ) STRICT`,
  `CREATE TABLE idempotency_records (
     id TEXT PRIMARY KEY,
     fingerprint TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('running', 'done')),
     response BLOB,
     started_at TEXT NOT NULL,
     expires_at TEXT NOT NULL
   ) STRICT;
   CREATE INDEX idempotency_records_expires_at ON idempotency_records(expires_at)`,
  `CREATE TABLE service_tokens (
     name TEXT PRIMARY KEY,
     scopes TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE,
     hash_scheme TEXT NOT NULL,
     created_at TEXT NOT NULL,
     revoked_at TEXT
   ) STRICT`,
  // Service token events have no app or key; the indexes serve listAuditEvents' order and seek.
  `CREATE TABLE audit_events (
     id TEXT PRIMARY KEY,
     occurred_at TEXT NOT NULL,
     action TEXT NOT NULL,
     actor TEXT NOT NULL,
     operation TEXT NOT NULL,
     request_id TEXT,
     app_slug TEXT,
     key_id TEXT,
     token_name TEXT,
     changes TEXT NOT NULL
   ) STRICT;
   CREATE INDEX audit_events_app ON audit_events(app_slug, occurred_at DESC, id DESC);
   CREATE INDEX audit_events_key ON audit_events(app_slug, key_id, occurred_at DESC, id DESC)`,
];

const KEY_COLUMNS = `id, app_slug, name, key_prefix, key_suffix, permissions, metadata, owner, environment, expires_at, created_at,
  revoked_at, revocation_reason, last_used_at, rotated_from, rotated_to`;

const FIND_KEY = `SELECT ${KEY_COLUMNS} FROM api_keys WHERE app_slug = @app_slug AND id = @id`;

const FIND_KEY_BY_SECRET_HASH = `SELECT ${KEY_COLUMNS}, secret_hash, hash_scheme FROM api_keys WHERE secret_hash = ?`;

const NOT_REVOKED = '(revoked_at IS NULL OR revoked_at > @now)';

const STATUS_CONDITIONS: Record<KeyStatusFilter, string | undefined> = {
  all: undefined,
  revoked: 'revoked_at <= @now',
  expired: `${NOT_REVOKED} AND expires_at <= @now`,
  active: `${NOT_REVOKED} AND (expires_at IS NULL OR expires_at > @now)`,
};

// One statement for any set of changes: each @set_<field> flag says whether that field is given.
const UPDATE_KEY = `UPDATE api_keys SET
    name = CASE WHEN @set_name THEN @name ELSE name END,
    permissions = CASE WHEN @set_permissions THEN @permissions ELSE permissions END,
    metadata = CASE WHEN @set_metadata THEN @metadata ELSE metadata END,
    owner = CASE WHEN @set_owner THEN @owner ELSE owner END,
    environment = CASE WHEN @set_environment THEN @environment ELSE environment END,
    expires_at = CASE WHEN @set_expires_at THEN @expires_at ELSE expires_at END
  WHERE app_slug = @app_slug AND id = @id AND ${NOT_REVOKED}
  RETURNING ${KEY_COLUMNS}`;

const REVOKE_KEY = `UPDATE api_keys SET revoked_at = @now, revocation_reason = @reason
  WHERE app_slug = @app_slug AND id = @id AND ${NOT_REVOKED}
  RETURNING ${KEY_COLUMNS}`;

const MARK_ROTATED = `UPDATE api_keys SET rotated_to = @successor_id, revoked_at = @revoke_at, revocation_reason = 'rotated'
  WHERE app_slug = @app_slug AND id = @id AND revoked_at IS NULL AND rotated_to IS NULL AND (expires_at IS NULL OR expires_at > @now)
  RETURNING ${KEY_COLUMNS}`;

const auditParams = (event: AuditRecord) => ({
  id: event.id,
  occurred_at: storedTime(event.occurredAt),
  action: event.action,
  actor: event.actor,
  operation: event.operation,
  request_id: event.requestId,
  app_slug: event.appSlug,
  key_id: event.keyId,
  token_name: event.tokenName,
  changes: JSON.stringify(event.changes),
});

interface AuditEventRow {
  id: string;
  occurred_at: string;
  action: AuditEvent['action'];
  actor: string;
  operation: string;
  request_id: string | null;
  app_slug: string;
  key_id: string;
  changes: string;
}

const toAuditEvent = (row: AuditEventRow): AuditEvent => ({
  id: row.id,
  occurred_at: row.occurred_at,
  action: row.action,
  actor: row.actor,
  operation: row.operation,
  request_id: row.request_id,
  app_slug: row.app_slug,
  key_id: row.key_id,
  changes: JSON.parse(row.changes) as AuditEvent['changes'],
});

interface KeyRow {
  id: string;
  app_slug: string;
  name: string;
  key_prefix: string;
  key_suffix: string;
  permissions: string;
  metadata: string;
  owner: string | null;
  environment: string | null;
  expires_at: string | null;
  created_at: string;
  revoked_at: string | null;
  revocation_reason: string | null;
  last_used_at: string | null;
  rotated_from: string | null;
  rotated_to: string | null;
}

interface StoredKeyRow extends KeyRow {
  secret_hash: string;
  hash_scheme: StoredKey['hashScheme'];
}

interface AppRow {
  slug: string;
  key_prefix: string;
  created_at: string;
}

const toApp = (row: AppRow): App => ({ slug: row.slug, keyPrefix: row.key_prefix, createdAt: row.created_at });

const toKeyRecord = (row: KeyRow): KeyRecord => ({
  id: row.id,
  app_slug: row.app_slug,
  name: row.name,
  key_prefix: row.key_prefix,
  key_suffix: row.key_suffix,
  permissions: JSON.parse(row.permissions) as KeyRecord['permissions'],
  metadata: JSON.parse(row.metadata) as KeyRecord['metadata'],
  owner: row.owner,
  environment: row.environment,
  expires_at: row.expires_at,
  created_at: row.created_at,
  revoked_at: row.revoked_at,
  revocation_reason: row.revocation_reason,
  last_used_at: row.last_used_at,
  rotated_from: row.rotated_from,
  rotated_to: row.rotated_to,
});

/**
 * Timestamps are stored as toISOString() text: in that one form, comparing and ordering the text
 * compares the instants, as PostgreSQL's timestamptz does.
 */
interface IdempotencyRow {
  fingerprint: string;
  state: 'running' | 'done';
  response: Buffer | null;
}

const recordOf = ({ fingerprint, state, response }: IdempotencyRow): IdempotencyRecord =>
  state === 'done' ? { fingerprint, state, response: response! } : { fingerprint, state };

function storedTime(value: string): string;
function storedTime(value: string | null): string | null;
function storedTime(value: string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

const keyParams = ({ key, secretHash, hashScheme }: StoredKey) => ({
  id: key.id,
  app_slug: key.app_slug,
  name: key.name,
  key_prefix: key.key_prefix,
  key_suffix: key.key_suffix,
  secret_hash: secretHash,
  hash_scheme: hashScheme,
  permissions: JSON.stringify(key.permissions),
  metadata: JSON.stringify(key.metadata),
  owner: key.owner,
  environment: key.environment,
  expires_at: storedTime(key.expires_at),
  created_at: storedTime(key.created_at),
  revoked_at: storedTime(key.revoked_at),
  revocation_reason: key.revocation_reason,
  last_used_at: storedTime(key.last_used_at),
  rotated_from: key.rotated_from,
  rotated_to: key.rotated_to,
});

interface ServiceTokenRow {
  name: string;
  scopes: string;
  token_hash: string;
  hash_scheme: StoredServiceToken['hashScheme'];
  created_at: string;
  revoked_at: string | null;
}

const SERVICE_TOKEN_COLUMNS = 'name, scopes, token_hash, hash_scheme, created_at, revoked_at';

const toServiceTokenRecord = (row: ServiceTokenRow): ServiceTokenRecord => ({
  name: row.name,
  scopes: JSON.parse(row.scopes) as string[],
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

const toStoredServiceToken = (row: ServiceTokenRow): StoredServiceToken => ({
  ...toServiceTokenRecord(row),
  tokenHash: row.token_hash,
  hashScheme: row.hash_scheme,
});

const KEY_CHANGE_POLL_MS = 100;

/** An insertKey call waiting for the group commit that will hold its key. */
interface PendingInsert {
  insert: KeyInsert;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Thrown inside the rotation transaction to roll it back: better-sqlite3 rolls back on a throw. */
class RotationRefused extends Error {}

/** The embedded default: one file, WAL, and synchronous=FULL so that an acknowledged key survives a crash. */
export class SqliteKeyStore implements KeyStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly updateTransaction: Database.Transaction<
    (params: Record<string, string | number | null>, audit: AuditContext) => KeyRow | undefined
  >;
  private readonly revokeTransaction: Database.Transaction<
    (params: Record<string, string | null>, audit: AuditContext & { leaked?: boolean }) => KeyRow | undefined
  >;
  private readonly rotateTransaction: Database.Transaction<
    (successor: StoredKey, params: Record<string, string>, audit: AuditContext) => KeyRow
  >;
  private readonly auditedTransaction: Database.Transaction<
    (sql: string, params: unknown, event: AuditRecord) => unknown
  >;
  private readonly claimTransaction: Database.Transaction<(claim: IdempotencyClaim) => IdempotencyRecord | undefined>;
  private readonly writer: SqliteWriter;
  private pendingInserts: PendingInsert[] = [];
  private committing: Promise<void> | undefined;
  private commitScheduled = false;
  private readonly serviceTokenWatchers = new Set<() => Promise<void>>();
  private readonly auditIds = new TimeOrderedIds();

  constructor(readonly file: string) {
    this.db = openSqlite(file);
    // New keys and last uses are written by the writer (a thread with its own connection), which
    // also watches for other connections' commits; the rest is written here.
    this.writer = sqliteWriter(file, this.db, KEY_CHANGE_POLL_MS);
    // Each change reads the key before it (in the same transaction), so that its event can say what changed.
    this.updateTransaction = this.db.transaction((params, audit) => {
      const before = this.statement(FIND_KEY).get(params) as KeyRow | undefined;
      const row = this.statement(UPDATE_KEY).get(params) as KeyRow | undefined;
      if (before && row) {
        this.recordChange('updated', before, row, audit, String(params.now));
      }
      return row;
    });
    this.revokeTransaction = this.db.transaction((params, audit) => {
      const before = this.statement(FIND_KEY).get(params) as KeyRow | undefined;
      const row = this.statement(REVOKE_KEY).get(params) as KeyRow | undefined;
      if (before && row) {
        this.recordChange(audit.leaked ? 'leaked' : 'revoked', before, row, audit, String(params.now));
      }
      return row ?? before;
    });
    this.rotateTransaction = this.db.transaction((successor, params, audit) => {
      const before = this.statement(FIND_KEY).get(params) as KeyRow | undefined;
      this.statement(INSERT_KEY).run(keyParams(successor));
      const row = this.statement(MARK_ROTATED).get(params) as KeyRow | undefined;
      if (!before || !row) {
        throw new RotationRefused();
      }
      this.recordChange('rotated', before, row, audit, params.now!);
      return row;
    });
    this.auditedTransaction = this.db.transaction((sql, params, event) => {
      const result = this.statement(sql).get(params);
      if (result !== undefined) {
        this.statement(INSERT_AUDIT_EVENT).run(auditParams(event));
      }
      return result;
    });
    this.claimTransaction = this.db.transaction((claim) => {
      const params = { id: claim.id, now: claim.now.toISOString(), stale: claim.staleBefore.toISOString() };
      // An expired record, or one left running by a process that died, no longer holds the key.
      this.statement(
        `DELETE FROM idempotency_records WHERE id = @id AND (expires_at <= @now OR (state = 'running' AND started_at <= @stale))`,
      ).run(params);
      const inserted = this.statement(
        `INSERT INTO idempotency_records (id, fingerprint, state, started_at, expires_at) VALUES (@id, @fingerprint, 'running', @now, @expires_at)
         ON CONFLICT (id) DO NOTHING`,
      ).run({
        id: claim.id,
        fingerprint: claim.fingerprint,
        now: params.now,
        expires_at: claim.expiresAt.toISOString(),
      });
      if (inserted.changes === 1) {
        return undefined;
      }
      const row = this.statement('SELECT fingerprint, state, response FROM idempotency_records WHERE id = ?').get(
        claim.id,
      ) as IdempotencyRow;
      return recordOf(row);
    });
  }

  /** Prepared on first use, not in the constructor: the statements need the schema migrate() makes. */
  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async migrate(): Promise<void> {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT',
    );
    const apply = this.db.transaction(() => {
      const row = this.db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as {
        version: number | null;
      };
      for (let version = (row.version ?? 0) + 1; version <= MIGRATIONS.length; version++) {
        this.db.exec(MIGRATIONS[version - 1]!);
        this.db
          .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)')
          .run(version, new Date().toISOString());
      }
    });
    apply.immediate();
  }

  async addApp(app: Omit<App, 'createdAt'>, createdAt: Date): Promise<App> {
    const row = { slug: app.slug, key_prefix: app.keyPrefix, created_at: createdAt.toISOString() };
    try {
      this.statement('INSERT INTO apps (slug, key_prefix, created_at) VALUES (@slug, @key_prefix, @created_at)').run(
        row,
      );
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new AppExistsError(app.slug);
      }
      throw error;
    }
    return toApp(row);
  }

  async findApp(slug: string): Promise<App | undefined> {
    const row = this.statement('SELECT slug, key_prefix, created_at FROM apps WHERE slug = ?').get(slug) as
      | AppRow
      | undefined;
    return row && toApp(row);
  }

  async listApps(): Promise<App[]> {
    return (this.statement('SELECT slug, key_prefix, created_at FROM apps ORDER BY slug').all() as AppRow[]).map(toApp);
  }

  /**
   * Group commit: the inserts that arrive in one turn of the event loop, or while the writer
   * commits the previous batch, share one transaction, so one fsync. Each resolves only once the
   * transaction holding its key has committed.
   */
  insertKey(stored: StoredKey, audit: AuditContext): Promise<void> {
    return new Promise((resolve, reject) => {
      const event = auditParams(creationEvent(this.auditIds, stored.key, audit));
      this.pendingInserts.push({ insert: { key: keyParams(stored), event }, resolve, reject });
      if (!this.committing && !this.commitScheduled) {
        this.commitScheduled = true;
        setImmediate(() => {
          this.commitScheduled = false;
          void this.commitPendingInserts();
        });
      }
    });
  }

  /** Within the caller's transaction: the event of a change from `before` to `after`, unless nothing changed. */
  private recordChange(
    action: AuditEvent['action'],
    before: KeyRow,
    after: KeyRow,
    audit: AuditContext,
    occurredAt: string,
  ): void {
    const [old, current] = [toKeyRecord(before), toKeyRecord(after)];
    const changes = keyChanges(old, current);
    if (changes.length > 0) {
      this.statement(INSERT_AUDIT_EVENT).run(
        auditParams(keyEvent(this.auditIds, action, current, changes, audit, occurredAt)),
      );
    }
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

  async findKeyBySecretHash(secretHash: string): Promise<StoredKey | undefined> {
    const row = this.statement(FIND_KEY_BY_SECRET_HASH).get(secretHash) as StoredKeyRow | undefined;
    return row && { key: toKeyRecord(row), secretHash: row.secret_hash, hashScheme: row.hash_scheme };
  }

  async findKey(appSlug: string, id: string): Promise<KeyRecord | undefined> {
    const row = this.statement(FIND_KEY).get({ app_slug: appSlug, id }) as KeyRow | undefined;
    return row && toKeyRecord(row);
  }

  async listKeys({ appSlug, status, environment, owner, after, limit, now }: KeyPageQuery): Promise<KeyRecord[]> {
    // Only the conditions in play, so that SQLite seeks the index to `after` instead of filtering up to it.
    const conditions = ['app_slug = @app_slug'];
    if (after) {
      conditions.push('(created_at, id) < (@after_created_at, @after_id)');
    }
    if (environment !== undefined) {
      conditions.push('environment = @environment');
    }
    if (owner !== undefined) {
      conditions.push('owner = @owner');
    }
    const statusCondition = STATUS_CONDITIONS[status];
    if (statusCondition) {
      conditions.push(statusCondition);
    }
    const sql = `SELECT ${KEY_COLUMNS} FROM api_keys WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT @limit`;
    const rows = this.statement(sql).all({
      app_slug: appSlug,
      after_created_at: after ? storedTime(after.createdAt) : null,
      after_id: after?.id ?? null,
      environment: environment ?? null,
      owner: owner ?? null,
      now: now.toISOString(),
      limit,
    }) as KeyRow[];
    return rows.map(toKeyRecord);
  }

  async updateKey(
    appSlug: string,
    id: string,
    changes: KeyChanges,
    now: Date,
    audit: AuditContext,
  ): Promise<KeyRecord | undefined> {
    const given = (value: unknown) => (value === undefined ? 0 : 1);
    const params = {
      app_slug: appSlug,
      id,
      now: now.toISOString(),
      set_name: given(changes.name),
      name: changes.name ?? null,
      set_permissions: given(changes.permissions),
      permissions: changes.permissions === undefined ? null : JSON.stringify(changes.permissions),
      set_metadata: given(changes.metadata),
      metadata: changes.metadata === undefined ? null : JSON.stringify(changes.metadata),
      set_owner: given(changes.owner),
      owner: changes.owner ?? null,
      set_environment: given(changes.environment),
      environment: changes.environment ?? null,
      set_expires_at: given(changes.expires_at),
      expires_at: storedTime(changes.expires_at ?? null),
    };
    const row = this.updateTransaction.immediate(params, audit);
    return row && toKeyRecord(row);
  }

  async revokeKey(
    appSlug: string,
    id: string,
    reason: string | null,
    now: Date,
    audit: AuditContext & { leaked?: boolean },
  ): Promise<KeyRecord | undefined> {
    const row = this.revokeTransaction.immediate({ app_slug: appSlug, id, reason, now: now.toISOString() }, audit);
    return row && toKeyRecord(row);
  }

  async rotateKey(
    appSlug: string,
    id: string,
    successor: StoredKey,
    revokeAt: Date,
    now: Date,
    audit: AuditContext,
  ): Promise<KeyRecord | undefined> {
    try {
      const row = this.rotateTransaction.immediate(
        successor,
        {
          app_slug: appSlug,
          id,
          successor_id: successor.key.id,
          revoke_at: revokeAt.toISOString(),
          now: now.toISOString(),
        },
        audit,
      );
      return toKeyRecord(row);
    } catch (error) {
      if (error instanceof RotationRefused) {
        return undefined;
      }
      throw error;
    }
  }

  async listAuditEvents({ appSlug, keyId, after, limit }: AuditEventQuery): Promise<AuditEvent[]> {
    // Only the conditions in play, so that SQLite seeks the index to `after` instead of filtering up to it.
    const conditions = ['app_slug = @app_slug'];
    if (keyId !== undefined) {
      conditions.push('key_id = @key_id');
    }
    if (after) {
      conditions.push('(occurred_at, id) < (@after_occurred_at, @after_id)');
    }
    const sql = `SELECT id, occurred_at, action, actor, operation, request_id, app_slug, key_id, changes FROM audit_events
      WHERE ${conditions.join(' AND ')} ORDER BY occurred_at DESC, id DESC LIMIT @limit`;
    const rows = this.statement(sql).all({
      app_slug: appSlug,
      key_id: keyId ?? null,
      after_occurred_at: after ? storedTime(after.occurredAt) : null,
      after_id: after?.id ?? null,
      limit,
    }) as AuditEventRow[];
    return rows.map(toAuditEvent);
  }

  async recordKeyUses(uses: readonly KeyUse[]): Promise<void> {
    await this.writer.recordUses(uses.map((use) => ({ id: use.id, usedAt: storedTime(use.usedAt) })));
  }

  async claimIdempotencyKey(claim: IdempotencyClaim): Promise<IdempotencyRecord | undefined> {
    return this.claimTransaction.immediate(claim);
  }

  async completeIdempotencyKey(id: string, claimedAt: Date, response: Buffer): Promise<void> {
    this.statement(
      `UPDATE idempotency_records SET state = 'done', response = ? WHERE id = ? AND state = 'running' AND started_at = ?`,
    ).run(response, id, claimedAt.toISOString());
  }

  async releaseIdempotencyKey(id: string, claimedAt: Date): Promise<void> {
    this.statement(`DELETE FROM idempotency_records WHERE id = ? AND state = 'running' AND started_at = ?`).run(
      id,
      claimedAt.toISOString(),
    );
  }

  async deleteExpiredIdempotencyKeys(now: Date): Promise<number> {
    return this.statement('DELETE FROM idempotency_records WHERE expires_at <= ?').run(now.toISOString()).changes;
  }

  async serverSecret(name: string): Promise<Buffer> {
    this.statement('INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?, ?)').run(name, randomBytes(32));
    return (this.statement('SELECT value FROM server_secrets WHERE name = ?').get(name) as { value: Buffer }).value;
  }

  async addServiceToken(token: StoredServiceToken, audit: AuditContext): Promise<void> {
    try {
      this.auditedTransaction.immediate(
        `INSERT INTO service_tokens (${SERVICE_TOKEN_COLUMNS}) VALUES (@name, @scopes, @token_hash, @hash_scheme, @created_at, @revoked_at)
         RETURNING name`,
        {
          name: token.name,
          scopes: JSON.stringify(token.scopes),
          token_hash: token.tokenHash,
          hash_scheme: token.hashScheme,
          created_at: storedTime(token.createdAt),
          revoked_at: storedTime(token.revokedAt),
        },
        serviceTokenEvent(this.auditIds, 'token_added', token, audit, token.createdAt),
      );
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new ServiceTokenExistsError(token.name);
      }
      throw error;
    }
    await this.serviceTokensChanged();
  }

  async listServiceTokens(): Promise<ServiceTokenRecord[]> {
    const rows = this.statement(
      `SELECT ${SERVICE_TOKEN_COLUMNS} FROM service_tokens ORDER BY created_at, name`,
    ).all() as ServiceTokenRow[];
    return rows.map(toServiceTokenRecord);
  }

  async liveServiceTokens(): Promise<StoredServiceToken[]> {
    const rows = this.statement(
      `SELECT ${SERVICE_TOKEN_COLUMNS} FROM service_tokens WHERE revoked_at IS NULL`,
    ).all() as ServiceTokenRow[];
    return rows.map(toStoredServiceToken);
  }

  async revokeServiceToken(name: string, now: Date, audit: AuditContext): Promise<ServiceTokenRecord | undefined> {
    const at = now.toISOString();
    const revoked = this.auditedTransaction.immediate(
      `UPDATE service_tokens SET revoked_at = @now WHERE name = @name AND revoked_at IS NULL RETURNING ${SERVICE_TOKEN_COLUMNS}`,
      { now: at, name },
      serviceTokenEvent(this.auditIds, 'token_revoked', { name, scopes: [] }, audit, at),
    ) as ServiceTokenRow | undefined;
    if (revoked) {
      await this.serviceTokensChanged();
      return toServiceTokenRecord(revoked);
    }
    const row = this.statement(`SELECT ${SERVICE_TOKEN_COLUMNS} FROM service_tokens WHERE name = ?`).get(name) as
      | ServiceTokenRow
      | undefined;
    return row && toServiceTokenRecord(row);
  }

  /** This connection's own commits do not move data_version: its watchers hear of them here, and are awaited. */
  private async serviceTokensChanged(): Promise<void> {
    await Promise.all([...this.serviceTokenWatchers].map((onChange) => onChange()));
  }

  async watchServiceTokens(onChange: () => Promise<void>): Promise<void> {
    this.serviceTokenWatchers.add(onChange);
    await this.writer.watch(() => void onChange());
  }

  async countKeys(): Promise<number> {
    return (this.statement('SELECT count(*) AS n FROM api_keys').get() as { n: number }).n;
  }

  async ping(): Promise<void> {
    this.statement('SELECT 1').get();
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
    await this.writer.close();
    this.db.close();
  }
}
