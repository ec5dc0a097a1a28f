import type { AuditAction, AuditChange, WorkspaceAuditAction, WorkspaceAuditEvent } from '@apikeys/types';
import type { TimeOrderedIds } from '../keys/timeOrderedIds.js';
import type { App, AuditContext, KeyRecord, ServiceTokenRecord, WebhookEndpointRecord } from '../keys/types.js';

/** What happened to an app: the events of the workspace's trail besides the service tokens'. */
export type AppAction = Extract<WorkspaceAuditAction, `app_${string}`>;

/**
 * An audit event as both stores keep it. Key events are what listAuditEvents answers; service
 * token events (`token_added`, `token_revoked`) have no app or key, and name the token instead;
 * app events (`app_created`, `app_updated`, `app_deleted`) name the app and no key.
 */
export interface AuditRecord {
  id: string;
  occurredAt: string;
  action: AuditAction | WorkspaceAuditAction;
  actor: string;
  operation: string;
  requestId: string | null;
  appSlug: string | null;
  keyId: string | null;
  tokenName: string | null;
  changes: AuditChange[];
}

/** The fields a caller chooses when creating a key, in the record's order: what a `created` event shows. */
const CREATED_FIELDS = [
  'name',
  'permissions',
  'metadata',
  'owner',
  'environment',
  'expires_at',
  'credits',
  'ratelimits',
] as const;

/** Every field of a key record that a change can set, in the record's order. */
const CHANGEABLE_FIELDS = [...CREATED_FIELDS, 'revoked_at', 'revocation_reason', 'rotated_to'] as const;

/** The fields whose value differs between two versions of a key, with both values. */
export function keyChanges(before: KeyRecord, after: KeyRecord): AuditChange[] {
  return CHANGEABLE_FIELDS.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field])).map(
    (field) => ({ field, old: before[field], new: after[field] }),
  );
}

/** An event's common fields: who, through which operation and request, when; and what it is about. */
function auditRecord(
  ids: TimeOrderedIds,
  action: AuditRecord['action'],
  about: Pick<AuditRecord, 'appSlug' | 'keyId' | 'tokenName'>,
  changes: AuditChange[],
  audit: AuditContext,
  occurredAt: string,
): AuditRecord {
  return {
    id: ids.next(),
    occurredAt,
    action,
    actor: audit.actor,
    operation: audit.operation,
    requestId: audit.requestId,
    ...about,
    changes,
  };
}

export const keyEvent = (
  ids: TimeOrderedIds,
  action: AuditAction,
  key: KeyRecord,
  changes: AuditChange[],
  audit: AuditContext,
  occurredAt: string,
): AuditRecord =>
  auditRecord(
    ids,
    action,
    { appSlug: key.app_slug, keyId: key.id, tokenName: null },
    audit.leakSource ? [...changes, { field: 'leak_source', old: null, new: audit.leakSource }] : changes,
    audit,
    occurredAt,
  );

/** The `created` event of a new key: each field it was created with a value for, from null. */
export const creationEvent = (ids: TimeOrderedIds, key: KeyRecord, audit: AuditContext): AuditRecord =>
  keyEvent(
    ids,
    'created',
    key,
    CREATED_FIELDS.filter(
      (field) => key[field] !== null && !(field === 'ratelimits' && key.ratelimits.length === 0),
    ).map((field) => ({ field, old: null, new: key[field] })),
    audit,
    key.created_at,
  );

/** A service token's event: `token_added` shows its scopes, `token_revoked` when. */
export const serviceTokenEvent = (
  ids: TimeOrderedIds,
  action: 'token_added' | 'token_revoked',
  token: Pick<ServiceTokenRecord, 'name' | 'scopes'>,
  audit: AuditContext,
  occurredAt: string,
): AuditRecord =>
  auditRecord(
    ids,
    action,
    { appSlug: null, keyId: null, tokenName: token.name },
    action === 'token_added'
      ? [{ field: 'scopes', old: null, new: token.scopes }]
      : [{ field: 'revoked_at', old: null, new: occurredAt }],
    audit,
    occurredAt,
  );

/** An app's fields as its record shows them (snake_case), in the record's order. */
const appFields = (app: App) => ({ slug: app.slug, key_prefix: app.keyPrefix, display_name: app.displayName });

/**
 * The changes of an app event: each field whose value differs between `before` and `after` (null
 * for an app not yet created, or deleted), with both values.
 */
export function appChanges(before: App | null, after: App | null): AuditChange[] {
  const old: Record<string, string | null> = before ? appFields(before) : {};
  const current: Record<string, string | null> = after ? appFields(after) : {};
  return (['slug', 'key_prefix', 'display_name'] as const)
    .map((field) => ({ field, old: old[field] ?? null, new: current[field] ?? null }))
    .filter((change) => JSON.stringify(change.old) !== JSON.stringify(change.new));
}

export const appEvent = (
  ids: TimeOrderedIds,
  action: AppAction,
  slug: string,
  changes: AuditChange[],
  audit: AuditContext,
  occurredAt: string,
): AuditRecord => auditRecord(ids, action, { appSlug: slug, keyId: null, tokenName: null }, changes, audit, occurredAt);

type WebhookEndpointAction = Extract<WorkspaceAuditAction, `webhook_${string}`>;
const ENDPOINT_FIELDS = [
  'url',
  'events',
  'description',
  'enabled',
  'disabled_reason',
  'previous_secret_expires_at',
] as const;

/**
 * An endpoint's event: its id first, then each field whose value differs between `before` and
 * `after` (null for one not yet added, or deleted). Never a secret: a rotation shows when the
 * previous one stops signing.
 */
export function webhookEndpointEvent(
  ids: TimeOrderedIds,
  action: WebhookEndpointAction,
  before: WebhookEndpointRecord | null,
  after: WebhookEndpointRecord | null,
  audit: AuditContext,
  occurredAt: string,
): AuditRecord {
  const changes: AuditChange[] = [{ field: 'id', old: before?.id ?? null, new: after?.id ?? null }];
  for (const field of ENDPOINT_FIELDS) {
    const [old, current] = [before?.[field] ?? null, after?.[field] ?? null];
    if (JSON.stringify(old) !== JSON.stringify(current)) {
      changes.push({ field, old, new: current });
    }
  }
  const appSlug = (after ?? before)!.app_slug;
  return auditRecord(ids, action, { appSlug, keyId: null, tokenName: null }, changes, audit, occurredAt);
}

/** A workspace event (one with no key: an app's or a service token's) as listWorkspaceAuditEvents answers it. */
export const workspaceAuditEvent = (event: AuditRecord): WorkspaceAuditEvent => ({
  id: event.id,
  occurred_at: event.occurredAt,
  action: event.action as WorkspaceAuditAction,
  actor: event.actor,
  operation: event.operation,
  request_id: event.requestId,
  app_slug: event.appSlug,
  token_name: event.tokenName,
  changes: event.changes,
});
