import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AppExistsError, type App, type KeyStore, type StoredKey } from './keyStore.js';

const MIGRATIONS = [
  `CREATE TABLE apps (
     slug TEXT PRIMARY KEY,
     key_prefix TEXT NOT NULL,
     created_at TEXT NOT NULL
   ) STRICT`,
  `CREATE TABLE api_keys (
     id TEXT PRIMARY KEY,
     app_slug TEXT NOT NULL REFERENCES apps(slug),
     name TEXT NOT NULL,
     key_prefix TEXT NOT NULL,
     key_suffix TEXT NOT NULL,
     secret_hash TEXT NOT NULL,
     hash_scheme TEXT NOT NULL,
     permissions TEXT NOT NULL,
     metadata TEXT NOT NULL,
     owner TEXT,
     environment TEXT,
     expires_at TEXT,
     created_at TEXT NOT NULL
   ) STRICT`,
  `CREATE UNIQUE INDEX api_keys_secret_hash ON api_keys(secret_hash)`,
  `CREATE INDEX api_keys_app_slug ON api_keys(app_slug, created_at)`,
];

interface KeyRow {
  id: string;
  app_slug: string;
  name: string;
  key_prefix: string;
  key_suffix: string;
  secret_hash: string;
  hash_scheme: StoredKey['hashScheme'];
  permissions: string;
  metadata: string;
  owner: string | null;
  environment: string | null;
  expires_at: string | null;
  created_at: string;
}

interface AppRow {
  slug: string;
  key_prefix: string;
  created_at: string;
}

const toApp = (row: AppRow): App => ({ slug: row.slug, keyPrefix: row.key_prefix, createdAt: row.created_at });

/** The embedded default: one file, WAL, and synchronous=FULL so that an acknowledged key survives a crash. */
export class SqliteKeyStore implements KeyStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
  }

  async migrate(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT');
    const apply = this.db.transaction(() => {
      const row = this.db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as { version: number | null };
      for (let version = (row.version ?? 0) + 1; version <= MIGRATIONS.length; version++) {
        this.db.exec(MIGRATIONS[version - 1]!);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
      }
    });
    apply.immediate();
  }

  async addApp(app: Omit<App, 'createdAt'>, createdAt: Date): Promise<App> {
    const row = { slug: app.slug, key_prefix: app.keyPrefix, created_at: createdAt.toISOString() };
    try {
      this.db.prepare('INSERT INTO apps (slug, key_prefix, created_at) VALUES (@slug, @key_prefix, @created_at)').run(row);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new AppExistsError(app.slug);
      throw error;
    }
    return toApp(row);
  }

  async findApp(slug: string): Promise<App | undefined> {
    const row = this.db.prepare('SELECT slug, key_prefix, created_at FROM apps WHERE slug = ?').get(slug) as AppRow | undefined;
    return row && toApp(row);
  }

  async listApps(): Promise<App[]> {
    return (this.db.prepare('SELECT slug, key_prefix, created_at FROM apps ORDER BY slug').all() as AppRow[]).map(toApp);
  }

  async insertKey({ key, secretHash, hashScheme }: StoredKey): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO api_keys (id, app_slug, name, key_prefix, key_suffix, secret_hash, hash_scheme, permissions, metadata, owner, environment, expires_at, created_at)
         VALUES (@id, @app_slug, @name, @key_prefix, @key_suffix, @secret_hash, @hash_scheme, @permissions, @metadata, @owner, @environment, @expires_at, @created_at)`,
      )
      .run({
        ...key,
        secret_hash: secretHash,
        hash_scheme: hashScheme,
        permissions: JSON.stringify(key.permissions),
        metadata: JSON.stringify(key.metadata),
      });
  }

  async findKeyBySecretHash(secretHash: string): Promise<StoredKey | undefined> {
    const row = this.db.prepare('SELECT * FROM api_keys WHERE secret_hash = ?').get(secretHash) as KeyRow | undefined;
    if (!row) return undefined;
    const { secret_hash, hash_scheme, permissions, metadata, ...rest } = row;
    return {
      key: { ...rest, permissions: JSON.parse(permissions) as string[], metadata: JSON.parse(metadata) as Record<string, unknown> },
      secretHash: secret_hash,
      hashScheme: hash_scheme,
    };
  }

  async countKeys(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM api_keys').get() as { n: number }).n;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
