import type { ApiKey, AppSlug, components, KeyPrefix } from '@apikeys/types';
import type { CreditBalance } from './credits.js';

// The domain's records: what the operations work with and the stores keep. Shapes the contract
// defines are taken from its generated types, not declared again.

/**
 * What a store keeps of a key: the record exactly as it was answered, less `status`, which
 * depends on the moment it is read (see keys/keyStatus.ts).
 */
export type KeyRecord = Omit<ApiKey, 'status'>;

/** The fields updateApiKey may change; `null` clears the nullable ones. */
export type KeyChanges = Partial<
  Pick<KeyRecord, 'name' | 'permissions' | 'metadata' | 'owner' | 'environment' | 'expires_at' | 'ratelimits'>
> & {
  /** The lineage's new balance, or null to remove it. */
  credits?: CreditBalance | null;
};

/** An API auth app: the boundary a key belongs to, with the prefix its secrets start with. */
export interface App {
  slug: AppSlug;
  keyPrefix: KeyPrefix;
  /** A name for views; null when it has none. */
  displayName: string | null;
  createdAt: string;
}

/** A new app: its slug and prefix, and a display name if it has one. */
export type NewApp = Pick<App, 'slug' | 'keyPrefix'> & { displayName?: string | null };

/** The fields updateApp may change; `null` clears the display name. */
export type AppChanges = Partial<Pick<App, 'displayName' | 'keyPrefix'>>;

/** What is stored for a key: its public record and a one-way hash of the secret, never the secret. */
export interface StoredKey {
  key: KeyRecord;
  secretHash: string;
  /** How secretHash was made: `hmac-sha256` (with the server's pepper) or `sha256`. */
  hashScheme: 'hmac-sha256' | 'sha256';
  /**
   * The lineage whose balance the key spends from: its own id, or its predecessor's for a
   * rotation's successor. Set by the store when read; a new key's is its id.
   */
  usageId?: string;
  /** Its balance as stored when read (refill not yet applied), or null: no credits. A new key's is made from `key.credits`. */
  balance?: CreditBalance | null;
}

export interface KeyUse {
  id: string;
  usedAt: string;
}

/** A service token as listed: its name and scopes, never the token or its hash. */
export interface ServiceTokenRecord {
  /** Unique for good, revoked tokens included, so that the audit trail's actors stay unambiguous. */
  name: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
}

/** What is stored for a service token: its record and a one-way hash of the token, never the token. */
export interface StoredServiceToken extends ServiceTokenRecord {
  tokenHash: string;
  /** How tokenHash was made, as for a key's secret. */
  hashScheme: StoredKey['hashScheme'];
}

/**
 * Who is making a change, for the audit event every change writes in its own transaction: the
 * token's name (or `cli:<user>`), the operationId (or the command), and the request's id.
 */
export interface AuditContext {
  actor: string;
  operation: string;
  /** The X-Request-Id the server answers with; null outside HTTP. */
  requestId: string | null;
  /** Where a leaked secret was found (a leak report's URL): kept in the event as the change `leak_source`. */
  leakSource?: string | null;
}

/** Who made a request: the token's name (the audit trail's actor) and the scopes it holds. */
export interface Principal {
  name: string;
  scopes: readonly string[];
}

/** A webhook endpoint as listed: never its secret. */
export type WebhookEndpointRecord = components['schemas']['WebhookEndpoint'];

/** What is stored of an endpoint: its record, and its signing secrets sealed (keys/webhookSecret.ts). */
export interface StoredWebhookEndpoint {
  endpoint: WebhookEndpointRecord;
  secret: Buffer;
  /** The secret before the last rotation, which signs too until `endpoint.previous_secret_expires_at`. */
  previousSecret: Buffer | null;
}

/** What updateWebhookEndpoint may change; rotateWebhookEndpointSecret gives a new secret. */
export type WebhookEndpointChanges = Partial<
  Pick<WebhookEndpointRecord, 'url' | 'events' | 'description' | 'enabled'>
> & {
  /** A new secret; the current one keeps signing until `previousExpiresAt` (null: it stops at once). */
  secret?: { sealed: Buffer; previousExpiresAt: string | null };
};

/** One event's delivery to one endpoint, as listed. */
export type WebhookDeliveryRecord = components['schemas']['WebhookDelivery'];
