import type { ServiceTokenRecord } from '../keys/types.js';
import type { KeyStore } from './keyStore.js';

export type ServiceTokenHolder = Pick<ServiceTokenRecord, 'name' | 'scopes'>;

/** Read again at least this often, whatever was announced: a lost notice heals within it. */
const MAX_AGE_MS = 30_000;
/** After a failed read, the next request tries again, at most this often. */
const RETRY_MS = 1_000;

/**
 * The live service tokens, by the hash of the token, held in memory so that authenticating a
 * request costs no database query. Read again whenever the store says they may have changed: at
 * once for a change made through this store, as it commits for one made elsewhere (PostgreSQL
 * LISTEN/NOTIFY, SQLite's data_version), and after a notice may have been lost. A read that
 * fails, or tokens older than MAX_AGE_MS, make the next request start a read (it does not wait
 * for it), so one failed read cannot keep a revoked token accepted.
 */
export class ServiceTokenRegistry {
  private byHash = new Map<string, ServiceTokenHolder>();
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private readAt = Date.now();
  private failed = false;
  private attemptedAt = 0;

  private constructor(
    private readonly store: KeyStore,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Reads the tokens, then keeps them current until the store is closed. */
  static async open(store: KeyStore, onError: (error: unknown) => void): Promise<ServiceTokenRegistry> {
    const registry = new ServiceTokenRegistry(store, onError);
    await store.watchServiceTokens(() => registry.refresh());
    await registry.read();
    return registry;
  }

  find(tokenHash: string): ServiceTokenHolder | undefined {
    const now = Date.now();
    if (!this.reading && (this.failed ? now - this.attemptedAt >= RETRY_MS : now - this.readAt >= MAX_AGE_MS)) {
      void this.refresh();
    }
    return this.byHash.get(tokenHash);
  }

  /**
   * Resolves once a read that began after this call has finished: a change announced while a read
   * is under way is read again. A failed read keeps the tokens known so far (the next notice retries).
   */
  private async refresh(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      while (this.reading) {
        await this.reading;
      }
      return;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        this.attemptedAt = Date.now();
        await this.read().then(
          () => {
            this.failed = false;
          },
          (error: unknown) => {
            this.failed = true;
            this.onError(error);
          },
        );
      } while (this.readAgain);
    })();
    try {
      await this.reading;
    } finally {
      this.reading = undefined;
    }
  }

  private async read(): Promise<void> {
    const startedAt = Date.now();
    const live = await this.store.liveServiceTokens();
    this.byHash = new Map(live.map((token) => [token.tokenHash, { name: token.name, scopes: token.scopes }]));
    this.readAt = startedAt;
  }
}
