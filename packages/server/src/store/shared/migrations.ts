import type { SchemaTypes } from './sql.js';

/** One forward-only step of the schema; `only` for a table one dialect alone has. */
interface Migration {
  only?: 'postgres';
  ddl: (t: SchemaTypes) => string;
}

// The schema of both stores, written once with each dialect's type names (PostgreSQL: `json`,
// not `jsonb`, so metadata keeps its key order and comes back exactly as SQLite returns it).
// Append only: a database's version is its position in its dialect's list (PostgreSQL has the
// rate limit's table at 9, so its later versions are one more than SQLite's).
const MIGRATIONS: Migration[] = [
  {
    ddl: (t) => `CREATE TABLE apps (
     slug ${t.text} PRIMARY KEY,
     key_prefix ${t.text} NOT NULL,
     created_at ${t.timestamp} NOT NULL
   )${t.strict}`,
  },
  {
    ddl: (t) => `CREATE TABLE api_keys (
     id ${t.uuid} PRIMARY KEY,
     app_slug ${t.text} NOT NULL REFERENCES apps(slug),
     name ${t.text} NOT NULL,
     key_prefix ${t.text} NOT NULL,
     key_suffix ${t.text} NOT NULL,
     secret_hash ${t.text} NOT NULL,
     hash_scheme ${t.text} NOT NULL,
     permissions ${t.json} NOT NULL,
     metadata ${t.json} NOT NULL,
     owner ${t.text},
     environment ${t.text},
     expires_at ${t.timestamp},
     created_at ${t.timestamp} NOT NULL
   )${t.strict}`,
  },
  { ddl: () => `CREATE UNIQUE INDEX api_keys_secret_hash ON api_keys(secret_hash)` },
  { ddl: () => `CREATE INDEX api_keys_app_slug ON api_keys(app_slug, created_at)` },
  // No foreign keys on rotated_from/rotated_to: keys are never deleted, and a rotation of a
  // missing key must resolve undefined rather than fail on its successor's insert.
  {
    ddl: (t) => `ALTER TABLE api_keys ADD COLUMN revoked_at ${t.timestamp};
   ALTER TABLE api_keys ADD COLUMN revocation_reason ${t.text};
   ALTER TABLE api_keys ADD COLUMN last_used_at ${t.timestamp};
   ALTER TABLE api_keys ADD COLUMN rotated_from ${t.uuid};
   ALTER TABLE api_keys ADD COLUMN rotated_to ${t.uuid}`,
  },
  // Serves listKeys' order and its keyset seek; the index it replaces lacks the id tie-break.
  {
    ddl: () => `DROP INDEX api_keys_app_slug;
   CREATE INDEX api_keys_app_slug_created_at_id ON api_keys(app_slug, created_at DESC, id DESC)`,
  },
  {
    ddl: (t) => `CREATE TABLE server_secrets (
     name ${t.text} PRIMARY KEY,
     value ${t.bytes} NOT NULL
   )${t.strict}`,
  },
  {
    ddl: (t) => `CREATE TABLE idempotency_records (
     id ${t.text} PRIMARY KEY,
     fingerprint ${t.text} NOT NULL,
     state ${t.text} NOT NULL CHECK (state IN ('running', 'done')),
     response ${t.bytes},
     started_at ${t.timestamp} NOT NULL,
     expires_at ${t.timestamp} NOT NULL
   )${t.strict};
   CREATE INDEX idempotency_records_expires_at ON idempotency_records(expires_at)`,
  },
  // The rate limit shared by the instances (store/postgres/postgresRateLimiter.ts): one row per
  // token hash, the start of its current window in epoch milliseconds and the requests counted in it.
  {
    only: 'postgres',
    ddl: (t) => `CREATE TABLE rate_limit_windows (
     key ${t.text} PRIMARY KEY,
     window_start ${t.bigint} NOT NULL,
     hits ${t.integer} NOT NULL
   )`,
  },
  {
    ddl: (t) => `CREATE TABLE service_tokens (
     name ${t.text} PRIMARY KEY,
     scopes ${t.json} NOT NULL,
     token_hash ${t.text} NOT NULL UNIQUE,
     hash_scheme ${t.text} NOT NULL,
     created_at ${t.timestamp} NOT NULL,
     revoked_at ${t.timestamp}
   )${t.strict}`,
  },
  // Service token events have no app or key; the indexes serve listAuditEvents' order and seek.
  {
    ddl: (t) => `CREATE TABLE audit_events (
     id ${t.uuid} PRIMARY KEY,
     occurred_at ${t.timestamp} NOT NULL,
     action ${t.text} NOT NULL,
     actor ${t.text} NOT NULL,
     operation ${t.text} NOT NULL,
     request_id ${t.text},
     app_slug ${t.text},
     key_id ${t.uuid},
     token_name ${t.text},
     changes ${t.json} NOT NULL
   )${t.strict};
   CREATE INDEX audit_events_app ON audit_events(app_slug, occurred_at DESC, id DESC);
   CREATE INDEX audit_events_key ON audit_events(app_slug, key_id, occurred_at DESC, id DESC)`,
  },
  // Apps get a name for views; app and service token events (no key_id) get the index that
  // serves the workspace's trail (listWorkspaceAuditEvents), partial so that key events cost it nothing.
  {
    ddl: (t) => `ALTER TABLE apps ADD COLUMN display_name ${t.text};
   CREATE INDEX audit_events_workspace ON audit_events(occurred_at DESC, id DESC) WHERE key_id IS NULL`,
  },
  // Credits (usage limits): one balance per rotation lineage. A key's usage_id is its own id, or
  // for a rotation's successor its predecessor's, so that both spend from one balance in the
  // grace period; keys without credits have no balance row.
  {
    ddl: (t) => `ALTER TABLE api_keys ADD COLUMN usage_id ${t.uuid};
   UPDATE api_keys SET usage_id = id;
   CREATE TABLE key_credits (
     usage_id ${t.uuid} PRIMARY KEY,
     credits_remaining ${t.bigint} NOT NULL CHECK (credits_remaining >= 0),
     refill_interval ${t.text} CHECK (refill_interval IN ('daily', 'monthly')),
     refill_amount ${t.bigint},
     refill_day ${t.integer},
     refilled_at ${t.timestamp}
   )${t.strict}`,
  },
  // Rate limits (usage limits): one list per rotation lineage, as credits are, for both keys of a
  // grace period to count in the same windows; keys without limits have no row.
  {
    ddl: (t) => `CREATE TABLE key_ratelimits (
     usage_id ${t.uuid} PRIMARY KEY,
     ratelimits ${t.json} NOT NULL
   )${t.strict}`,
  },
  // Their windows, on PostgreSQL only: SQLite's are in the memory of the one process serving it.
  // One row per lineage and limit, the current window's: a new window overwrites the last.
  {
    only: 'postgres',
    ddl: (t) => `CREATE TABLE key_ratelimit_windows (
     usage_id ${t.uuid} NOT NULL,
     name ${t.text} NOT NULL,
     duration_ms ${t.bigint} NOT NULL,
     window_start ${t.bigint} NOT NULL,
     hits ${t.bigint} NOT NULL,
     PRIMARY KEY (usage_id, name)
   )`,
  },
  // Webhooks: an app's endpoints (their secrets sealed, never in plain text); the outbox, an event
  // written in the transaction of the change it reports and deleted once fanned out to the
  // endpoints subscribed to it; and a delivery per event and endpoint, due at next_attempt_at.
  {
    ddl: (t) => `CREATE TABLE webhook_endpoints (
     id ${t.uuid} PRIMARY KEY,
     app_slug ${t.text} NOT NULL,
     url ${t.text} NOT NULL,
     description ${t.text},
     events ${t.json} NOT NULL,
     enabled ${t.integer} NOT NULL,
     disabled_reason ${t.text},
     secret ${t.bytes} NOT NULL,
     previous_secret ${t.bytes},
     previous_secret_expires_at ${t.timestamp},
     created_at ${t.timestamp} NOT NULL,
     updated_at ${t.timestamp} NOT NULL
   )${t.strict};
   CREATE INDEX webhook_endpoints_app ON webhook_endpoints(app_slug, created_at, id);
   CREATE TABLE webhook_events (
     id ${t.uuid} PRIMARY KEY,
     app_slug ${t.text} NOT NULL,
     type ${t.text} NOT NULL,
     body ${t.json} NOT NULL,
     occurred_at ${t.timestamp} NOT NULL
   )${t.strict};
   CREATE TABLE webhook_deliveries (
     id ${t.uuid} PRIMARY KEY,
     endpoint_id ${t.uuid} NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
     event_id ${t.uuid} NOT NULL,
     event_type ${t.text} NOT NULL,
     body ${t.json} NOT NULL,
     status ${t.text} NOT NULL,
     attempts ${t.integer} NOT NULL,
     created_at ${t.timestamp} NOT NULL,
     next_attempt_at ${t.timestamp},
     last_attempt_at ${t.timestamp},
     last_status ${t.integer},
     last_error ${t.text},
     lease_id ${t.uuid},
     UNIQUE (endpoint_id, event_id)
   )${t.strict};
   CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
   CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, created_at DESC, id DESC)`,
  },
];

/** The dialect's migrations in order: version n is the n-th. */
export const migrationsFor = (kind: 'sqlite' | 'postgres', types: SchemaTypes): string[] =>
  MIGRATIONS.filter((migration) => migration.only === undefined || migration.only === kind).map((migration) =>
    migration.ddl(types),
  );

export const migrationsTable = (t: SchemaTypes) =>
  `CREATE TABLE IF NOT EXISTS schema_migrations (version ${t.integer} PRIMARY KEY, applied_at ${t.timestamp} NOT NULL)${t.strict}`;
