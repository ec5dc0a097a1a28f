import type { AuditEvent } from '@apikeys/types';
import type { CreditRefill } from '../keys/credits.js';
import type { WindowCounter, WindowLimit } from '../keys/fixedWindow.js';
import type { AppliedLimit, RatelimitState } from '../keys/ratelimits.js';
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
} from '../keys/types.js';
import type { AuditRecord } from './auditEvents.js';
import type { IdempotencyStore } from './idempotencyStore.js';

/** Which keys a listing wants, as of `now`: `active` means not revoked (revoked_at absent or later) and not expired. */
export type KeyStatusFilter = 'active' | 'revoked' | 'expired' | 'all';

export interface KeyPageQuery {
  appSlug: string;
  status: KeyStatusFilter;
  environment?: string | undefined;
  owner?: string | undefined;
  /** Only keys after this position in the order (created_at DESC, id DESC): the last key of the previous page. */
  after?: { createdAt: string; id: string } | undefined;
  limit: number;
  now: Date;
}

/** What a store tells an instance about keys changed through other connections to its database. */
export interface KeyChangeListener {
  /** Key `id` was updated, revoked or rotated. */
  onChange(id: string): void;
  /** Changes may have been missed, or the store cannot say which keys changed: forget them all. */
  onGap(): void;
}

export class ServiceTokenExistsError extends Error {
  constructor(name: string) {
    super(`A service token named '${name}' already exists (names are never reused, revoked tokens' included)`);
  }
}

/** A page of the workspace's audit trail: the events of no key (apps, service tokens). */
export interface WorkspaceAuditEventQuery {
  /** Only events after this position in the order (occurred_at DESC, id DESC). */
  after?: { occurredAt: string; id: string } | undefined;
  limit: number;
}

export interface AuditEventQuery {
  appSlug: string;
  keyId?: string | undefined;
  /** Only events after this position in the order (occurred_at DESC, id DESC): the last event of the previous page. */
  after?: { occurredAt: string; id: string } | undefined;
  limit: number;
}

export class AppExistsError extends Error {
  constructor(slug: string) {
    super(`An API auth app named '${slug}' already exists`);
  }
}

export interface AppPageQuery {
  /** Only apps whose slug sorts after this one: the last app of the previous page. */
  after?: string | undefined;
  limit?: number | undefined;
}

/** What removeApp did: deleted the app and its (dead) keys, or refused because some keys are live. */
export type DeleteAppOutcome = { deleted: App; deletedKeyIds: string[] } | { liveKeys: number };

/** The apps keys belong to. Each change writes its event (`app_created`, …) in the same transaction. */
export interface AppStore {
  /**
   * Fails with AppExistsError when the slug is taken. With `audit`, writes an `app_created` event
   * (without, as the demo app's seed and tests do, none).
   */
  addApp(app: NewApp, createdAt: Date, audit?: AuditContext): Promise<App>;
  findApp(slug: string): Promise<App | undefined>;
  /** The apps by slug, all of them or one page. */
  findApps(query?: AppPageQuery): Promise<App[]>;
  /**
   * Applies `changes`, unless a new key_prefix is asked for while the app has any key: then, as
   * for a missing app, nothing is written and it resolves to undefined (the caller reads the app
   * to say which). An `app_updated` event names each field whose value changed (none when none did).
   */
  changeApp(slug: string, changes: AppChanges, now: Date, audit: AuditContext): Promise<App | undefined>;
  /**
   * In one transaction, unless the app has a key live as of `now` (neither revoked nor expired):
   * deletes its keys (all dead) and the app, and writes an `app_deleted` event. Audit events stay.
   * Undefined when there is no such app.
   */
  removeApp(slug: string, now: Date, audit: AuditContext): Promise<DeleteAppOutcome | undefined>;
}

/** A verification's spend: from which lineage's balance, how much, and the refill that balance has. */
export interface CreditSpend {
  usageId: string;
  cost: number;
  refill: CreditRefill | null;
  now: Date;
}

/** Whether it was spent, and what is left afterwards (or, when not, what was left). */
export interface CreditSpent {
  spent: boolean;
  remaining: number;
}

/** What a verification counts against: its lineage's rate limits that apply, and its credits if it has a balance. */
export interface UsageSpend {
  usageId: string;
  now: Date;
  /** In the key's order. */
  ratelimits: readonly AppliedLimit[];
  /** Absent for a key without credits. */
  credits?: Pick<CreditSpend, 'cost' | 'refill'> | undefined;
}

/** What it did: counted in every limit and spent the credits, or neither. */
export interface UsageSpent {
  outcome: 'spent' | 'rate_limited' | 'usage_exceeded';
  /** Each limit's window afterwards, in the order given (a refused verification counted in none). */
  ratelimits: RatelimitState[];
  /** The spend (for `rate_limited`, what is left, spending nothing), when the lineage has a balance. */
  credits?: CreditSpent | undefined;
}

/**
 * The keys. Writes that depend on a key's state are conditional: they change nothing and resolve
 * to undefined when the key is missing or in the wrong state, and the caller reads the key to say
 * which. Each change writes its audit event in the same transaction.
 */
export interface ApiKeyStore {
  /** Durable, with its `created` event, when it resolves; a second key with the same secret hash is refused. */
  insertKey(stored: StoredKey, audit: AuditContext): Promise<void>;
  findKeyBySecretHash(secretHash: string): Promise<StoredKey | undefined>;
  /**
   * The key `id` of app `appSlug`, its credits as of `at` (the present when not given); a key of
   * another app is undefined, like a missing one.
   */
  findKey(appSlug: string, id: string, at?: Date): Promise<KeyRecord | undefined>;
  /**
   * Counts a verification against the lineage's rate limits, then spends its credits (`cost`,
   * when that many are left as of `now`, a refill due applied first): all or nothing, so that a
   * verification refused by a limit or by its credits counts in no window and spends nothing.
   * Exact across every instance sharing the database (SQLite: its windows are this process's);
   * a spend is durable when it resolves.
   */
  spendUsage(spend: UsageSpend): Promise<UsageSpent>;
  /** Up to `limit` keys of the app matching the filters, newest first (created_at DESC, id DESC). */
  listKeys(query: KeyPageQuery): Promise<KeyRecord[]>;
  /**
   * Applies `changes` unless the key is revoked as of `now` (revoked_at <= now), with an `updated`
   * event naming each field whose value changed (none when no value did).
   */
  updateKey(
    appSlug: string,
    id: string,
    changes: KeyChanges,
    now: Date,
    audit: AuditContext,
  ): Promise<KeyRecord | undefined>;
  /**
   * Sets revoked_at = now and revocation_reason = reason unless the key is already revoked as of
   * `now`; a key whose revocation is scheduled later (a rotation grace period) is revoked now.
   * Resolves to the key as stored afterwards, changed or not; undefined when there is no such key.
   * A revocation writes a `revoked` event (`leaked` when `audit.leaked`, for a leak report).
   */
  revokeKey(
    appSlug: string,
    id: string,
    reason: string | null,
    now: Date,
    audit: AuditContext & { leaked?: boolean },
  ): Promise<KeyRecord | undefined>;
  /**
   * In one transaction: inserts `successor` (its key.rotated_from is `id`) and marks the old key
   * rotated_to = successor id, revoked_at = revokeAt, revocation_reason = 'rotated'. Only when
   * the old key has no revoked_at, no rotated_to and has not expired as of `now`; otherwise
   * nothing is written and it resolves to undefined. Resolves to the old key as stored afterwards.
   */
  rotateKey(
    appSlug: string,
    id: string,
    successor: StoredKey,
    revokeAt: Date,
    now: Date,
    audit: AuditContext,
  ): Promise<KeyRecord | undefined>;
  /** Sets last_used_at to usedAt for each key, unless it is already later. */
  recordKeyUses(uses: readonly KeyUse[]): Promise<void>;
  countKeys(): Promise<number>;
}

/** The audit trail the key and service token changes write. */
export interface AuditEventStore {
  /** Up to `limit` audit events of the app (of one key, with `keyId`), newest first (occurred_at DESC, id DESC). */
  keyAuditEvents(query: AuditEventQuery): Promise<AuditEvent[]>;
  /** Up to `limit` events of no key (apps' and service tokens' changes), newest first (occurred_at DESC, id DESC). */
  workspaceAuditEvents(query: WorkspaceAuditEventQuery): Promise<AuditRecord[]>;
}

/** The tokens that authenticate callers of the API. */
export interface ServiceTokenStore {
  /** Fails with ServiceTokenExistsError when the name is taken. Writes a `token_added` event. */
  addServiceToken(token: StoredServiceToken, audit: AuditContext): Promise<void>;
  /** Every service token, revoked ones included, oldest first. */
  allServiceTokens(): Promise<ServiceTokenRecord[]>;
  /** The tokens not revoked, with their hashes: what the server accepts. */
  liveServiceTokens(): Promise<StoredServiceToken[]>;
  /**
   * Revokes the token as of `now` unless it is revoked already, with a `token_revoked` event;
   * resolves to it as stored afterwards, undefined when there is none.
   */
  revokeToken(name: string, now: Date, audit: AuditContext): Promise<ServiceTokenRecord | undefined>;
}

export interface ServerSecretStore {
  /**
   * A random secret kept in the database under `name`, made on first use (the same value for
   * every instance sharing the database): signs page cursors.
   */
  serverSecret(name: string): Promise<Buffer>;
}

/** What an instance hears of changes made through other connections to its database. */
export interface ChangeFeed {
  /**
   * Calls `onChange` when service tokens may have changed: at once (and awaited) for a change
   * made through this store, as it commits for one made through another connection, and when
   * such changes may have been missed. Resolves once it is listening.
   */
  watchServiceTokens(onChange: () => Promise<void>): Promise<void>;
  /**
   * Tells `listener`, as they commit, of key changes made through other connections (other
   * instances, other processes) until close(). Resolves once it is listening.
   */
  watchKeyChanges?(listener: KeyChangeListener): Promise<void>;
}

/** A rate limit counted in the database, for the instances that share it. */
export interface SharedRateLimit {
  /**
   * A counter of fixed windows shared by every instance on the database; absent (or undefined)
   * when the store has none, and the caller counts in memory.
   */
  sharedWindowCounter?(limit: WindowLimit, pepper: string | undefined): WindowCounter | undefined;
}

export interface WebhookDeliveryQuery {
  endpointId: string;
  status?: WebhookDeliveryRecord['status'] | undefined;
  /** Only deliveries after this position in the order (created_at DESC, id DESC). */
  after?: { createdAt: string; id: string } | undefined;
  limit: number;
}

/** A delivery leased for an attempt: what to send, where, and the secrets (sealed) that sign it. */
export interface ClaimedDelivery {
  delivery: WebhookDeliveryRecord;
  leaseId: string;
  /** The event's body, exactly as stored. */
  body: string;
  url: string;
  appSlug: string;
  /** The current secret, then the previous one while it still signs. */
  secrets: Buffer[];
}

/** What an attempt came to: delivered, to be tried again at `nextAttemptAt`, or failed for good. */
export interface WebhookAttempt {
  deliveryId: string;
  leaseId: string;
  at: Date;
  status: WebhookDeliveryRecord['status'];
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  /** Disables the endpoint, with this reason (its deliveries have failed for the whole retry period). */
  disableEndpoint?: string | undefined;
}

/**
 * Webhook endpoints and the deliveries of the key events written with each key change (the
 * outbox). Each endpoint change writes its workspace audit event in the same transaction.
 */
export interface WebhookStore {
  /** False, adding nothing, when the app has `maxPerApp` endpoints already (or no longer exists). */
  addWebhookEndpoint(stored: StoredWebhookEndpoint, maxPerApp: number, audit: AuditContext): Promise<boolean>;
  /** The app's endpoints, oldest first. */
  webhookEndpoints(appSlug: string): Promise<WebhookEndpointRecord[]>;
  findWebhookEndpoint(appSlug: string, id: string): Promise<StoredWebhookEndpoint | undefined>;
  changeWebhookEndpoint(
    appSlug: string,
    id: string,
    changes: WebhookEndpointChanges,
    now: Date,
    audit: AuditContext,
  ): Promise<WebhookEndpointRecord | undefined>;
  /** Deletes the endpoint and its deliveries; resolves to it as it was. */
  removeWebhookEndpoint(
    appSlug: string,
    id: string,
    now: Date,
    audit: AuditContext,
  ): Promise<WebhookEndpointRecord | undefined>;
  /** An endpoint's deliveries, newest first. */
  webhookDeliveries(query: WebhookDeliveryQuery): Promise<WebhookDeliveryRecord[]>;
  /** Fans events of the outbox out to their subscribed endpoints' deliveries; resolves to how many it took. */
  fanOutWebhookEvents(now: Date, limit: number): Promise<number>;
  /** Leases due deliveries to this instance until now + leaseMs. */
  claimWebhookDeliveries(now: Date, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;
  /** Records what attempts came to, in one transaction (but those another instance has taken over since). */
  recordWebhookAttempts(attempts: readonly WebhookAttempt[]): Promise<void>;
}

/** Opening, checking and closing the database. */
export interface StoreConnection {
  readonly kind: 'sqlite' | 'postgres';
  /** Brings the schema up to date; safe to run from several instances at once. */
  migrate(): Promise<void>;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Everything the server keeps, by concern; two implementations (SQLite, PostgreSQL) that behave
 * the same, written once over a dialect (store/shared/sqlKeyStore.ts).
 */
export interface KeyStore
  extends StoreConnection,
    AppStore,
    ApiKeyStore,
    AuditEventStore,
    IdempotencyStore,
    ServiceTokenStore,
    ServerSecretStore,
    ChangeFeed,
    SharedRateLimit,
    WebhookStore {}
