import { randomUUID } from 'node:crypto';
import type { TimeOrderedIds } from '../../keys/timeOrderedIds.js';
import type {
  AuditContext,
  StoredWebhookEndpoint,
  WebhookDeliveryRecord,
  WebhookEndpointChanges,
  WebhookEndpointRecord,
} from '../../keys/types.js';
import type { WebhookEvent } from '../../keys/webhookEvents.js';
import { webhookEndpointEvent } from '../auditEvents.js';
import type { ClaimedDelivery, WebhookAttempt, WebhookDeliveryQuery } from '../keyStore.js';
import { auditParams, storedTime } from './rows.js';
import { type SqlDialect, step, type Work } from './sql.js';
import { INSERT_AUDIT_EVENT } from './statements.js';

// The webhooks' statements and transactions, written once for both dialects as the keys' are
// (sqlKeyStore.ts runs them). The outbox: a key change writes its event (INSERT_WEBHOOK_EVENT) in
// its own transaction; fanOut() turns each into a delivery per subscribed endpoint and deletes
// it; claim() leases due deliveries to one instance at a time (SKIP LOCKED on PostgreSQL).

const ENDPOINT_COLUMNS = `id, app_slug, url, description, events, enabled, disabled_reason, secret, previous_secret,
  previous_secret_expires_at, created_at, updated_at`;
const DELIVERY_COLUMNS = `id, endpoint_id, event_id, event_type, status, attempts, created_at, last_attempt_at, last_status,
  last_error, next_attempt_at`;

/** An event, with its body as each endpoint receives it: written in the transaction of its change. */
export const INSERT_WEBHOOK_EVENT = `INSERT INTO webhook_events (id, app_slug, type, body, occurred_at)
  VALUES (@webhook_event_id::uuid, @webhook_app_slug::text, @webhook_type::text, @webhook_body::json, @webhook_occurred_at::timestamptz)`;

/** INSERT_WEBHOOK_EVENT's parameters (`webhook_` names: they may share a statement with a key's). */
export const webhookEventParams = (event: WebhookEvent) => ({
  webhook_event_id: event.id,
  webhook_app_slug: event.appSlug,
  webhook_type: event.type,
  webhook_body: event.body,
  webhook_occurred_at: storedTime(event.occurredAt),
});

interface EndpointRow {
  id: string;
  app_slug: string;
  url: string;
  description: string | null;
  events: string;
  enabled: number;
  disabled_reason: string | null;
  secret: Buffer;
  previous_secret: Buffer | null;
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: WebhookDeliveryRecord['event_type'];
  status: WebhookDeliveryRecord['status'];
  attempts: number;
  created_at: string;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
}

const toEndpoint = (row: EndpointRow): WebhookEndpointRecord => ({
  id: row.id,
  app_slug: row.app_slug,
  url: row.url,
  description: row.description,
  events: JSON.parse(row.events) as WebhookEndpointRecord['events'],
  enabled: Boolean(row.enabled),
  disabled_reason: row.disabled_reason,
  previous_secret_expires_at: row.previous_secret_expires_at,
  created_at: row.created_at,
  updated_at: row.updated_at,
});

const toStored = (row: EndpointRow): StoredWebhookEndpoint => ({
  endpoint: toEndpoint(row),
  secret: row.secret,
  previousSecret: row.previous_secret,
});

const toDelivery = (row: DeliveryRow): WebhookDeliveryRecord => ({
  id: row.id,
  endpoint_id: row.endpoint_id,
  event_id: row.event_id,
  event_type: row.event_type,
  status: row.status,
  attempts: row.attempts,
  created_at: row.created_at,
  last_attempt_at: row.last_attempt_at,
  last_status: row.last_status,
  last_error: row.last_error,
  // Shown only while one is to come: a leased delivery's is its lease's end, not an attempt.
  next_attempt_at: row.status === 'pending' ? row.next_attempt_at : null,
});

const endpointParams = ({ endpoint, secret, previousSecret }: StoredWebhookEndpoint) => ({
  id: endpoint.id,
  app_slug: endpoint.app_slug,
  url: endpoint.url,
  description: endpoint.description,
  events: JSON.stringify(endpoint.events),
  enabled: endpoint.enabled ? 1 : 0,
  disabled_reason: endpoint.disabled_reason,
  secret,
  previous_secret: previousSecret,
  previous_secret_expires_at: storedTime(endpoint.previous_secret_expires_at),
  created_at: storedTime(endpoint.created_at),
  updated_at: storedTime(endpoint.updated_at),
});

const FIND_ENDPOINT = `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE app_slug = @app_slug AND id = @id::uuid`;

/** The webhooks half of the store, over the dialect the keys' half runs on. */
export class SqlWebhooks {
  constructor(
    private readonly sql: SqlDialect,
    private readonly auditIds: TimeOrderedIds,
  ) {}

  /** Adds the endpoint with its `webhook_endpoint_added` event, unless the app has `maxPerApp` already (false). */
  addEndpoint(stored: StoredWebhookEndpoint, maxPerApp: number, audit: AuditContext): Promise<boolean> {
    const { sql, auditIds } = this;
    return sql.transaction(
      (function* () {
        // The app's row, locked: two adds at once cannot both be the 20th.
        const app = yield* step.get(`SELECT slug FROM apps WHERE slug = @slug${sql.lockRows}`, {
          slug: stored.endpoint.app_slug,
        });
        const count = yield* step.get<{ n: number | string }>(
          'SELECT count(*) AS n FROM webhook_endpoints WHERE app_slug = @app_slug',
          { app_slug: stored.endpoint.app_slug },
        );
        if (!app || Number(count?.n ?? 0) >= maxPerApp) {
          return { value: false, commit: false };
        }
        yield* step.run(
          `INSERT INTO webhook_endpoints (${ENDPOINT_COLUMNS}) VALUES (@id, @app_slug, @url, @description, @events, @enabled,
            @disabled_reason, @secret, @previous_secret, @previous_secret_expires_at, @created_at, @updated_at)`,
          endpointParams(stored),
        );
        const event = webhookEndpointEvent(
          auditIds,
          'webhook_endpoint_added',
          null,
          stored.endpoint,
          audit,
          stored.endpoint.created_at,
        );
        yield* step.run(INSERT_AUDIT_EVENT, auditParams(event));
        return { value: true, commit: true };
      })(),
    );
  }

  async endpoints(appSlug: string): Promise<WebhookEndpointRecord[]> {
    const rows = await this.sql.all<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE app_slug = @app_slug ORDER BY created_at, id`,
      { app_slug: appSlug },
    );
    return rows.map(toEndpoint);
  }

  async findEndpoint(appSlug: string, id: string): Promise<StoredWebhookEndpoint | undefined> {
    const row = await this.sql.get<EndpointRow>(FIND_ENDPOINT, { app_slug: appSlug, id });
    return row && toStored(row);
  }

  /** Applies `changes` (a new secret keeps the current one as the previous), with its event; undefined when there is no such endpoint. */
  changeEndpoint(
    appSlug: string,
    id: string,
    changes: WebhookEndpointChanges,
    now: Date,
    audit: AuditContext,
  ): Promise<WebhookEndpointRecord | undefined> {
    const { sql, auditIds } = this;
    return sql.transaction(
      (function* () {
        const row = yield* step.get<EndpointRow>(`${FIND_ENDPOINT}${sql.lockRows}`, { app_slug: appSlug, id });
        if (!row) {
          return { value: undefined, commit: false };
        }
        const before = toStored(row);
        const { secret, ...fields } = changes;
        const endpoint: WebhookEndpointRecord = {
          ...before.endpoint,
          ...fields,
          // Enabled by a caller: no longer disabled for a reason of the service's.
          disabled_reason: changes.enabled === true ? null : before.endpoint.disabled_reason,
          previous_secret_expires_at: secret ? secret.previousExpiresAt : before.endpoint.previous_secret_expires_at,
          updated_at: now.toISOString(),
        };
        const after: StoredWebhookEndpoint = secret
          ? { endpoint, secret: secret.sealed, previousSecret: secret.previousExpiresAt ? before.secret : null }
          : { ...before, endpoint };
        yield* step.run(
          `UPDATE webhook_endpoints SET url = @url, description = @description, events = @events, enabled = @enabled,
            disabled_reason = @disabled_reason, secret = @secret, previous_secret = @previous_secret,
            previous_secret_expires_at = @previous_secret_expires_at, updated_at = @updated_at
          WHERE id = @id`,
          endpointParams(after),
        );
        const action = secret ? 'webhook_secret_rotated' : 'webhook_endpoint_updated';
        const event = webhookEndpointEvent(auditIds, action, before.endpoint, endpoint, audit, endpoint.updated_at);
        // An update that changes nothing writes no event (the id alone is no change).
        if (secret || event.changes.length > 1) {
          yield* step.run(INSERT_AUDIT_EVENT, auditParams(event));
        }
        return { value: endpoint, commit: true };
      })(),
    );
  }

  /** Deletes the endpoint and its deliveries, with its event; undefined when there is no such endpoint. */
  removeEndpoint(
    appSlug: string,
    id: string,
    now: Date,
    audit: AuditContext,
  ): Promise<WebhookEndpointRecord | undefined> {
    const { sql, auditIds } = this;
    return sql.transaction(
      (function* () {
        const row = yield* step.get<EndpointRow>(`${FIND_ENDPOINT}${sql.lockRows}`, { app_slug: appSlug, id });
        if (!row) {
          return { value: undefined, commit: false };
        }
        yield* step.run('DELETE FROM webhook_deliveries WHERE endpoint_id = @id', { id });
        yield* step.run('DELETE FROM webhook_endpoints WHERE id = @id', { id });
        const endpoint = toEndpoint(row);
        const event = webhookEndpointEvent(
          auditIds,
          'webhook_endpoint_deleted',
          endpoint,
          null,
          audit,
          now.toISOString(),
        );
        yield* step.run(INSERT_AUDIT_EVENT, auditParams(event));
        return { value: endpoint, commit: true };
      })(),
    );
  }

  /** Within removeApp's transaction: the app's endpoints and their deliveries go with it. */
  *removeAppEndpoints(appSlug: string): Work<void> {
    yield* step.run(
      'DELETE FROM webhook_deliveries WHERE endpoint_id IN (SELECT id FROM webhook_endpoints WHERE app_slug = @app_slug)',
      { app_slug: appSlug },
    );
    yield* step.run('DELETE FROM webhook_endpoints WHERE app_slug = @app_slug', { app_slug: appSlug });
  }

  async deliveries({ endpointId, status, after, limit }: WebhookDeliveryQuery): Promise<WebhookDeliveryRecord[]> {
    const conditions = ['endpoint_id = @endpoint_id::uuid'];
    const params: Record<string, string | number> = { endpoint_id: endpointId, limit };
    if (status) {
      conditions.push('status = @status');
      params.status = status;
    }
    if (after) {
      conditions.push('(created_at, id) < (@after_created_at::timestamptz, @after_id::uuid)');
      params.after_created_at = storedTime(after.createdAt);
      params.after_id = after.id;
    }
    const rows = await this.sql.all<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE ${conditions.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT @limit`,
      params,
    );
    return rows.map(toDelivery);
  }

  /**
   * Turns up to `limit` events of the outbox into a delivery for each enabled endpoint of their
   * app subscribed to them, and deletes them, in one transaction: each event is fanned out once,
   * by one instance (SKIP LOCKED). Resolves to how many events it took.
   */
  fanOut(now: Date, limit: number): Promise<number> {
    const { sql } = this;
    return sql.transaction(
      (function* () {
        const events = yield* step.all<{ id: string; app_slug: string; type: string; body: string }>(
          `SELECT id, app_slug, type, body FROM webhook_events ORDER BY id LIMIT @limit${sql.skipLockedRows}`,
          { limit },
        );
        const endpointsOf = new Map<string, { id: string; events: string }[]>();
        for (const event of events) {
          let endpoints = endpointsOf.get(event.app_slug);
          if (!endpoints) {
            endpoints = yield* step.all<{ id: string; events: string }>(
              'SELECT id, events FROM webhook_endpoints WHERE app_slug = @app_slug AND enabled = 1',
              { app_slug: event.app_slug },
            );
            endpointsOf.set(event.app_slug, endpoints);
          }
          for (const endpoint of endpoints) {
            if ((JSON.parse(endpoint.events) as string[]).includes(event.type)) {
              yield* step.run(
                `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, body, status, attempts, created_at,
                   next_attempt_at)
                 VALUES (@id::uuid, @endpoint_id::uuid, @event_id::uuid, @event_type, @body::json, 'pending', 0,
                   @now::timestamptz, @now::timestamptz)
                 ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
                {
                  id: randomUUID(),
                  endpoint_id: endpoint.id,
                  event_id: event.id,
                  event_type: event.type,
                  body: event.body,
                  now: now.toISOString(),
                },
              );
            }
          }
          yield* step.run('DELETE FROM webhook_events WHERE id = @id::uuid', { id: event.id });
        }
        return { value: events.length, commit: true };
      })(),
    );
  }

  /**
   * Leases up to `limit` due deliveries to this instance until now + `leaseMs`: another instance
   * passes over them, and should this one die, they are due again when the lease ends.
   */
  claim(now: Date, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    const { sql } = this;
    const leaseId = randomUUID();
    return sql.transaction(
      (function* () {
        const due = yield* step.all<{ id: string }>(
          `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= @now::timestamptz
             AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE enabled = 1)
           ORDER BY next_attempt_at LIMIT @limit${sql.skipLockedRows}`,
          { now: now.toISOString(), limit },
        );
        const rows: (DeliveryRow & EndpointFields)[] = [];
        for (const { id } of due) {
          yield* step.run(
            `UPDATE webhook_deliveries SET next_attempt_at = @lease_until::timestamptz, lease_id = @lease_id::uuid WHERE id = @id::uuid`,
            { id, lease_id: leaseId, lease_until: new Date(now.getTime() + leaseMs).toISOString() },
          );
          const row = yield* step.get<DeliveryRow & EndpointFields>(
            `SELECT d.id, d.endpoint_id, d.event_id, d.event_type, d.status, d.attempts, d.created_at, d.last_attempt_at,
               d.last_status, d.last_error, d.next_attempt_at, d.body, e.url, e.app_slug, e.secret, e.previous_secret,
               e.previous_secret_expires_at
             FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = @id::uuid`,
            { id },
          );
          if (row) {
            rows.push(row);
          }
        }
        const claimed = rows.map((row) => ({
          delivery: toDelivery(row),
          leaseId,
          body: row.body,
          url: row.url,
          appSlug: row.app_slug,
          secrets:
            row.previous_secret &&
            row.previous_secret_expires_at &&
            Date.parse(row.previous_secret_expires_at) > now.getTime()
              ? [row.secret, row.previous_secret]
              : [row.secret],
        }));
        return { value: claimed, commit: true };
      })(),
    );
  }

  /** What attempts came to, in one transaction, but those another instance has taken over since (their leases lapsed). */
  recordAttempts(attempts: readonly WebhookAttempt[]): Promise<void> {
    return this.sql.transaction(
      (function* () {
        for (const attempt of attempts) {
          const recorded = yield* step.get<{ endpoint_id: string }>(
            `UPDATE webhook_deliveries SET status = @status, attempts = attempts + 1, last_attempt_at = @at::timestamptz,
               last_status = @last_status::integer, last_error = @last_error, next_attempt_at = @next_attempt_at::timestamptz,
               lease_id = NULL
             WHERE id = @id::uuid AND lease_id = @lease_id::uuid RETURNING endpoint_id`,
            {
              id: attempt.deliveryId,
              lease_id: attempt.leaseId,
              status: attempt.status,
              at: attempt.at.toISOString(),
              last_status: attempt.lastStatus,
              last_error: attempt.lastError,
              next_attempt_at: attempt.nextAttemptAt?.toISOString() ?? null,
            },
          );
          if (recorded && attempt.disableEndpoint) {
            yield* step.run(
              `UPDATE webhook_endpoints SET enabled = 0, disabled_reason = @reason, updated_at = @at::timestamptz
               WHERE id = @id::uuid AND enabled = 1`,
              { id: recorded.endpoint_id, reason: attempt.disableEndpoint, at: attempt.at.toISOString() },
            );
          }
        }
        return { value: undefined, commit: true };
      })(),
    );
  }
}

interface EndpointFields {
  body: string;
  url: string;
  app_slug: string;
  secret: Buffer;
  previous_secret: Buffer | null;
  previous_secret_expires_at: string | null;
}
