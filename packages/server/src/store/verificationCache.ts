import type { App, StoredKey } from '../keys/types.js';
import type { KeyStore } from './keyStore.js';

export interface VerificationCacheOptions {
  /**
   * How long an entry is trusted: the bound on staleness when a change made elsewhere is not
   * heard of (a missed notification, a store that cannot tell).
   */
  ttlMs: number;
  /** Roughly the memory the entries may take; the oldest go first past it. */
  maxBytes: number;
  /** Milliseconds; the server's clock, so that tests can move it. */
  now: () => number;
}

export const DEFAULT_VERIFICATION_CACHE: Omit<VerificationCacheOptions, 'now'> = {
  ttlMs: 5_000,
  maxBytes: 16 * 1024 * 1024,
};

interface Entry {
  /** The key as stored (its record and the secret's hash, never the secret), or undefined: no key has this hash. */
  found: StoredKey | undefined;
  expiresAt: number;
  bytes: number;
}

// What an entry costs beyond its record's JSON: the map slots, the hash string, the objects.
const ENTRY_OVERHEAD_BYTES = 400;

/**
 * What verifyApiKey looked up, by the secret's hash: the key found, or that there is none. A
 * change to a key (on this instance, or announced by another) drops its entry; the TTL drops the
 * rest. A lookup that overlapped a change is not kept, since it may have read the old row.
 */
export class VerificationCache {
  // Insertion order is age order: the first entries are the oldest, evicted first.
  private readonly bySecretHash = new Map<string, Entry>();
  private readonly secretHashById = new Map<string, string>();
  private bytes = 0;
  private changes = 0;

  constructor(private readonly options: VerificationCacheOptions) {}

  /** The cached answer for this hash: `{ found }` on a hit (found undefined: a known miss), undefined when not cached. */
  lookup(secretHash: string): { found: StoredKey | undefined } | undefined {
    const entry = this.bySecretHash.get(secretHash);
    if (!entry) {
      return undefined;
    }
    if (entry.expiresAt <= this.options.now()) {
      // Expiry is not a change: lookups in flight may still keep what they read.
      this.drop(secretHash);
      return undefined;
    }
    return entry;
  }

  /** Call before reading the store; hand the result to remember(). */
  get changeCount(): number {
    return this.changes;
  }

  /** Keeps what a lookup found, unless a change was heard of since it began (`changeCount` then). */
  remember(secretHash: string, found: StoredKey | undefined, changeCountBefore: number): void {
    if (changeCountBefore !== this.changes) {
      return;
    }
    this.drop(secretHash);
    const bytes = ENTRY_OVERHEAD_BYTES + (found ? JSON.stringify(found.key).length * 2 : 0);
    this.bySecretHash.set(secretHash, { found, expiresAt: this.options.now() + this.options.ttlMs, bytes });
    if (found) {
      this.secretHashById.set(found.key.id, secretHash);
    }
    this.bytes += bytes;
    for (const oldest of this.bySecretHash.keys()) {
      if (this.bytes <= this.options.maxBytes) {
        break;
      }
      this.drop(oldest);
    }
  }

  /** Key `id` changed: its entry goes. */
  forgetKey(id: string): void {
    this.changes++;
    const secretHash = this.secretHashById.get(id);
    if (secretHash !== undefined) {
      this.drop(secretHash);
    }
  }

  /** A key with this hash was just stored: a cached miss for it goes. */
  forgetSecretHash(secretHash: string): void {
    this.changes++;
    this.drop(secretHash);
  }

  /** Changes may have been missed. */
  forgetAll(): void {
    this.changes++;
    this.bySecretHash.clear();
    this.secretHashById.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.bySecretHash.size;
  }

  private drop(secretHash: string): void {
    const entry = this.bySecretHash.get(secretHash);
    if (!entry) {
      return;
    }
    this.bySecretHash.delete(secretHash);
    if (entry.found && this.secretHashById.get(entry.found.key.id) === secretHash) {
      this.secretHashById.delete(entry.found.key.id);
    }
    this.bytes -= entry.bytes;
  }
}

/**
 * `store`, with key lookups by secret hash and app lookups answered from memory when fresh.
 * Every write this instance makes through it drops what it changed before resolving, so this
 * instance sees its own update, revocation or rotation at once; other instances' changes arrive
 * through the store's watchKeyChanges (PostgreSQL LISTEN/NOTIFY, SQLite's data_version), with
 * the TTL as the safety net. A verification's last_used_at may lag by up to the TTL (it is
 * written a second late and once a minute anyway). Every other method is the store's own.
 */
export async function withVerificationCache(
  store: KeyStore,
  options: VerificationCacheOptions,
): Promise<{ store: KeyStore; cache: VerificationCache }> {
  const cache = new VerificationCache(options);
  await store.watchKeyChanges?.({ onChange: (id) => cache.forgetKey(id), onGap: () => cache.forgetAll() });
  // Apps change (updateApp, deleteApp) through this store, which forgets them here; a change made by
  // another instance is seen once the TTL has passed.
  const apps = new Map<string, { app: App; expiresAt: number }>();

  const overrides: Partial<KeyStore> = {
    async findKeyBySecretHash(secretHash) {
      const hit = cache.lookup(secretHash);
      if (hit) {
        return hit.found;
      }
      const changeCount = cache.changeCount;
      const found = await store.findKeyBySecretHash(secretHash);
      cache.remember(secretHash, found, changeCount);
      return found;
    },
    async findApp(slug) {
      const cached = apps.get(slug);
      if (cached && cached.expiresAt > options.now()) {
        return cached.app;
      }
      const app = await store.findApp(slug);
      if (app) {
        apps.set(slug, { app, expiresAt: options.now() + options.ttlMs });
      } else {
        apps.delete(slug);
      }
      return app;
    },
    async insertKey(stored, audit) {
      try {
        await store.insertKey(stored, audit);
      } finally {
        cache.forgetSecretHash(stored.secretHash);
      }
    },
    async updateKey(appSlug, id, changes, now, audit) {
      try {
        return await store.updateKey(appSlug, id, changes, now, audit);
      } finally {
        if (changes.credits === undefined && changes.ratelimits === undefined) {
          cache.forgetKey(id);
        } else {
          // The balance and the limits are the lineage's: a key rotated from or to this one has
          // them too, and a rare change of them is not worth tracking lineages in the cache for.
          cache.forgetAll();
        }
      }
    },
    async revokeKey(appSlug, id, reason, now, audit) {
      try {
        return await store.revokeKey(appSlug, id, reason, now, audit);
      } finally {
        cache.forgetKey(id);
      }
    },
    async changeApp(slug, changes, now, audit) {
      try {
        return await store.changeApp(slug, changes, now, audit);
      } finally {
        apps.delete(slug);
      }
    },
    async removeApp(slug, now, audit) {
      try {
        const outcome = await store.removeApp(slug, now, audit);
        for (const id of outcome && 'deleted' in outcome ? outcome.deletedKeyIds : []) {
          cache.forgetKey(id);
        }
        return outcome;
      } finally {
        apps.delete(slug);
      }
    },
    async rotateKey(appSlug, id, successor, revokeAt, now, audit) {
      try {
        return await store.rotateKey(appSlug, id, successor, revokeAt, now, audit);
      } finally {
        cache.forgetKey(id);
        cache.forgetSecretHash(successor.secretHash);
      }
    },
  };
  const forwarded = new Map<PropertyKey, unknown>();
  // The proxy's own target is empty, so that none of the store's (possibly frozen) properties constrain what it answers.
  const cached = new Proxy({} as KeyStore, {
    get(_empty, property) {
      if (Object.hasOwn(overrides, property)) {
        return overrides[property as keyof KeyStore];
      }
      const value: unknown = Reflect.get(store, property, store);
      if (typeof value !== 'function') {
        return value;
      }
      // Methods run on the store itself (their `this`), bound once.
      let bound = forwarded.get(property);
      if (bound === undefined) {
        bound = value.bind(store);
        forwarded.set(property, bound);
      }
      return bound;
    },
  });
  return { store: cached, cache };
}
