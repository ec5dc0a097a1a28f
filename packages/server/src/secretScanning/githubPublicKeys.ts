import { createPublicKey, type KeyObject } from 'node:crypto';

export const DEFAULT_GITHUB_KEYS_URL = 'https://api.github.com/meta/public_keys/secret_scanning';

// An unknown key id makes us fetch again, but unsigned junk can name any id: at most one fetch
// a minute, whatever asked for it, so that it cannot make us hammer GitHub (which also limits
// unauthenticated callers to 60 requests an hour).
const MIN_FETCH_INTERVAL_MS = 60_000;
// GitHub withdraws a key by leaving it out of the document: a key kept longer is checked again.
const MAX_AGE_MS = 24 * 3600_000;
const FETCH_TIMEOUT_MS = 10_000;

/** There are no keys to check a signature against (GitHub's document could not be fetched): ask again after `retryAfterSeconds`. */
export class SigningKeysUnavailableError extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    cause: unknown,
  ) {
    super("GitHub's secret-scanning keys could not be fetched", { cause });
  }
}

export interface GitHubPublicKeysOptions {
  /** Where GitHub publishes `{ public_keys: [{ key_identifier, key, is_current }] }`. */
  url: string;
  now: () => Date;
}

interface KeysDocument {
  public_keys?: unknown;
}

/** The P-256 keys of the document by identifier; a document with none it could use is refused. */
function keysOf(document: KeysDocument): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const entry of Array.isArray(document?.public_keys) ? document.public_keys : []) {
    const { key_identifier: id, key: pem } = (entry ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || typeof pem !== 'string') {
      continue;
    }
    try {
      const key = createPublicKey(pem);
      if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
        keys.set(id, key);
      }
    } catch {
      // One unreadable key does not spoil the others.
    }
  }
  if (keys.size === 0) {
    throw new Error('The keys document holds no P-256 public key');
  }
  return keys;
}

/** GitHub's published secret-scanning keys, fetched when first needed and kept in memory. */
export class GitHubPublicKeys {
  private keys: Map<string, KeyObject> | undefined;
  private loadedAt = 0;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(private readonly options: GitHubPublicKeysOptions) {}

  /**
   * The key GitHub publishes as `id`, or undefined when it publishes none by that id. Throws
   * SigningKeysUnavailableError when no keys could be had, or when fetching again for an id
   * not seen before failed (GitHub may have rotated its keys: it retries).
   */
  async find(id: string): Promise<KeyObject | undefined> {
    const known = this.keys?.get(id);
    if (known && this.time() - this.loadedAt < MAX_AGE_MS) {
      return known;
    }
    try {
      await this.refresh();
    } catch (error) {
      // A key we already had is better than none while GitHub cannot be reached.
      if (known) {
        return known;
      }
      throw new SigningKeysUnavailableError(this.retryAfterSeconds(), error);
    }
    if (!this.keys) {
      throw new SigningKeysUnavailableError(this.retryAfterSeconds(), undefined);
    }
    return this.keys.get(id);
  }

  /** Fetches the document unless a fetch ran less than a minute ago; requests arriving meanwhile share one fetch. */
  private refresh(): Promise<void> {
    if (this.loading) {
      return this.loading;
    }
    const at = this.time();
    if (at - this.attemptedAt < MIN_FETCH_INTERVAL_MS) {
      return Promise.resolve();
    }
    this.attemptedAt = at;
    this.loading = this.fetchKeys()
      .then((keys) => {
        this.keys = keys;
        this.loadedAt = at;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private async fetchKeys(): Promise<Map<string, KeyObject>> {
    const response = await fetch(this.options.url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!response.ok) {
      throw new Error(`The keys document answered ${response.status}`);
    }
    return keysOf((await response.json()) as KeysDocument);
  }

  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.attemptedAt + MIN_FETCH_INTERVAL_MS - this.time()) / 1000));
  }

  private time(): number {
    return this.options.now().getTime();
  }
}
