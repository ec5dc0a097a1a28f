import { randomBytes } from 'node:crypto';
import type { AuditEvent } from '@apikeys/types';
import { type CreditBalance, type CreditRefill, creditsAt, refillPeriodStart } from '../../keys/credits.js';
import { TimeOrderedIds } from '../../keys/timeOrderedIds.js';
import type {
  App,
  AppChanges,
  AuditContext,
  KeyChanges,
  KeyRecord,
  KeyUse,
  NewApp,
  ServiceTokenRecord,
  StoredKey,
  StoredServiceToken,
  StoredWebhookEndpoint,
  WebhookDeliveryRecord,
  WebhookEndpointChanges,
  WebhookEndpointRecord,
} from '../../keys/types.js';
import { keyEvent, type WebhookEventType } from '../../keys/webhookEvents.js';
import {
  type AuditRecord,
  appChanges,
  appEvent,
  keyEvent as auditKeyEvent,
  creationEvent,
  keyChanges,
  serviceTokenEvent,
} from '../auditEvents.js';
import type { IdempotencyClaim, IdempotencyRecord } from '../idempotencyStore.js';
import {
  AppExistsError,
  type AppPageQuery,
  type AuditEventQuery,
  type ClaimedDelivery,
  type CreditSpend,
  type CreditSpent,
  type DeleteAppOutcome,
  type KeyChangeListener,
  type KeyPageQuery,
  type KeyStore,
  ServiceTokenExistsError,
  type UsageSpend,
  type UsageSpent,
  type WebhookAttempt,
  type WebhookDeliveryQuery,
  type WorkspaceAuditEventQuery,
} from '../keyStore.js';
import { migrationsFor, migrationsTable } from './migrations.js';
import {
  type AppRow,
  type AuditEventRow,
  auditParams,
  type CreditRow,
  creditParams,
  type IdempotencyRow,
  type KeyRow,
  keyParams,
  ratelimitParams,
  type ServiceTokenRow,
  type StoredKeyRow,
  serviceTokenParams,
  storedTime,
  toApp,
  toAuditEvent,
  toAuditRecord,
  toCreditBalance,
  toIdempotencyRecord,
  toKeyRecord,
  toServiceTokenRecord,
  toStoredKey,
  toStoredServiceToken,
  type WorkspaceAuditEventRow,
} from './rows.js';
import { type Announcement, type SqlDialect, type SqlParams, step, type Work } from './sql.js';
import { INSERT_WEBHOOK_EVENT, SqlWebhooks, webhookEventParams } from './sqlWebhooks.js';
import {
  APP_COLUMNS,
  DELETE_CREDITS,
  DELETE_LAPSED_CLAIM,
  DELETE_RATELIMITS,
  FIND_CREDITS,
  FIND_KEY,
  FIND_KEY_BY_SECRET_HASH,
  INSERT_AUDIT_EVENT,
  INSERT_CLAIM,
  INSERT_KEY,
  INSERT_SERVICE_TOKEN,
  KEY_COLUMNS,
  KEYS,
  LINEAGE_KEYS,
  MARK_ROTATED,
  REVOKE_KEY,
  REVOKE_SERVICE_TOKEN,
  SERVICE_TOKEN_COLUMNS,
  SET_CREDITS,
  SET_RATELIMITS,
  SHARE_USAGE,
  SPEND_CREDITS,
  STATUS_CONDITIONS,
  UPDATE_APP,
  UPDATE_KEY,
} from './statements.js';

/** Whose rate-limit windows go: every lineage of a deleted app, or the limits a lineage no longer has. */
export type ForgottenWindows = { appSlug: string } | { usageId: string; names: readonly string[] };

// How both stores write a uuid. An id in any other form (upper case, braces, a urn: prefix) names
// no key, rather than matching one or failing PostgreSQL's cast to uuid.
const STORED_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A spend's parameters, as SPEND_CREDITS and CURRENT_CREDITS take them. */
const spendParams = ({ usageId, cost, refill, now }: CreditSpend) => ({
  usage_id: usageId,
  cost,
  period_start: refill ? refillPeriodStart(refill, now).toISOString() : null,
  refill_interval: refill?.interval ?? null,
  refill_day: refill?.refill_day ?? null,
});

const sameRefill = (a: CreditRefill | null, b: CreditRefill | null) =>
  a?.interval === b?.interval && (a?.refill_day ?? null) === (b?.refill_day ?? null);

/** A flag parameter: whether a change gives the field. */
const given = (value: unknown) => (value === undefined ? 0 : 1);

/**
 * The store, written once over a dialect (SQLite or PostgreSQL): apps, keys, audit events,
 * idempotency records, service tokens and server secrets. A dialect's store adds what differs:
 * how new keys and last uses are written (SQLite: group commit on a writer thread), how it hears
 * of other instances' changes, and closing.
 */
export abstract class SqlKeyStore implements KeyStore {
  readonly kind: 'sqlite' | 'postgres';
  protected readonly auditIds = new TimeOrderedIds();
  /** The ids of webhook events: time-ordered, so that the outbox fans them out in the order they happened. */
  protected readonly eventIds = new TimeOrderedIds();
  private readonly serviceTokenWatchers = new Set<() => Promise<void>>();
  private readonly webhooks: SqlWebhooks;

  constructor(protected readonly sql: SqlDialect) {
    this.kind = sql.kind;
    this.webhooks = new SqlWebhooks(sql, this.auditIds);
  }

  abstract insertKey(stored: StoredKey, audit: AuditContext): Promise<void>;
  /** Where the windows are differs (PostgreSQL's database, SQLite's process); the credits' spend is spendWork on both. */
  abstract spendUsage(spend: UsageSpend): Promise<UsageSpent>;
  /** Within a transaction: drops the rate-limit windows of an app's lineages, or of a lineage's limits by name. */
  protected abstract forgetWindows(forget: ForgottenWindows): Work<void>;
  abstract recordKeyUses(uses: readonly KeyUse[]): Promise<void>;
  abstract watchKeyChanges(listener: KeyChangeListener): Promise<void>;
  abstract close(): Promise<void>;
  /** Calls `changed` as service token changes made through other connections commit, and when some may have been missed. */
  protected abstract watchOtherServiceTokenChanges(changed: () => void): Promise<void>;

  async migrate(): Promise<void> {
    const { kind, types, migrationLock } = this.sql;
    const migrations = migrationsFor(kind, types);
    await this.sql.transaction(
      (function* () {
        if (migrationLock) {
          yield migrationLock;
        }
        yield* step.exec(migrationsTable(types));
        const row = yield* step.get<{ version: number | null }>(
          'SELECT max(version) AS version FROM schema_migrations',
        );
        for (let version = (row?.version ?? 0) + 1; version <= migrations.length; version++) {
          yield* step.exec(migrations[version - 1]!);
          yield* step.run('INSERT INTO schema_migrations (version, applied_at) VALUES (@version, @applied_at)', {
            version,
            applied_at: new Date().toISOString(),
          });
        }
        return { value: undefined, commit: true };
      })(),
    );
  }

  async addApp(app: NewApp, createdAt: Date, audit?: AuditContext): Promise<App> {
    const row = {
      slug: app.slug,
      key_prefix: app.keyPrefix,
      display_name: app.displayName ?? null,
      created_at: createdAt.toISOString(),
    };
    const created = toApp(row);
    const event =
      audit &&
      auditParams(appEvent(this.auditIds, 'app_created', app.slug, appChanges(null, created), audit, row.created_at));
    try {
      await this.sql.transaction(
        (function* () {
          yield* step.run(`INSERT INTO apps (${APP_COLUMNS}) VALUES (@slug, @key_prefix, @display_name, @created_at)`, {
            ...row,
          });
          if (event) {
            yield* step.run(INSERT_AUDIT_EVENT, event);
          }
          return { value: undefined, commit: true };
        })(),
      );
    } catch (error) {
      if (this.sql.isPrimaryKeyViolation(error, 'apps')) {
        throw new AppExistsError(app.slug);
      }
      throw error;
    }
    return created;
  }

  async findApp(slug: string): Promise<App | undefined> {
    const row = await this.sql.get<AppRow>(`SELECT ${APP_COLUMNS} FROM apps WHERE slug = @slug`, { slug });
    return row && toApp(row);
  }

  async findApps({ after, limit }: AppPageQuery = {}): Promise<App[]> {
    const params: Record<string, string | number> = {};
    const where = after === undefined ? '' : 'WHERE slug > @after';
    if (after !== undefined) {
      params.after = after;
    }
    if (limit !== undefined) {
      params.limit = limit;
    }
    const rows = await this.sql.all<AppRow>(
      `SELECT ${APP_COLUMNS} FROM apps ${where} ORDER BY slug${limit === undefined ? '' : ' LIMIT @limit'}`,
      params,
    );
    return rows.map(toApp);
  }

  async changeApp(slug: string, changes: AppChanges, now: Date, audit: AuditContext): Promise<App | undefined> {
    const params = {
      slug,
      set_display_name: given(changes.displayName),
      display_name: changes.displayName ?? null,
      set_key_prefix: given(changes.keyPrefix),
      key_prefix: changes.keyPrefix ?? null,
    };
    const self = this;
    return this.sql.transaction(
      (function* () {
        // Locked, so that no key is issued under the old prefix while it changes (a new key's row
        // holds a share lock on its app's).
        const before = yield* self.lockedApp(slug);
        if (!before) {
          return { value: undefined, commit: false };
        }
        if (changes.keyPrefix !== undefined && changes.keyPrefix !== before.key_prefix) {
          const key = yield* step.get('SELECT 1 AS found FROM api_keys WHERE app_slug = @slug LIMIT 1', { slug });
          if (key) {
            return { value: undefined, commit: false };
          }
        }
        const after = toApp((yield* step.get<AppRow>(UPDATE_APP, params))!);
        const changed = appChanges(toApp(before), after);
        if (changed.length > 0) {
          const at = now.toISOString();
          yield* step.run(
            INSERT_AUDIT_EVENT,
            auditParams(appEvent(self.auditIds, 'app_updated', slug, changed, audit, at)),
          );
        }
        return { value: after, commit: true };
      })(),
    );
  }

  async removeApp(slug: string, now: Date, audit: AuditContext): Promise<DeleteAppOutcome | undefined> {
    const at = now.toISOString();
    const self = this;
    return this.sql.transaction(
      (function* (): Work<{ value: DeleteAppOutcome | undefined; commit: boolean }> {
        const before = yield* self.lockedApp(slug);
        if (!before) {
          return { value: undefined, commit: false };
        }
        const live = yield* step.get<{ n: number | string }>(
          `SELECT count(*) AS n FROM api_keys WHERE app_slug = @slug AND ${STATUS_CONDITIONS.active}`,
          { slug, now: at },
        );
        const liveKeys = Number(live?.n ?? 0);
        if (liveKeys > 0) {
          return { value: { liveKeys }, commit: false };
        }
        // The lineages' balances, limits and windows go with their keys (a lineage never spans apps).
        const lineages = 'usage_id IN (SELECT usage_id FROM api_keys WHERE app_slug = @slug)';
        for (const table of ['key_credits', 'key_ratelimits']) {
          yield* step.run(`DELETE FROM ${table} WHERE ${lineages}`, { slug });
        }
        yield* self.forgetWindows({ appSlug: slug });
        yield* self.webhooks.removeAppEndpoints(slug);
        const keys = yield* step.all<{ id: string }>('DELETE FROM api_keys WHERE app_slug = @slug RETURNING id', {
          slug,
        });
        yield* step.run('DELETE FROM apps WHERE slug = @slug', { slug });
        const deleted = toApp(before);
        const changes = [...appChanges(deleted, null), { field: 'keys_deleted', old: null, new: keys.length }];
        yield* step.run(
          INSERT_AUDIT_EVENT,
          auditParams(appEvent(self.auditIds, 'app_deleted', slug, changes, audit, at)),
        );
        for (const { id } of keys) {
          yield* self.announce({ kind: 'key', id });
        }
        return { value: { deleted, deletedKeyIds: keys.map(({ id }) => id) }, commit: true };
      })(),
    );
  }

  /** The app as committed last, locked for this transaction (against keys inserted meanwhile, on PostgreSQL). */
  private lockedApp(slug: string): Work<AppRow | undefined> {
    return step.get<AppRow>(`SELECT ${APP_COLUMNS} FROM apps WHERE slug = @slug${this.sql.lockRows}`, { slug });
  }

  /** The parameters of a new key and its `created` event, for the dialect's insertKey. */
  protected newKeyParams(stored: StoredKey, audit: AuditContext) {
    return {
      key: keyParams(stored),
      event: auditParams(creationEvent(this.auditIds, stored.key, audit)),
      credits: creditParams(stored.key.id, stored.balance ?? null),
      ratelimits: ratelimitParams(stored.key.id, stored.key.ratelimits),
      webhookEvent: this.webhookEvent('key.created', stored.key, new Date(stored.key.created_at)),
    };
  }

  /** The outbox's event of a key change, as INSERT_WEBHOOK_EVENT takes it. */
  protected webhookEvent(type: WebhookEventType, key: KeyRecord, at: Date) {
    return webhookEventParams(keyEvent(this.eventIds.next(at.getTime()), type, key, at));
  }

  async findKeyBySecretHash(secretHash: string): Promise<StoredKey | undefined> {
    const row = await this.sql.get<StoredKeyRow>(FIND_KEY_BY_SECRET_HASH, { secret_hash: secretHash });
    return row && toStoredKey(row);
  }

  async findKey(appSlug: string, id: string, at?: Date): Promise<KeyRecord | undefined> {
    if (!STORED_ID.test(id)) {
      return undefined;
    }
    const row = await this.sql.get<KeyRow>(FIND_KEY, { app_slug: appSlug, id });
    return row && toKeyRecord(row, at);
  }

  /**
   * A spend, each statement correct on its own: the conditional UPDATE, and when it changed
   * nothing, the balance as stored to say why. A refill changed since the key was read (an
   * update through another instance not yet heard of) is taken from the row and tried again, so
   * that the interval is always the balance's own.
   */
  protected *spendWork(spend: CreditSpend): Work<CreditSpent | undefined> {
    let { refill } = spend;
    for (let attempt = 0; attempt < 3; attempt++) {
      const spent = yield* step.get<{ credits_remaining: number | string }>(
        SPEND_CREDITS,
        spendParams({ ...spend, refill }),
      );
      if (spent) {
        return { spent: true, remaining: Number(spent.credits_remaining) };
      }
      const balance = yield* this.storedBalance(spend.usageId);
      if (!balance) {
        return undefined;
      }
      if (sameRefill(balance.refill, refill)) {
        return { spent: false, remaining: creditsAt(balance, spend.now).remaining };
      }
      refill = balance.refill;
    }
    // The refill keeps changing under it: refuse rather than guess.
    return { spent: false, remaining: 0 };
  }

  /** What is left of the lineage's balance as of `now`, spending nothing (for a verification refused before its credits). */
  protected *unspentCredits(usageId: string, now: Date): Work<CreditSpent | undefined> {
    const balance = yield* this.storedBalance(usageId);
    return balance ? { spent: false, remaining: creditsAt(balance, now).remaining } : undefined;
  }

  private *storedBalance(usageId: string): Work<CreditBalance | null | undefined> {
    const row = yield* step.get<CreditRow>(FIND_CREDITS, { usage_id: usageId });
    return row && toCreditBalance(row);
  }

  async listKeys({ appSlug, status, environment, owner, after, limit, now }: KeyPageQuery): Promise<KeyRecord[]> {
    // Only the conditions in play, so that the database seeks the index to `after` instead of filtering up to it.
    const conditions = ['app_slug = @app_slug'];
    const params: Record<string, string | number | null> = { app_slug: appSlug, limit };
    if (after) {
      conditions.push('(created_at, id) < (@after_created_at::timestamptz, @after_id::uuid)');
      params.after_created_at = storedTime(after.createdAt);
      params.after_id = after.id;
    }
    if (environment !== undefined) {
      conditions.push('environment = @environment');
      params.environment = environment;
    }
    if (owner !== undefined) {
      conditions.push('owner = @owner');
      params.owner = owner;
    }
    const statusCondition = STATUS_CONDITIONS[status];
    if (statusCondition) {
      conditions.push(statusCondition);
      params.now = now.toISOString();
    }
    const rows = await this.sql.all<KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM ${KEYS} WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT @limit`,
      params,
    );
    return rows.map((row) => toKeyRecord(row, now));
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
    const self = this;
    return this.sql.transaction(
      (function* () {
        const before = yield* self.lockedKey(appSlug, id);
        const updated = yield* step.get<{ id: string }>(UPDATE_KEY, params);
        if (!before || !updated) {
          return { value: undefined, commit: false };
        }
        if (changes.credits === null) {
          yield* step.run(DELETE_CREDITS, { usage_id: before.usage_id });
        } else if (changes.credits) {
          yield* step.run(SET_CREDITS, creditParams(before.usage_id, changes.credits));
        }
        if (changes.ratelimits?.length === 0) {
          yield* step.run(DELETE_RATELIMITS, { usage_id: before.usage_id });
        } else if (changes.ratelimits) {
          yield* step.run(SET_RATELIMITS, ratelimitParams(before.usage_id, changes.ratelimits));
        }
        if (changes.ratelimits) {
          // A limit no longer in the list has no window (one added again later starts afresh).
          const kept = new Set(changes.ratelimits.map(({ name }) => name));
          const removed = toKeyRecord(before, now)
            .ratelimits.map(({ name }) => name)
            .filter((name) => !kept.has(name));
          if (removed.length > 0) {
            yield* self.forgetWindows({ usageId: before.usage_id, names: removed });
          }
        }
        const after = (yield* self.keyRow(appSlug, id))!;
        yield* self.recordChange('updated', before, after, audit, params.now, now);
        if (changes.credits !== undefined || changes.ratelimits !== undefined) {
          // The lineage's other live keys (a grace period's) spend and count by the same: theirs changed too.
          const lineage = yield* step.all<{ id: string }>(LINEAGE_KEYS, {
            usage_id: before.usage_id,
            id,
            now: params.now,
          });
          for (const key of lineage) {
            yield* self.announce({ kind: 'key', id: key.id });
          }
        }
        return { value: toKeyRecord(after, now), commit: true };
      })(),
    );
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
    const params = { app_slug: appSlug, id, reason, now: now.toISOString() };
    const self = this;
    return this.sql.transaction(
      (function* () {
        const before = yield* self.lockedKey(appSlug, id);
        if (!before) {
          return { value: undefined, commit: false };
        }
        const revoked = yield* step.get<{ id: string }>(REVOKE_KEY, params);
        const after = revoked ? (yield* self.keyRow(appSlug, id))! : before;
        if (revoked) {
          yield* self.recordChange(audit.leaked ? 'leaked' : 'revoked', before, after, audit, params.now, now);
        }
        return { value: toKeyRecord(after, now), commit: true };
      })(),
    );
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
    const params = {
      app_slug: appSlug,
      id,
      successor_id: successor.key.id,
      revoke_at: revokeAt.toISOString(),
      now: now.toISOString(),
    };
    const self = this;
    return this.sql.transaction(
      (function* () {
        // A concurrent rotation holding the row makes this wait, then see rotated_to set and match nothing.
        const before = yield* self.lockedKey(appSlug, id);
        yield* step.run(INSERT_KEY, keyParams(successor));
        const rotated = yield* step.get<{ id: string }>(MARK_ROTATED, params);
        if (!before || !rotated) {
          return { value: undefined, commit: false };
        }
        yield* step.run(SHARE_USAGE, params);
        const after = (yield* self.keyRow(appSlug, id))!;
        // The successor's own `created` event, then the old key's `rotated` one that names it.
        yield* step.run(INSERT_AUDIT_EVENT, auditParams(creationEvent(self.auditIds, successor.key, audit)));
        yield* step.run(INSERT_WEBHOOK_EVENT, self.webhookEvent('key.created', successor.key, now));
        yield* self.recordChange('rotated', before, after, audit, params.now, now);
        return { value: toKeyRecord(after, now), commit: true };
      })(),
    );
  }

  /** The key as committed by whoever changed it last (another instance included), locked for this transaction. */
  private lockedKey(appSlug: string, id: string): Work<KeyRow | undefined> {
    // Only the key's row: PostgreSQL cannot lock the nullable side of the balance's outer join.
    const lock = this.sql.lockRows && `${this.sql.lockRows} OF api_keys`;
    return step.get<KeyRow>(`${FIND_KEY}${lock}`, { app_slug: appSlug, id });
  }

  /** The key with its balance, as this transaction sees it. */
  private keyRow(appSlug: string, id: string): Work<KeyRow | undefined> {
    return step.get<KeyRow>(FIND_KEY, { app_slug: appSlug, id });
  }

  /**
   * Within the transaction of a change from `before` to `after`: its event, unless nothing
   * changed, and the other instances told of it on commit.
   */
  private *recordChange(
    action: AuditEvent['action'],
    before: KeyRow,
    after: KeyRow,
    audit: AuditContext,
    occurredAt: string,
    now: Date,
  ): Work<void> {
    // Both as of the change's time, so that a refill due meanwhile is no change of this one.
    const current = toKeyRecord(after, now);
    const changes = keyChanges(toKeyRecord(before, now), current);
    if (changes.length > 0) {
      yield* step.run(
        INSERT_AUDIT_EVENT,
        auditParams(auditKeyEvent(this.auditIds, action, current, changes, audit, occurredAt)),
      );
      // The webhooks' event, in the same transaction: a committed change is never left unsent.
      yield* step.run(INSERT_WEBHOOK_EVENT, this.webhookEvent(`key.${action}` as WebhookEventType, current, now));
    }
    yield* this.announce({ kind: 'key', id: after.id });
  }

  private *announce(change: Announcement): Work<void> {
    const announcement = this.sql.announcement(change);
    if (announcement) {
      yield announcement;
    }
  }

  async keyAuditEvents({ appSlug, keyId, after, limit }: AuditEventQuery): Promise<AuditEvent[]> {
    if (keyId !== undefined && !STORED_ID.test(keyId)) {
      return [];
    }
    // Only the conditions in play, so that the database seeks the index to `after` instead of filtering up to it.
    // The app's own events (app_created, …) have no key: they belong to the workspace's trail.
    const conditions = ['app_slug = @app_slug', 'key_id IS NOT NULL'];
    const params: Record<string, string | number> = { app_slug: appSlug, limit };
    if (keyId !== undefined) {
      conditions.push('key_id = @key_id::uuid');
      params.key_id = keyId;
    }
    if (after) {
      conditions.push('(occurred_at, id) < (@after_occurred_at::timestamptz, @after_id::uuid)');
      params.after_occurred_at = storedTime(after.occurredAt);
      params.after_id = after.id;
    }
    const rows = await this.sql.all<AuditEventRow>(
      `SELECT id, occurred_at, action, actor, operation, request_id, app_slug, key_id, changes FROM audit_events
       WHERE ${conditions.join(' AND ')} ORDER BY occurred_at DESC, id DESC LIMIT @limit`,
      params,
    );
    return rows.map(toAuditEvent);
  }

  async workspaceAuditEvents({ after, limit }: WorkspaceAuditEventQuery): Promise<AuditRecord[]> {
    const conditions = ['key_id IS NULL'];
    const params: Record<string, string | number> = { limit };
    if (after) {
      conditions.push('(occurred_at, id) < (@after_occurred_at::timestamptz, @after_id::uuid)');
      params.after_occurred_at = storedTime(after.occurredAt);
      params.after_id = after.id;
    }
    const rows = await this.sql.all<WorkspaceAuditEventRow>(
      `SELECT id, occurred_at, action, actor, operation, request_id, app_slug, token_name, changes FROM audit_events
       WHERE ${conditions.join(' AND ')} ORDER BY occurred_at DESC, id DESC LIMIT @limit`,
      params,
    );
    return rows.map(toAuditRecord);
  }

  async claimIdempotencyKey(claim: IdempotencyClaim): Promise<IdempotencyRecord | undefined> {
    const now = claim.now.toISOString();
    const row = await this.sql.together(
      (function* () {
        yield* step.run(DELETE_LAPSED_CLAIM, { id: claim.id, now, stale: claim.staleBefore.toISOString() });
        const inserted = yield* step.run(INSERT_CLAIM, {
          id: claim.id,
          fingerprint: claim.fingerprint,
          now,
          expires_at: claim.expiresAt.toISOString(),
        });
        return inserted === 1
          ? null
          : yield* step.get<IdempotencyRow>(
              'SELECT fingerprint, state, response FROM idempotency_records WHERE id = @id',
              {
                id: claim.id,
              },
            );
      })(),
    );
    if (row === null) {
      return undefined;
    }
    // Deleted in between (expired, or released by a failed first request): try again.
    return row ? toIdempotencyRecord(row) : this.claimIdempotencyKey(claim);
  }

  async completeIdempotencyKey(id: string, claimedAt: Date, response: Buffer): Promise<void> {
    await this.sql.run(
      `UPDATE idempotency_records SET state = 'done', response = @response WHERE id = @id AND state = 'running' AND started_at = @claimed_at`,
      { id, claimed_at: claimedAt.toISOString(), response },
    );
  }

  async releaseIdempotencyKey(id: string, claimedAt: Date): Promise<void> {
    await this.sql.run(
      `DELETE FROM idempotency_records WHERE id = @id AND state = 'running' AND started_at = @claimed_at`,
      { id, claimed_at: claimedAt.toISOString() },
    );
  }

  async deleteExpiredIdempotencyKeys(now: Date): Promise<number> {
    return this.sql.run('DELETE FROM idempotency_records WHERE expires_at <= @now', { now: now.toISOString() });
  }

  async serverSecret(name: string): Promise<Buffer> {
    await this.sql.run(
      'INSERT INTO server_secrets (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING',
      {
        name,
        value: randomBytes(32),
      },
    );
    // A separate statement: it must see the value a concurrent first use committed.
    return (await this.sql.get<{ value: Buffer }>('SELECT value FROM server_secrets WHERE name = @name', { name }))!
      .value;
  }

  async addServiceToken(token: StoredServiceToken, audit: AuditContext): Promise<void> {
    const event = auditParams(serviceTokenEvent(this.auditIds, 'token_added', token, audit, token.createdAt));
    try {
      await this.audited(INSERT_SERVICE_TOKEN, serviceTokenParams(token), event, token.name);
    } catch (error) {
      if (this.sql.isPrimaryKeyViolation(error, 'service_tokens')) {
        throw new ServiceTokenExistsError(token.name);
      }
      throw error;
    }
    await this.serviceTokensChanged();
  }

  async allServiceTokens(): Promise<ServiceTokenRecord[]> {
    const rows = await this.sql.all<ServiceTokenRow>(
      `SELECT ${SERVICE_TOKEN_COLUMNS} FROM service_tokens ORDER BY created_at, name`,
    );
    return rows.map(toServiceTokenRecord);
  }

  async liveServiceTokens(): Promise<StoredServiceToken[]> {
    const rows = await this.sql.all<ServiceTokenRow>(
      `SELECT ${SERVICE_TOKEN_COLUMNS} FROM service_tokens WHERE revoked_at IS NULL`,
    );
    return rows.map(toStoredServiceToken);
  }

  async revokeToken(name: string, now: Date, audit: AuditContext): Promise<ServiceTokenRecord | undefined> {
    const at = now.toISOString();
    const event = auditParams(serviceTokenEvent(this.auditIds, 'token_revoked', { name, scopes: [] }, audit, at));
    const revoked = await this.audited<ServiceTokenRow>(REVOKE_SERVICE_TOKEN, { now: at, name }, event, name);
    if (revoked) {
      await this.serviceTokensChanged();
      return toServiceTokenRecord(revoked);
    }
    // A separate statement: it must see a revocation another instance committed meanwhile.
    const row = await this.sql.get<ServiceTokenRow>(
      `SELECT ${SERVICE_TOKEN_COLUMNS} FROM service_tokens WHERE name = @name`,
      { name },
    );
    return row && toServiceTokenRecord(row);
  }

  /** In one transaction: a change to service token `name`, and when it changes a row, its event and the announcement. */
  private audited<Row>(sql: string, params: SqlParams, event: SqlParams, name: string): Promise<Row | undefined> {
    const self = this;
    return this.sql.transaction(
      (function* () {
        const row = yield* step.get<Row>(sql, params);
        if (row !== undefined) {
          yield* step.run(INSERT_AUDIT_EVENT, event);
          yield* self.announce({ kind: 'serviceToken', name });
        }
        return { value: row, commit: true };
      })(),
    );
  }

  /** This instance's watchers hear of its own change at once, and are awaited; other instances as it commits. */
  private async serviceTokensChanged(): Promise<void> {
    await Promise.all([...this.serviceTokenWatchers].map((onChange) => onChange()));
  }

  async watchServiceTokens(onChange: () => Promise<void>): Promise<void> {
    this.serviceTokenWatchers.add(onChange);
    await this.watchOtherServiceTokenChanges(() => void onChange());
  }

  addWebhookEndpoint(stored: StoredWebhookEndpoint, maxPerApp: number, audit: AuditContext): Promise<boolean> {
    return this.webhooks.addEndpoint(stored, maxPerApp, audit);
  }

  webhookEndpoints(appSlug: string): Promise<WebhookEndpointRecord[]> {
    return this.webhooks.endpoints(appSlug);
  }

  findWebhookEndpoint(appSlug: string, id: string): Promise<StoredWebhookEndpoint | undefined> {
    return STORED_ID.test(id) ? this.webhooks.findEndpoint(appSlug, id) : Promise.resolve(undefined);
  }

  changeWebhookEndpoint(
    appSlug: string,
    id: string,
    changes: WebhookEndpointChanges,
    now: Date,
    audit: AuditContext,
  ): Promise<WebhookEndpointRecord | undefined> {
    return STORED_ID.test(id)
      ? this.webhooks.changeEndpoint(appSlug, id, changes, now, audit)
      : Promise.resolve(undefined);
  }

  removeWebhookEndpoint(
    appSlug: string,
    id: string,
    now: Date,
    audit: AuditContext,
  ): Promise<WebhookEndpointRecord | undefined> {
    return STORED_ID.test(id) ? this.webhooks.removeEndpoint(appSlug, id, now, audit) : Promise.resolve(undefined);
  }

  webhookDeliveries(query: WebhookDeliveryQuery): Promise<WebhookDeliveryRecord[]> {
    return this.webhooks.deliveries(query);
  }

  fanOutWebhookEvents(now: Date, limit: number): Promise<number> {
    return this.webhooks.fanOut(now, limit);
  }

  claimWebhookDeliveries(now: Date, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    return this.webhooks.claim(now, leaseMs, limit);
  }

  recordWebhookAttempts(attempts: readonly WebhookAttempt[]): Promise<void> {
    return this.webhooks.recordAttempts(attempts);
  }

  async countKeys(): Promise<number> {
    return Number((await this.sql.get<{ n: number | string }>('SELECT count(*) AS n FROM api_keys'))!.n);
  }

  async ping(): Promise<void> {
    await this.sql.get('SELECT 1');
  }
}
