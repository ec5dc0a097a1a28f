import type { KeyStatusFilter } from '../keyStore.js';

// The statements both dialects run: `@name` parameters, `::type` casts for PostgreSQL (dropped
// for SQLite). See sql.ts.

export const KEY_COLUMNS = `id, app_slug, name, key_prefix, key_suffix, permissions, metadata, owner, environment, expires_at, created_at,
  revoked_at, revocation_reason, last_used_at, rotated_from, rotated_to,
  usage_id, credits_remaining, refill_interval, refill_amount, refill_day, refilled_at, ratelimits`;

/** Keys with their lineage's balance and rate limits, if it has them: what KEY_COLUMNS are selected from. */
export const KEYS = 'api_keys LEFT JOIN key_credits USING (usage_id) LEFT JOIN key_ratelimits USING (usage_id)';

export const INSERT_KEY = `INSERT INTO api_keys (id, app_slug, name, key_prefix, key_suffix, secret_hash, hash_scheme, permissions, metadata, owner, environment,
    expires_at, created_at, revoked_at, revocation_reason, last_used_at, rotated_from, rotated_to, usage_id)
  VALUES (@id, @app_slug, @name, @key_prefix, @key_suffix, @secret_hash, @hash_scheme, @permissions, @metadata, @owner, @environment,
    @expires_at, @created_at, @revoked_at, @revocation_reason, @last_used_at, @rotated_from, @rotated_to, @usage_id)`;

const CREDIT_COLUMNS = 'usage_id, credits_remaining, refill_interval, refill_amount, refill_day, refilled_at';
const CREDIT_VALUES = `@usage_id::uuid, @credits_remaining::bigint, @refill_interval::text, @refill_amount::bigint, @refill_day::integer,
    @refilled_at::timestamptz`;

/** A balance, set whole (createApiKey's, or updateApiKey's replacing the lineage's). */
export const SET_CREDITS = `INSERT INTO key_credits (${CREDIT_COLUMNS}) VALUES (${CREDIT_VALUES})
  ON CONFLICT (usage_id) DO UPDATE SET credits_remaining = excluded.credits_remaining, refill_interval = excluded.refill_interval,
    refill_amount = excluded.refill_amount, refill_day = excluded.refill_day, refilled_at = excluded.refilled_at`;

/** A new key's balance, from its own parameters (as INSERT_KEY's `credits_` ones): nothing for a key without credits. */
export const INSERT_CREDITS = `INSERT INTO key_credits (${CREDIT_COLUMNS}) SELECT ${CREDIT_VALUES} WHERE @credits_remaining::bigint IS NOT NULL`;

export const DELETE_CREDITS = 'DELETE FROM key_credits WHERE usage_id = @usage_id';

/** A lineage's rate limits, set whole (createApiKey's, or updateApiKey's replacing the list); none: no row. */
export const SET_RATELIMITS = `INSERT INTO key_ratelimits (usage_id, ratelimits) VALUES (@usage_id::uuid, @ratelimits::json)
  ON CONFLICT (usage_id) DO UPDATE SET ratelimits = excluded.ratelimits`;

/** A new key's rate limits, from its own parameters: nothing for a key without any (`@ratelimits` null). */
export const INSERT_RATELIMITS = `INSERT INTO key_ratelimits (usage_id, ratelimits)
  SELECT @usage_id::uuid, @ratelimits::json WHERE @ratelimits::json IS NOT NULL`;

export const DELETE_RATELIMITS = 'DELETE FROM key_ratelimits WHERE usage_id = @usage_id';

/** The other keys of a lineage still verifying as of @now: they share its balance and limits, so a change to those is theirs too. */
export const LINEAGE_KEYS = `SELECT id FROM api_keys WHERE usage_id = @usage_id::uuid AND id <> @id::uuid
  AND (revoked_at IS NULL OR revoked_at > @now::timestamptz)`;

// The balance as of @period_start, the start of the refill interval now is in (null without a
// refill): refilled to its amount when that interval began after the last refill.
const CURRENT = `CASE WHEN @period_start::timestamptz > refilled_at THEN refill_amount ELSE credits_remaining END`;

/**
 * Spends @cost when that many are left, refilling first if an interval has begun: one statement,
 * so that concurrent spends (other instances' included) are serialised by the row and none
 * overdraws. @period_start was worked out from the refill the caller read (@refill_interval,
 * @refill_day): the row must still refill that way. No row: not enough left, the refill changed
 * meanwhile, or the balance is gone (FIND_CREDITS tells which).
 */
export const SPEND_CREDITS = `UPDATE key_credits SET credits_remaining = ${CURRENT} - @cost::bigint,
    refilled_at = CASE WHEN @period_start::timestamptz > refilled_at THEN @period_start::timestamptz ELSE refilled_at END
  WHERE usage_id = @usage_id::uuid AND ${CURRENT} >= @cost::bigint
    AND refill_interval IS NOT DISTINCT FROM @refill_interval::text AND refill_day IS NOT DISTINCT FROM @refill_day::integer
  RETURNING credits_remaining`;

/** A lineage's balance as stored, for a spend that changed nothing. */
export const FIND_CREDITS = `SELECT ${CREDIT_COLUMNS} FROM key_credits WHERE usage_id = @usage_id::uuid`;

export const AUDIT_COLUMNS =
  'id, occurred_at, action, actor, operation, request_id, app_slug, key_id, token_name, changes';

/** An audit event's values, typed, so that they also serve as a SELECT list (which cannot infer types). */
export const AUDIT_VALUES = `@event_id::uuid, @event_occurred_at::timestamptz, @event_action::text, @event_actor::text,
    @event_operation::text, @event_request_id::text, @event_app_slug::text, @event_key_id::uuid, @event_token_name::text,
    @event_changes::json`;

export const INSERT_AUDIT_EVENT = `INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES (${AUDIT_VALUES})`;

export const FIND_KEY = `SELECT ${KEY_COLUMNS} FROM ${KEYS} WHERE app_slug = @app_slug AND id = @id`;

export const FIND_KEY_BY_SECRET_HASH = `SELECT ${KEY_COLUMNS}, secret_hash, hash_scheme FROM ${KEYS} WHERE secret_hash = @secret_hash`;

const NOT_REVOKED = '(revoked_at IS NULL OR revoked_at > @now::timestamptz)';

/** A listing's status filter as of @now. */
export const STATUS_CONDITIONS: Record<KeyStatusFilter, string | undefined> = {
  all: undefined,
  revoked: 'revoked_at <= @now::timestamptz',
  expired: `${NOT_REVOKED} AND expires_at <= @now::timestamptz`,
  active: `${NOT_REVOKED} AND (expires_at IS NULL OR expires_at > @now::timestamptz)`,
};

// One statement for any set of changes: each @set_<field> flag (1 or 0) says whether that field is given.
export const UPDATE_KEY = `UPDATE api_keys SET
    name = CASE WHEN @set_name::boolean THEN @name::text ELSE name END,
    permissions = CASE WHEN @set_permissions::boolean THEN @permissions::json ELSE permissions END,
    metadata = CASE WHEN @set_metadata::boolean THEN @metadata::json ELSE metadata END,
    owner = CASE WHEN @set_owner::boolean THEN @owner::text ELSE owner END,
    environment = CASE WHEN @set_environment::boolean THEN @environment::text ELSE environment END,
    expires_at = CASE WHEN @set_expires_at::boolean THEN @expires_at::timestamptz ELSE expires_at END
  WHERE app_slug = @app_slug AND id = @id AND ${NOT_REVOKED}
  RETURNING id`;

// A key revoked in a rotation's grace period keeps its reason ('rotated') unless a new one is given.
export const REVOKE_KEY = `UPDATE api_keys SET revoked_at = @now::timestamptz, revocation_reason = COALESCE(@reason::text, revocation_reason)
  WHERE app_slug = @app_slug AND id = @id AND ${NOT_REVOKED}
  RETURNING id`;

export const MARK_ROTATED = `UPDATE api_keys SET rotated_to = @successor_id::uuid, revoked_at = @revoke_at::timestamptz, revocation_reason = 'rotated'
  WHERE app_slug = @app_slug AND id = @id AND revoked_at IS NULL AND rotated_to IS NULL AND (expires_at IS NULL OR expires_at > @now::timestamptz)
  RETURNING id`;

/** A rotation's successor spends from its predecessor's balance (and counts in its windows). */
export const SHARE_USAGE = `UPDATE api_keys SET usage_id = (SELECT usage_id FROM api_keys WHERE id = @id::uuid) WHERE id = @successor_id::uuid`;

export const APP_COLUMNS = 'slug, key_prefix, display_name, created_at';

// As UPDATE_KEY: each @set_<field> flag says whether that field is given.
export const UPDATE_APP = `UPDATE apps SET
    display_name = CASE WHEN @set_display_name::boolean THEN @display_name::text ELSE display_name END,
    key_prefix = CASE WHEN @set_key_prefix::boolean THEN @key_prefix::text ELSE key_prefix END
  WHERE slug = @slug
  RETURNING ${APP_COLUMNS}`;

export const SERVICE_TOKEN_COLUMNS = 'name, scopes, token_hash, hash_scheme, created_at, revoked_at';

export const INSERT_SERVICE_TOKEN = `INSERT INTO service_tokens (${SERVICE_TOKEN_COLUMNS})
  VALUES (@name, @scopes, @token_hash, @hash_scheme, @created_at, @revoked_at) RETURNING name`;

export const REVOKE_SERVICE_TOKEN = `UPDATE service_tokens SET revoked_at = @now::timestamptz WHERE name = @name AND revoked_at IS NULL
  RETURNING ${SERVICE_TOKEN_COLUMNS}`;

// An expired record, or one left running by a process that died, no longer holds the key.
export const DELETE_LAPSED_CLAIM = `DELETE FROM idempotency_records
  WHERE id = @id AND (expires_at <= @now::timestamptz OR (state = 'running' AND started_at <= @stale::timestamptz))`;

// Of two instances inserting the same id, the second waits for the first to commit and inserts nothing.
export const INSERT_CLAIM = `INSERT INTO idempotency_records (id, fingerprint, state, started_at, expires_at)
  VALUES (@id, @fingerprint, 'running', @now, @expires_at) ON CONFLICT (id) DO NOTHING`;
