import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { AuditEvent } from '@apikeys/types';
import pg from 'pg';
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

// `json`, not `jsonb`, so metadata keeps its key order and comes back exactly as SQLite returns it.
const MIGRATIONS = [
  `CREATE TABLE apps (
     slug text PRIMARY KEY,
     key_prefix text NOT NULL,
     created_at timestamptz NOT NULL
   )`,
  `CREATE TABLE api_keys (
     id uuid PRIMARY KEY,
     app_slug text NOT NULL REFERENCES apps(slug),
     name text NOT NULL,
     key_prefix text NOT NULL,
     key_suffix text NOT NULL,
     secret_hash text NOT NULL,
     hash_scheme text NOT NULL,
     permissions json NOT NULL,
     metadata json NOT NULL,
     owner text,
     environment text,
     expires_at timestamptz,
     created_at timestamptz NOT NULL
   )`,
  `CREATE UNIQUE INDEX api_keys_secret_hash ON api_keys(secret_hash)`,
  `CREATE INDEX api_keys_app_slug ON api_keys(app_slug, created_at)`,
  // No foreign keys on rotated_from/rotated_to: keys are never deleted, and a rotation of a
  // missing key must resolve undefined rather than fail on its successor's insert.
  `ALTER TABLE api_keys
     ADD COLUMN revoked_at timestamptz,
     ADD COLUMN revocation_reason text,
     ADD COLUMN last_used_at timestamptz,
     ADD COLUMN rotated_from uuid,
     ADD COLUMN rotated_to uuid`,
  // Serves listKeys' order and its keyset seek; the index it replaces lacks the id tie-break.
  `DROP INDEX api_keys_app_slug;
   CREATE INDEX api_keys_app_slug_created_at_id ON api_keys(app_slug, created_at DESC, id DESC)`,
  `CREATE TABLE server_secrets (
     name text PRIMARY KEY,
     value bytea NOT NULL
   )`,
  `CREATE TABLE idempotency_records (
     id text PRIMARY KEY,
     fingerprint text NOT NULL,
     state text NOT NULL CHECK (state IN ('running', 'done')),
     response bytea,
     started_at timestamptz NOT NULL,
     expires_at timestamptz NOT NULL
   );
   CREATE INDEX idempotency_records_expires_at ON idempotency_records(expires_at)`,
  // The rate limit shared by the instances (store/postgresRateLimiter.ts): one row per token
  // hash, the start of its current window in epoch milliseconds and the requests counted in it.
  `CREATE TABLE rate_limit_windows (
     key text PRIMARY KEY,
     window_start bigint NOT NULL,
     hits integer NOT NULL
   )`,
  `CREATE TABLE service_tokens (
     name text PRIMARY KEY,
     scopes json NOT NULL,
     token_hash text NOT NULL UNIQUE,
     hash_scheme text NOT NULL,
     created_at timestamptz NOT NULL,
     revoked_at timestamptz
   )`,
  // Service token events have no app or key; the indexes serve listAuditEvents' order and seek.
  `CREATE TABLE audit_events (
     id uuid PRIMARY KEY,
     occurred_at timestamptz NOT NULL,
     action text NOT NULL,
     actor text NOT NULL,
     operation text NOT NULL,
     request_id text,
     app_slug text,
     key_id uuid,
     token_name text,
     changes json NOT NULL
   );
   CREATE INDEX audit_events_app ON audit_events(app_slug, occurred_at DESC, id DESC);
   CREATE INDEX audit_events_key ON audit_events(app_slug, key_id, occurred_at DESC, id DESC)`,
];

// Any constant: serialises migrations when several instances start against one database.
const MIGRATION_LOCK = 7_041_992;

const iso = (value: Date | null) => (value === null ? null : value.toISOString());

/** Parsed by JavaScript, so that a timestamp keeps the milliseconds SQLite keeps, no more. */
const timestamp = (value: string | null) => (value === null ? null : new Date(value));

const KEY_COLUMNS = `id, app_slug, name, key_prefix, key_suffix, permissions, metadata, owner, environment, expires_at, created_at,
  revoked_at, revocation_reason, last_used_at, rotated_from, rotated_to`;

const INSERT_KEY = `INSERT INTO api_keys (id, app_slug, name, key_prefix, key_suffix, secret_hash, hash_scheme, permissions, metadata, owner, environment,
    expires_at, created_at, revoked_at, revocation_reason, last_used_at, rotated_from, rotated_to)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`;

const FIND_KEY = `SELECT ${KEY_COLUMNS} FROM api_keys WHERE app_slug = $1 AND id = $2`;

/** A listing's status filter as of `now`, the placeholder of the parameter that holds it. */
const STATUS_CONDITIONS: Record<KeyStatusFilter, ((now: string) => string) | undefined> = {
  all: undefined,
  revoked: (now) => `revoked_at <= ${now}`,
  expired: (now) => `(revoked_at IS NULL OR revoked_at > ${now}) AND expires_at <= ${now}`,
  active: (now) => `(revoked_at IS NULL OR revoked_at > ${now}) AND (expires_at IS NULL OR expires_at > ${now})`,
};

/** What a LISTENing connection reports: each notification's payload, and that some may have been missed. */
interface ChannelHandlers {
  onNotification: (payload: string) => void;
  onGap: () => void;
}

// Instances listen on this channel for the ids of changed keys (their verification caches).
const KEY_CHANGES_CHANNEL = 'api_key_changes';

/**
 * The UPDATE, announcing each key it changed on KEY_CHANGES_CHANNEL in the same statement:
 * PostgreSQL delivers the notification when, and only if, the change commits.
 */
const announcingChanges = (update: string) =>
  `WITH changed AS (${update}) SELECT changed.*, pg_notify('${KEY_CHANGES_CHANNEL}', changed.id::text) FROM changed`;

// One statement for any set of changes: each boolean parameter says whether the next field is given.
const UPDATE_KEY = announcingChanges(`UPDATE api_keys SET
    name = CASE WHEN $4::boolean THEN $5::text ELSE name END,
    permissions = CASE WHEN $6::boolean THEN $7::json ELSE permissions END,
    metadata = CASE WHEN $8::boolean THEN $9::json ELSE metadata END,
    owner = CASE WHEN $10::boolean THEN $11::text ELSE owner END,
    environment = CASE WHEN $12::boolean THEN $13::text ELSE environment END,
    expires_at = CASE WHEN $14::boolean THEN $15::timestamptz ELSE expires_at END
  WHERE app_slug = $1 AND id = $2 AND (revoked_at IS NULL OR revoked_at > $3)
  RETURNING ${KEY_COLUMNS}`);

const REVOKE_KEY = announcingChanges(`UPDATE api_keys SET revoked_at = $3, revocation_reason = $4
  WHERE app_slug = $1 AND id = $2 AND (revoked_at IS NULL OR revoked_at > $3)
  RETURNING ${KEY_COLUMNS}`);

const MARK_ROTATED =
  announcingChanges(`UPDATE api_keys SET rotated_to = $3, revoked_at = $4, revocation_reason = 'rotated'
  WHERE app_slug = $1 AND id = $2 AND revoked_at IS NULL AND rotated_to IS NULL AND (expires_at IS NULL OR expires_at > $5)
  RETURNING ${KEY_COLUMNS}`);

const AUDIT_COLUMNS = 'id, occurred_at, action, actor, operation, request_id, app_slug, key_id, token_name, changes';
const AUDIT_TYPES = ['uuid', 'timestamptz', 'text', 'text', 'text', 'text', 'text', 'uuid', 'text', 'json'];
/** An audit event's values as parameters from $first on, typed (a SELECT list cannot infer their types). */
const auditValues = (first: number) => AUDIT_TYPES.map((type, index) => `$${first + index}::${type}`).join(', ');

const INSERT_AUDIT_EVENT = `INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES (${auditValues(1)})`;

const auditParams = (event: AuditRecord) => [
  event.id,
  timestamp(event.occurredAt),
  event.action,
  event.actor,
  event.operation,
  event.requestId,
  event.appSlug,
  event.keyId,
  event.tokenName,
  JSON.stringify(event.changes),
];

// A key and its `created` event in one statement, so one round trip and one commit.
const INSERT_KEY_WITH_EVENT = `WITH inserted AS (${INSERT_KEY} RETURNING id)
  INSERT INTO audit_events (${AUDIT_COLUMNS}) SELECT ${auditValues(19)} FROM inserted`;

interface AuditEventRow {
  id: string;
  occurred_at: Date;
  action: AuditEvent['action'];
  actor: string;
  operation: string;
  request_id: string | null;
  app_slug: string;
  key_id: string;
  changes: AuditEvent['changes'];
}

const toAuditEvent = (row: AuditEventRow): AuditEvent => ({
  id: row.id,
  occurred_at: row.occurred_at.toISOString(),
  action: row.action,
  actor: row.actor,
  operation: row.operation,
  request_id: row.request_id,
  app_slug: row.app_slug,
  key_id: row.key_id,
  changes: row.changes,
});

// Instances listen on this channel for service tokens added or revoked (their token lookups).
const SERVICE_TOKEN_CHANGES_CHANNEL = 'service_token_changes';

const SERVICE_TOKEN_COLUMNS = 'name, scopes, token_hash, hash_scheme, created_at, revoked_at';

// Each announces the token it changed, delivered when, and only if, the change commits.
// With its audit event, in the same statement.
const INSERT_SERVICE_TOKEN = `WITH added AS (
    INSERT INTO service_tokens (${SERVICE_TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) RETURNING name
  ), logged AS (
    INSERT INTO audit_events (${AUDIT_COLUMNS}) SELECT ${auditValues(7)} FROM added
  ) SELECT pg_notify('${SERVICE_TOKEN_CHANGES_CHANNEL}', added.name) FROM added`;

const REVOKE_SERVICE_TOKEN = `WITH changed AS (
    UPDATE service_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL RETURNING ${SERVICE_TOKEN_COLUMNS}
  ), logged AS (
    INSERT INTO audit_events (${AUDIT_COLUMNS}) SELECT ${auditValues(3)} FROM changed
  ) SELECT changed.*, pg_notify('${SERVICE_TOKEN_CHANGES_CHANNEL}', changed.name) FROM changed`;

interface ServiceTokenRow {
  name: string;
  scopes: string[];
  token_hash: string;
  hash_scheme: StoredServiceToken['hashScheme'];
  created_at: Date;
  revoked_at: Date | null;
}

const toServiceTokenRecord = (row: ServiceTokenRow): ServiceTokenRecord => ({
  name: row.name,
  scopes: row.scopes,
  createdAt: row.created_at.toISOString(),
  revokedAt: iso(row.revoked_at),
});

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

// How PostgreSQL prints a uuid. An id in any other form (upper case, braces, a urn: prefix) names
// no key, as in SQLite, rather than matching one or failing the cast to uuid.
const STORED_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface KeyRow {
  id: string;
  app_slug: string;
  name: string;
  key_prefix: string;
  key_suffix: string;
  permissions: KeyRecord['permissions'];
  metadata: KeyRecord['metadata'];
  owner: string | null;
  environment: string | null;
  expires_at: Date | null;
  created_at: Date;
  revoked_at: Date | null;
  revocation_reason: string | null;
  last_used_at: Date | null;
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
  created_at: Date;
}

const toApp = (row: AppRow): App => ({
  slug: row.slug,
  keyPrefix: row.key_prefix,
  createdAt: row.created_at.toISOString(),
});

const toKeyRecord = (row: KeyRow): KeyRecord => ({
  id: row.id,
  app_slug: row.app_slug,
  name: row.name,
  key_prefix: row.key_prefix,
  key_suffix: row.key_suffix,
  permissions: row.permissions,
  metadata: row.metadata,
  owner: row.owner,
  environment: row.environment,
  expires_at: iso(row.expires_at),
  created_at: row.created_at.toISOString(),
  revoked_at: iso(row.revoked_at),
  revocation_reason: row.revocation_reason,
  last_used_at: iso(row.last_used_at),
  rotated_from: row.rotated_from,
  rotated_to: row.rotated_to,
});

const keyParams = ({ key, secretHash, hashScheme }: StoredKey) => [
  key.id,
  key.app_slug,
  key.name,
  key.key_prefix,
  key.key_suffix,
  secretHash,
  hashScheme,
  JSON.stringify(key.permissions),
  JSON.stringify(key.metadata),
  key.owner,
  key.environment,
  timestamp(key.expires_at),
  timestamp(key.created_at),
  timestamp(key.revoked_at),
  key.revocation_reason,
  timestamp(key.last_used_at),
  key.rotated_from,
  key.rotated_to,
];

/** For several server instances sharing one database. */
export class PostgresKeyStore implements KeyStore {
  readonly kind = 'postgres';
  /** Read-only, for the shared rate limit (store/postgresRateLimiter.ts): it counts on the same connections. */
  readonly pool: pg.Pool;
  /** The connections LISTENing for changes, ended by close(). */
  private readonly listeningClients = new Set<pg.Client>();
  private readonly serviceTokenWatchers = new Set<() => Promise<void>>();
  private readonly auditIds = new TimeOrderedIds();
  private closing = false;

  // Twice the cores, at least 4: enough connections to keep PostgreSQL busy while some wait on
  // the network or a commit, few enough not to make it contend with itself on a small machine.
  constructor(
    private readonly connectionString: string,
    poolSize = Math.max(4, 2 * availableParallelism()),
  ) {
    this.pool = new pg.Pool({ connectionString, max: poolSize });
    // An idle client losing its connection must not take the process down; the next query reconnects.
    this.pool.on('error', () => {});
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)',
      );
      const { rows } = await client.query<{ version: number | null }>(
        'SELECT max(version) AS version FROM schema_migrations',
      );
      for (let version = (rows[0]?.version ?? 0) + 1; version <= MIGRATIONS.length; version++) {
        await client.query(MIGRATIONS[version - 1]!);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())', [version]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async addApp(app: Omit<App, 'createdAt'>, createdAt: Date): Promise<App> {
    try {
      const { rows } = await this.pool.query<AppRow>(
        'INSERT INTO apps (slug, key_prefix, created_at) VALUES ($1, $2, $3) RETURNING slug, key_prefix, created_at',
        [app.slug, app.keyPrefix, createdAt],
      );
      return toApp(rows[0]!);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new AppExistsError(app.slug);
      }
      throw error;
    }
  }

  async findApp(slug: string): Promise<App | undefined> {
    const { rows } = await this.pool.query<AppRow>('SELECT slug, key_prefix, created_at FROM apps WHERE slug = $1', [
      slug,
    ]);
    return rows[0] && toApp(rows[0]);
  }

  async listApps(): Promise<App[]> {
    const { rows } = await this.pool.query<AppRow>('SELECT slug, key_prefix, created_at FROM apps ORDER BY slug');
    return rows.map(toApp);
  }

  async insertKey(stored: StoredKey, audit: AuditContext): Promise<void> {
    await this.pool.query(INSERT_KEY_WITH_EVENT, [
      ...keyParams(stored),
      ...auditParams(creationEvent(this.auditIds, stored.key, audit)),
    ]);
  }

  /**
   * Runs `work` in one transaction on one connection, committed or rolled back as it says. A
   * connection that cannot even roll back after an error is not handed back to the pool.
   */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<{ value: T; commit: boolean }>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const { value, commit } = await work(client);
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      return value;
    } catch (error) {
      // The first error is the one to report.
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** The key locked for this transaction, as committed by whoever changed it last (another instance included). */
  private async lockedKey(client: pg.PoolClient, appSlug: string, id: string): Promise<KeyRow | undefined> {
    return (await client.query<KeyRow>(`${FIND_KEY} FOR UPDATE`, [appSlug, id])).rows[0];
  }

  /** Within the transaction: the event of a change from `before` to `after`, unless nothing changed. */
  private async recordChange(
    client: pg.PoolClient,
    action: AuditEvent['action'],
    before: KeyRow,
    after: KeyRow,
    audit: AuditContext,
    at: Date,
  ): Promise<void> {
    const current = toKeyRecord(after);
    const changes = keyChanges(toKeyRecord(before), current);
    if (changes.length > 0) {
      await client.query(
        INSERT_AUDIT_EVENT,
        auditParams(keyEvent(this.auditIds, action, current, changes, audit, at.toISOString())),
      );
    }
  }

  async findKeyBySecretHash(secretHash: string): Promise<StoredKey | undefined> {
    const { rows } = await this.pool.query<StoredKeyRow>(
      `SELECT ${KEY_COLUMNS}, secret_hash, hash_scheme FROM api_keys WHERE secret_hash = $1`,
      [secretHash],
    );
    const row = rows[0];
    return row && { key: toKeyRecord(row), secretHash: row.secret_hash, hashScheme: row.hash_scheme };
  }

  async findKey(appSlug: string, id: string): Promise<KeyRecord | undefined> {
    if (!STORED_ID.test(id)) {
      return undefined;
    }
    const { rows } = await this.pool.query<KeyRow>(FIND_KEY, [appSlug, id]);
    return rows[0] && toKeyRecord(rows[0]);
  }

  async listKeys({ appSlug, status, environment, owner, after, limit, now }: KeyPageQuery): Promise<KeyRecord[]> {
    const params: unknown[] = [appSlug];
    // Adds a parameter and answers its placeholder: only the conditions in play take one.
    const parameter = (value: unknown) => `$${params.push(value)}`;
    const conditions = ['app_slug = $1'];
    if (after) {
      conditions.push(
        `(created_at, id) < (${parameter(timestamp(after.createdAt))}::timestamptz, ${parameter(after.id)}::uuid)`,
      );
    }
    if (environment !== undefined) {
      conditions.push(`environment = ${parameter(environment)}`);
    }
    if (owner !== undefined) {
      conditions.push(`owner = ${parameter(owner)}`);
    }
    const statusCondition = STATUS_CONDITIONS[status];
    if (statusCondition) {
      conditions.push(statusCondition(`${parameter(now)}::timestamptz`));
    }
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM api_keys WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${parameter(limit)}`,
      params,
    );
    return rows.map(toKeyRecord);
  }

  async updateKey(
    appSlug: string,
    id: string,
    changes: KeyChanges,
    now: Date,
    audit: AuditContext,
  ): Promise<KeyRecord | undefined> {
    if (!STORED_ID.test(id)) {
      return undefined;
    }
    const params = [
      appSlug,
      id,
      now,
      changes.name !== undefined,
      changes.name ?? null,
      changes.permissions !== undefined,
      changes.permissions === undefined ? null : JSON.stringify(changes.permissions),
      changes.metadata !== undefined,
      changes.metadata === undefined ? null : JSON.stringify(changes.metadata),
      changes.owner !== undefined,
      changes.owner ?? null,
      changes.environment !== undefined,
      changes.environment ?? null,
      changes.expires_at !== undefined,
      timestamp(changes.expires_at ?? null),
    ];
    return this.transaction(async (client) => {
      const before = await this.lockedKey(client, appSlug, id);
      const after = (await client.query<KeyRow>(UPDATE_KEY, params)).rows[0];
      if (before && after) {
        await this.recordChange(client, 'updated', before, after, audit, now);
      }
      return { value: after && toKeyRecord(after), commit: true };
    });
  }

  async revokeKey(
    appSlug: string,
    id: string,
    reason: string | null,
    now: Date,
    audit: AuditContext & { leaked?: boolean },
  ): Promise<KeyRecord | undefined> {
    if (!STORED_ID.test(id)) {
      return undefined;
    }
    return this.transaction(async (client) => {
      const before = await this.lockedKey(client, appSlug, id);
      if (!before) {
        return { value: undefined, commit: false };
      }
      const after = (await client.query<KeyRow>(REVOKE_KEY, [appSlug, id, now, reason])).rows[0];
      if (after) {
        await this.recordChange(client, audit.leaked ? 'leaked' : 'revoked', before, after, audit, now);
      }
      return { value: toKeyRecord(after ?? before), commit: true };
    });
  }

  async rotateKey(
    appSlug: string,
    id: string,
    successor: StoredKey,
    revokeAt: Date,
    now: Date,
    audit: AuditContext,
  ): Promise<KeyRecord | undefined> {
    if (!STORED_ID.test(id)) {
      return undefined;
    }
    return this.transaction(async (client) => {
      // A concurrent rotation holding the row makes this wait, then see rotated_to set and match nothing.
      const before = await this.lockedKey(client, appSlug, id);
      await client.query(INSERT_KEY, keyParams(successor));
      const after = (await client.query<KeyRow>(MARK_ROTATED, [appSlug, id, successor.key.id, revokeAt, now])).rows[0];
      if (!before || !after) {
        return { value: undefined, commit: false };
      }
      await this.recordChange(client, 'rotated', before, after, audit, now);
      return { value: toKeyRecord(after), commit: true };
    });
  }

  async listAuditEvents({ appSlug, keyId, after, limit }: AuditEventQuery): Promise<AuditEvent[]> {
    // A key id in another form than PostgreSQL prints names no key, as in SQLite.
    if (keyId !== undefined && !STORED_ID.test(keyId)) {
      return [];
    }
    const params: unknown[] = [appSlug];
    const parameter = (value: unknown) => `$${params.push(value)}`;
    const conditions = ['app_slug = $1'];
    if (keyId !== undefined) {
      conditions.push(`key_id = ${parameter(keyId)}::uuid`);
    }
    if (after) {
      conditions.push(
        `(occurred_at, id) < (${parameter(timestamp(after.occurredAt))}::timestamptz, ${parameter(after.id)}::uuid)`,
      );
    }
    const { rows } = await this.pool.query<AuditEventRow>(
      `SELECT id, occurred_at, action, actor, operation, request_id, app_slug, key_id, changes FROM audit_events
       WHERE ${conditions.join(' AND ')} ORDER BY occurred_at DESC, id DESC LIMIT ${parameter(limit)}`,
      params,
    );
    return rows.map(toAuditEvent);
  }

  async recordKeyUses(uses: readonly KeyUse[]): Promise<void> {
    if (uses.length === 0) {
      return;
    }
    await this.pool.query(RECORD_KEY_USES, [uses.map((use) => use.id), uses.map((use) => timestamp(use.usedAt))]);
  }

  async claimIdempotencyKey(claim: IdempotencyClaim): Promise<IdempotencyRecord | undefined> {
    // An expired record, or one left running by a process that died, no longer holds the key.
    await this.pool.query(
      `DELETE FROM idempotency_records WHERE id = $1 AND (expires_at <= $2 OR (state = 'running' AND started_at <= $3))`,
      [claim.id, claim.now, claim.staleBefore],
    );
    // Of two instances inserting the same id, the second waits for the first to commit and inserts nothing.
    const inserted = await this.pool.query(
      `INSERT INTO idempotency_records (id, fingerprint, state, started_at, expires_at) VALUES ($1, $2, 'running', $3, $4) ON CONFLICT (id) DO NOTHING`,
      [claim.id, claim.fingerprint, claim.now, claim.expiresAt],
    );
    if (inserted.rowCount === 1) {
      return undefined;
    }
    const { rows } = await this.pool.query<{ fingerprint: string; state: 'running' | 'done'; response: Buffer | null }>(
      'SELECT fingerprint, state, response FROM idempotency_records WHERE id = $1',
      [claim.id],
    );
    const row = rows[0];
    // Deleted in between (expired, or released by a failed first request): try again.
    if (!row) {
      return this.claimIdempotencyKey(claim);
    }
    return row.state === 'done'
      ? { fingerprint: row.fingerprint, state: 'done', response: row.response! }
      : { fingerprint: row.fingerprint, state: 'running' };
  }

  async completeIdempotencyKey(id: string, claimedAt: Date, response: Buffer): Promise<void> {
    await this.pool.query(
      `UPDATE idempotency_records SET state = 'done', response = $3 WHERE id = $1 AND state = 'running' AND started_at = $2`,
      [id, claimedAt, response],
    );
  }

  async releaseIdempotencyKey(id: string, claimedAt: Date): Promise<void> {
    await this.pool.query(`DELETE FROM idempotency_records WHERE id = $1 AND state = 'running' AND started_at = $2`, [
      id,
      claimedAt,
    ]);
  }

  async deleteExpiredIdempotencyKeys(now: Date): Promise<number> {
    return (await this.pool.query('DELETE FROM idempotency_records WHERE expires_at <= $1', [now])).rowCount ?? 0;
  }

  async serverSecret(name: string): Promise<Buffer> {
    await this.pool.query('INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
      name,
      randomBytes(32),
    ]);
    // A separate statement: it must see the value a concurrent first use committed.
    const { rows } = await this.pool.query<{ value: Buffer }>('SELECT value FROM server_secrets WHERE name = $1', [
      name,
    ]);
    return rows[0]!.value;
  }

  async addServiceToken(token: StoredServiceToken, audit: AuditContext): Promise<void> {
    try {
      await this.pool.query(INSERT_SERVICE_TOKEN, [
        token.name,
        JSON.stringify(token.scopes),
        token.tokenHash,
        token.hashScheme,
        timestamp(token.createdAt),
        timestamp(token.revokedAt),
        ...auditParams(serviceTokenEvent(this.auditIds, 'token_added', token, audit, token.createdAt)),
      ]);
    } catch (error) {
      if ((error as { code?: string; constraint?: string }).constraint === 'service_tokens_pkey') {
        throw new ServiceTokenExistsError(token.name);
      }
      throw error;
    }
    await this.serviceTokensChanged();
  }

  async listServiceTokens(): Promise<ServiceTokenRecord[]> {
    const { rows } = await this.pool.query<ServiceTokenRow>(
      `SELECT ${SERVICE_TOKEN_COLUMNS} FROM service_tokens ORDER BY created_at, name`,
    );
    return rows.map(toServiceTokenRecord);
  }

  async liveServiceTokens(): Promise<StoredServiceToken[]> {
    const { rows } = await this.pool.query<ServiceTokenRow>(
      `SELECT ${SERVICE_TOKEN_COLUMNS} FROM service_tokens WHERE revoked_at IS NULL`,
    );
    return rows.map((row) => ({
      ...toServiceTokenRecord(row),
      tokenHash: row.token_hash,
      hashScheme: row.hash_scheme,
    }));
  }

  async revokeServiceToken(name: string, now: Date, audit: AuditContext): Promise<ServiceTokenRecord | undefined> {
    const event = serviceTokenEvent(this.auditIds, 'token_revoked', { name, scopes: [] }, audit, now.toISOString());
    const revoked = (await this.pool.query<ServiceTokenRow>(REVOKE_SERVICE_TOKEN, [name, now, ...auditParams(event)]))
      .rows[0];
    if (revoked) {
      await this.serviceTokensChanged();
      return toServiceTokenRecord(revoked);
    }
    // A separate statement: it must see a revocation another instance committed meanwhile.
    const { rows } = await this.pool.query<ServiceTokenRow>(
      `SELECT ${SERVICE_TOKEN_COLUMNS} FROM service_tokens WHERE name = $1`,
      [name],
    );
    return rows[0] && toServiceTokenRecord(rows[0]);
  }

  /** This instance's watchers hear of its own change at once, and are awaited; the notification follows. */
  private async serviceTokensChanged(): Promise<void> {
    await Promise.all([...this.serviceTokenWatchers].map((onChange) => onChange()));
  }

  async watchServiceTokens(onChange: () => Promise<void>): Promise<void> {
    this.serviceTokenWatchers.add(onChange);
    const changed = () => void onChange();
    await this.listen(SERVICE_TOKEN_CHANGES_CHANNEL, { onNotification: changed, onGap: changed });
  }

  async countKeys(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM api_keys');
    return Number(rows[0]!.n);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
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
    if (!this.pool.ended) {
      await this.pool.end();
    }
  }
}
