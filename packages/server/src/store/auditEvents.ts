import { randomBytes } from 'node:crypto';
import type { AuditAction, AuditChange } from '@apikeys/types';
import type { AuditContext, KeyRecord, ServiceTokenRecord } from './keyStore.js';

/**
 * An audit event as both stores keep it. Key events are what listAuditEvents answers; service
 * token events (`token_added`, `token_revoked`) have no app or key, and name the token instead.
 */
export interface AuditRecord {
  id: string;
  occurredAt: string;
  action: AuditAction | 'token_added' | 'token_revoked';
  actor: string;
  operation: string;
  requestId: string | null;
  appSlug: string | null;
  keyId: string | null;
  tokenName: string | null;
  changes: AuditChange[];
}

// Random bytes drawn 4 KiB at a time: one CSPRNG call per event was ~3% of a create's CPU.
const RANDOM_POOL_BYTES = 4096;

/**
 * Time-ordered event ids (UUIDv7, RFC 9562) that increase within one store even inside one
 * millisecond (a 12-bit counter): events made in the same millisecond, which have the same
 * occurred_at, are listed in the order they were made rather than at random.
 */
export class AuditEventIds {
  private lastMs = 0;
  private counter = 0;
  private random = Buffer.alloc(0);
  private offset = 0;

  next(): string {
    let ms = Date.now();
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.counter++;
      if (this.counter > 0xfff) {
        ms++;
        this.counter = 0;
      }
    } else {
      this.counter = 0;
    }
    this.lastMs = ms;
    if (this.offset + 8 > this.random.length) {
      this.random = randomBytes(RANDOM_POOL_BYTES);
      this.offset = 0;
    }
    const bytes = Buffer.allocUnsafe(16);
    this.random.copy(bytes, 8, this.offset, this.offset + 8);
    this.offset += 8;
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | (this.counter >> 8);
    bytes[7] = this.counter & 0xff;
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}

/** The fields a caller chooses when creating a key, in the record's order: what a `created` event shows. */
const CREATED_FIELDS = ['name', 'permissions', 'metadata', 'owner', 'environment', 'expires_at'] as const;

/** Every field of a key record that a change can set, in the record's order. */
const CHANGEABLE_FIELDS = [...CREATED_FIELDS, 'revoked_at', 'revocation_reason', 'rotated_to'] as const;

/** The fields whose value differs between two versions of a key, with both values. */
export function keyChanges(before: KeyRecord, after: KeyRecord): AuditChange[] {
  return CHANGEABLE_FIELDS.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field])).map(
    (field) => ({ field, old: before[field], new: after[field] }),
  );
}

export function keyEvent(
  ids: AuditEventIds,
  action: AuditAction,
  key: KeyRecord,
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
    appSlug: key.app_slug,
    keyId: key.id,
    tokenName: null,
    changes: audit.leakSource ? [...changes, { field: 'leak_source', old: null, new: audit.leakSource }] : changes,
  };
}

/** The `created` event of a new key: each field it was created with, from null. */
export const creationEvent = (ids: AuditEventIds, key: KeyRecord, audit: AuditContext): AuditRecord =>
  keyEvent(
    ids,
    'created',
    key,
    CREATED_FIELDS.map((field) => ({ field, old: null, new: key[field] })),
    audit,
    key.created_at,
  );

/** A service token's event: `token_added` shows its scopes, `token_revoked` when. */
export function serviceTokenEvent(
  ids: AuditEventIds,
  action: 'token_added' | 'token_revoked',
  token: Pick<ServiceTokenRecord, 'name' | 'scopes'>,
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
    appSlug: null,
    keyId: null,
    tokenName: token.name,
    changes:
      action === 'token_added'
        ? [{ field: 'scopes', old: null, new: token.scopes }]
        : [{ field: 'revoked_at', old: null, new: occurredAt }],
  };
}
