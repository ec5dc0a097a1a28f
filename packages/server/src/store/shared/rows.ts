import type { AuditEvent } from '@apikeys/types';
import { type CreditBalance, type CreditRefill, creditsAt } from '../../keys/credits.js';
import type { App, KeyRecord, ServiceTokenRecord, StoredKey, StoredServiceToken } from '../../keys/types.js';
import type { AuditRecord } from '../auditEvents.js';
import type { IdempotencyRecord } from '../idempotencyStore.js';

/**
 * Rows as both dialects return them, and the parameters both take. Timestamps are stored as
 * toISOString() text in SQLite (in that one form, comparing and ordering the text compares the
 * instants, as PostgreSQL's timestamptz does) and come back from PostgreSQL in the same form.
 */
export interface KeyRow {
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
  usage_id: string;
  /** The balance's columns (key_credits), null for a key without credits; PostgreSQL answers a bigint as text. */
  credits_remaining: number | string | null;
  refill_interval: CreditRefill['interval'] | null;
  refill_amount: number | string | null;
  refill_day: number | null;
  refilled_at: string | null;
  /** The lineage's rate limits (key_ratelimits) as JSON, null for a key without any. */
  ratelimits: string | null;
}

export interface StoredKeyRow extends KeyRow {
  secret_hash: string;
  hash_scheme: StoredKey['hashScheme'];
}

export interface AppRow {
  slug: string;
  key_prefix: string;
  display_name: string | null;
  created_at: string;
}

export interface AuditEventRow {
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

export interface ServiceTokenRow {
  name: string;
  scopes: string;
  token_hash: string;
  hash_scheme: StoredServiceToken['hashScheme'];
  created_at: string;
  revoked_at: string | null;
}

export interface IdempotencyRow {
  fingerprint: string;
  state: 'running' | 'done';
  response: Buffer | null;
}

/** A time as stored: toISOString() text, so milliseconds and no more, whatever the input's form. */
export function storedTime(value: string): string;
export function storedTime(value: string | null): string | null;
export function storedTime(value: string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

export const toApp = (row: AppRow): App => ({
  slug: row.slug,
  keyPrefix: row.key_prefix,
  displayName: row.display_name,
  createdAt: row.created_at,
});

/** A workspace event's row (no key): the columns listWorkspaceAuditEvents reads. */
export interface WorkspaceAuditEventRow {
  id: string;
  occurred_at: string;
  action: AuditRecord['action'];
  actor: string;
  operation: string;
  request_id: string | null;
  app_slug: string | null;
  token_name: string | null;
  changes: string;
}

export const toAuditRecord = (row: WorkspaceAuditEventRow): AuditRecord => ({
  id: row.id,
  occurredAt: row.occurred_at,
  action: row.action,
  actor: row.actor,
  operation: row.operation,
  requestId: row.request_id,
  appSlug: row.app_slug,
  keyId: null,
  tokenName: row.token_name,
  changes: JSON.parse(row.changes) as AuditRecord['changes'],
});

/** A balance's columns (key_credits), as a key's row has them too. */
export type CreditRow = Pick<
  KeyRow,
  'credits_remaining' | 'refill_interval' | 'refill_amount' | 'refill_day' | 'refilled_at'
>;

/** A key's balance as stored, or null for a key without credits. */
export const toCreditBalance = (row: CreditRow): CreditBalance | null =>
  row.credits_remaining === null
    ? null
    : {
        remaining: Number(row.credits_remaining),
        refill:
          row.refill_interval === null
            ? null
            : { interval: row.refill_interval, amount: Number(row.refill_amount), refill_day: row.refill_day },
        refilledAt: row.refilled_at,
      };

/** The key's record, its credits as of `at` (a refill due since the last spend counted). */
export const toKeyRecord = (row: KeyRow, at: Date = new Date()): KeyRecord => ({
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
  credits: creditsOf(row, at),
  ratelimits: row.ratelimits === null ? [] : (JSON.parse(row.ratelimits) as KeyRecord['ratelimits']),
});

const creditsOf = (row: KeyRow, at: Date) => {
  const balance = toCreditBalance(row);
  return balance && creditsAt(balance, at);
};

export const toStoredKey = (row: StoredKeyRow): StoredKey => ({
  key: toKeyRecord(row),
  secretHash: row.secret_hash,
  hashScheme: row.hash_scheme,
  usageId: row.usage_id,
  balance: toCreditBalance(row),
});

/** A balance's row (key_credits), as SET_CREDITS and INSERT_CREDITS take it; `credits_remaining` null: none. */
export const creditParams = (usageId: string, balance: CreditBalance | null) => ({
  usage_id: usageId,
  credits_remaining: balance?.remaining ?? null,
  refill_interval: balance?.refill?.interval ?? null,
  refill_amount: balance?.refill?.amount ?? null,
  refill_day: balance?.refill?.refill_day ?? null,
  refilled_at: storedTime(balance?.refilledAt ?? null),
});

/** A lineage's rate limits, as SET_RATELIMITS and INSERT_RATELIMITS take them; `ratelimits` null: none. */
export const ratelimitParams = (usageId: string, ratelimits: KeyRecord['ratelimits']) => ({
  usage_id: usageId,
  ratelimits: ratelimits.length === 0 ? null : JSON.stringify(ratelimits),
});

export const toAuditEvent = (row: AuditEventRow): AuditEvent => ({
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

export const toServiceTokenRecord = (row: ServiceTokenRow): ServiceTokenRecord => ({
  name: row.name,
  scopes: JSON.parse(row.scopes) as string[],
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

export const toStoredServiceToken = (row: ServiceTokenRow): StoredServiceToken => ({
  ...toServiceTokenRecord(row),
  tokenHash: row.token_hash,
  hashScheme: row.hash_scheme,
});

export const toIdempotencyRecord = ({ fingerprint, state, response }: IdempotencyRow): IdempotencyRecord =>
  state === 'done' ? { fingerprint, state, response: response! } : { fingerprint, state };

/** A new key's row, as INSERT_KEY takes it. */
export const keyParams = ({ key, secretHash, hashScheme, usageId }: StoredKey) => ({
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
  usage_id: usageId ?? key.id,
});

/** An audit event's row, as INSERT_AUDIT_EVENT takes it (`event_` names: it may share a statement with a key). */
export const auditParams = (event: AuditRecord) => ({
  event_id: event.id,
  event_occurred_at: storedTime(event.occurredAt),
  event_action: event.action,
  event_actor: event.actor,
  event_operation: event.operation,
  event_request_id: event.requestId,
  event_app_slug: event.appSlug,
  event_key_id: event.keyId,
  event_token_name: event.tokenName,
  event_changes: JSON.stringify(event.changes),
});

export const serviceTokenParams = (token: StoredServiceToken) => ({
  name: token.name,
  scopes: JSON.stringify(token.scopes),
  token_hash: token.tokenHash,
  hash_scheme: token.hashScheme,
  created_at: storedTime(token.createdAt),
  revoked_at: storedTime(token.revokedAt),
});
