import pg from 'pg';
import { AppExistsError, type App, type KeyStore, type StoredKey } from './keyStore.js';

// `json`, not `jsonb`, so metadata keeps its key order and comes back exactly as SQLite returns it.
const MIGRATIONS = [
  `CREATE TABLE apps (
     slug text PRIMARY KEY,
     key_prefix text NOT NULL,
     created_at timestamptz NOT NULL
   )`,
  `CREATE TABLE api_keys (
     id uuid PRIMARY KEY,
     app_slug text NOT NULL REFERENCES apps(slug),
     name text NOT NULL,
     key_prefix text NOT NULL,
     key_suffix text NOT NULL,
     secret_hash text NOT NULL,
     hash_scheme text NOT NULL,
     permissions json NOT NULL,
     metadata json NOT NULL,
     owner text,
     environment text,
     expires_at timestamptz,
     created_at timestamptz NOT NULL
   )`,
  `CREATE UNIQUE INDEX api_keys_secret_hash ON api_keys(secret_hash)`,
  `CREATE INDEX api_keys_app_slug ON api_keys(app_slug, created_at)`,
];

// Any constant: serialises migrations when several instances start against one database.
const MIGRATION_LOCK = 7_041_992;

const iso = (value: Date | null) => (value === null ? null : value.toISOString());

interface AppRow {
  slug: string;
  key_prefix: string;
  created_at: Date;
}

const toApp = (row: AppRow): App => ({ slug: row.slug, keyPrefix: row.key_prefix, createdAt: row.created_at.toISOString() });

/** For several server instances sharing one database. */
export class PostgresKeyStore implements KeyStore {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;

  constructor(connectionString: string, poolSize = 10) {
    this.pool = new pg.Pool({ connectionString, max: poolSize });
    // An idle client losing its connection must not take the process down; the next query reconnects.
    this.pool.on('error', () => {});
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)');
      const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
      for (let version = (rows[0]?.version ?? 0) + 1; version <= MIGRATIONS.length; version++) {
        await client.query(MIGRATIONS[version - 1]!);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())', [version]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async addApp(app: Omit<App, 'createdAt'>, createdAt: Date): Promise<App> {
    try {
      const { rows } = await this.pool.query<AppRow>(
        'INSERT INTO apps (slug, key_prefix, created_at) VALUES ($1, $2, $3) RETURNING slug, key_prefix, created_at',
        [app.slug, app.keyPrefix, createdAt],
      );
      return toApp(rows[0]!);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new AppExistsError(app.slug);
      throw error;
    }
  }

  async findApp(slug: string): Promise<App | undefined> {
    const { rows } = await this.pool.query<AppRow>('SELECT slug, key_prefix, created_at FROM apps WHERE slug = $1', [slug]);
    return rows[0] && toApp(rows[0]);
  }

  async listApps(): Promise<App[]> {
    const { rows } = await this.pool.query<AppRow>('SELECT slug, key_prefix, created_at FROM apps ORDER BY slug');
    return rows.map(toApp);
  }

  async insertKey({ key, secretHash, hashScheme }: StoredKey): Promise<void> {
    await this.pool.query(
      `INSERT INTO api_keys (id, app_slug, name, key_prefix, key_suffix, secret_hash, hash_scheme, permissions, metadata, owner, environment, expires_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        key.id,
        key.app_slug,
        key.name,
        key.key_prefix,
        key.key_suffix,
        secretHash,
        hashScheme,
        JSON.stringify(key.permissions),
        JSON.stringify(key.metadata),
        key.owner,
        key.environment,
        key.expires_at,
        key.created_at,
      ],
    );
  }

  async findKeyBySecretHash(secretHash: string): Promise<StoredKey | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM api_keys WHERE secret_hash = $1', [secretHash]);
    const row = rows[0];
    if (!row) return undefined;
    return {
      key: {
        id: row.id,
        app_slug: row.app_slug,
        name: row.name,
        key_prefix: row.key_prefix,
        key_suffix: row.key_suffix,
        owner: row.owner,
        environment: row.environment,
        expires_at: iso(row.expires_at),
        created_at: iso(row.created_at)!,
        permissions: row.permissions,
        metadata: row.metadata,
      },
      secretHash: row.secret_hash,
      hashScheme: row.hash_scheme,
    };
  }

  async countKeys(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM api_keys');
    return Number(rows[0]!.n);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}
