import type { ApiKey, AppSlug, KeyPrefix } from '@apikeys/types';
import type { IdempotencyStore } from './idempotencyStore.js';

/**
 * What a store keeps of a key: the record exactly as it was answered, less `status`, which
 * depends on the moment it is read (see keys/keyStatus.ts).
 */
export type KeyRecord = Omit<ApiKey, 'status'>;

/** The fields updateApiKey may change; `null` clears the nullable ones. */
export type KeyChanges = Partial<
  Pick<KeyRecord, 'name' | 'permissions' | 'metadata' | 'owner' | 'environment' | 'expires_at'>
>;

/** An API auth app: the boundary a key belongs to, with the prefix its secrets start with. */
export interface App {
  slug: AppSlug;
  keyPrefix: KeyPrefix;
  createdAt: string;
}

/** What is stored for a key: its public record and a one-way hash of the secret, never the secret. */
export interface StoredKey {
  key: KeyRecord;
  secretHash: string;
  /** How secretHash was made: `hmac-sha256` (with the server's pepper) or `sha256`. */
  hashScheme: 'hmac-sha256' | 'sha256';
}

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

export interface KeyUse {
  id: string;
  usedAt: string;
}

/** What a store tells an instance about keys changed through other connections to its database. */
export interface KeyChangeListener {
  /** Key `id` was updated, revoked or rotated. */
  onChange(id: string): void;
  /** Changes may have been missed, or the store cannot say which keys changed: forget them all. */
  onGap(): void;
}

export class AppExistsError extends Error {
  constructor(slug: string) {
    super(`An API auth app named '${slug}' already exists`);
  }
}

/**
 * One interface, two implementations (SQLite, PostgreSQL) that behave the same. Writes that
 * depend on a key's state are conditional: they change nothing and resolve to undefined when the
 * key is missing or in the wrong state, and the caller reads the key to say which.
 */
export interface KeyStore extends IdempotencyStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Brings the schema up to date; safe to run from several instances at once. */
  migrate(): Promise<void>;
  addApp(app: Omit<App, 'createdAt'>, createdAt: Date): Promise<App>;
  findApp(slug: string): Promise<App | undefined>;
  listApps(): Promise<App[]>;
  /** Durable when it resolves; a second key with the same secret hash is refused. */
  insertKey(stored: StoredKey): Promise<void>;
  findKeyBySecretHash(secretHash: string): Promise<StoredKey | undefined>;
  /** The key `id` of app `appSlug`; a key of another app is undefined, like a missing one. */
  findKey(appSlug: string, id: string): Promise<KeyRecord | undefined>;
  /** Up to `limit` keys of the app matching the filters, newest first (created_at DESC, id DESC). */
  listKeys(query: KeyPageQuery): Promise<KeyRecord[]>;
  /** Applies `changes` unless the key is revoked as of `now` (revoked_at <= now). */
  updateKey(appSlug: string, id: string, changes: KeyChanges, now: Date): Promise<KeyRecord | undefined>;
  /**
   * Sets revoked_at = now and revocation_reason = reason unless the key is already revoked as of
   * `now`; a key whose revocation is scheduled later (a rotation grace period) is revoked now.
   * Resolves to the key as stored afterwards, changed or not; undefined when there is no such key.
   */
  revokeKey(appSlug: string, id: string, reason: string | null, now: Date): Promise<KeyRecord | undefined>;
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
  ): Promise<KeyRecord | undefined>;
  /** Sets last_used_at to usedAt for each key, unless it is already later. */
  recordKeyUses(uses: readonly KeyUse[]): Promise<void>;
  /**
   * A random secret kept in the database under `name`, made on first use (the same value for
   * every instance sharing the database): signs page cursors.
   */
  serverSecret(name: string): Promise<Buffer>;
  countKeys(): Promise<number>;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  /**
   * Tells `listener`, as they commit, of key changes made through other connections (other
   * instances, other processes) until close(). Resolves once it is listening.
   */
  watchKeyChanges?(listener: KeyChangeListener): Promise<void>;
  close(): Promise<void>;
}
