import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { StoredKey } from '../src/keys/types.js';
import type { KeyStore } from '../src/store/keyStore.js';
import { PostgresKeyStore } from '../src/store/postgres/postgresKeyStore.js';
import { SqliteKeyStore } from '../src/store/sqlite/sqliteKeyStore.js';
import { AUDIT, createPostgresDatabase } from './support/stores.js';

// The schema of release 1.0 (migrations 1-4), frozen here: the stores' own migrations may only
// append to it, so a database made by 1.0 must open with the new code and keep its keys.
const RELEASE_1_0_SQLITE = `
  CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT;
  CREATE TABLE apps (
    slug TEXT PRIMARY KEY,
    key_prefix TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE api_keys (
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
  ) STRICT;
  CREATE UNIQUE INDEX api_keys_secret_hash ON api_keys(secret_hash);
  CREATE INDEX api_keys_app_slug ON api_keys(app_slug, created_at);
  INSERT INTO schema_migrations (version, applied_at) VALUES
    (1, '2026-05-01T09:00:00.000Z'), (2, '2026-05-01T09:00:00.000Z'), (3, '2026-05-01T09:00:00.000Z'), (4, '2026-05-01T09:00:00.000Z');
`;

const RELEASE_1_0_POSTGRES = `
  CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL);
  CREATE TABLE apps (
    slug text PRIMARY KEY,
    key_prefix text NOT NULL,
    created_at timestamptz NOT NULL
  );
  CREATE TABLE api_keys (
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
  );
  CREATE UNIQUE INDEX api_keys_secret_hash ON api_keys(secret_hash);
  CREATE INDEX api_keys_app_slug ON api_keys(app_slug, created_at);
  INSERT INTO schema_migrations (version, applied_at) VALUES (1, now()), (2, now()), (3, now()), (4, now());
`;

const INSERT_APP = `INSERT INTO apps (slug, key_prefix, created_at) VALUES ('internal-api', 'sk', '2026-05-01T09:00:00.000Z')`;
const INSERT_KEY_COLUMNS =
  'id, app_slug, name, key_prefix, key_suffix, secret_hash, hash_scheme, permissions, metadata, owner, environment, expires_at, created_at';

/** A key as release 1.0 stored it. */
const OLD_KEY = {
  id: '2f6c1d3e-8b4a-4c5d-9e7f-0a1b2c3d4e5f',
  app_slug: 'internal-api',
  name: 'Primary production key',
  key_prefix: 'sk',
  key_suffix: 'x9Qa',
  secret_hash: 'a'.repeat(64),
  hash_scheme: 'sha256',
  permissions: '["users:read","users:write"]',
  metadata: '{"team":"identity","tier":2}',
  owner: 'identity-team',
  environment: 'production',
  expires_at: '2027-01-01T00:00:00.000Z',
  created_at: '2026-05-02T10:20:30.456Z',
};

const OLD_KEY_VALUES = Object.values(OLD_KEY);

/** What the new store must answer for OLD_KEY: its fields as stored, and null for every field 1.0 did not have. */
const UPGRADED: StoredKey = {
  key: {
    id: OLD_KEY.id,
    app_slug: OLD_KEY.app_slug,
    name: OLD_KEY.name,
    key_prefix: OLD_KEY.key_prefix,
    key_suffix: OLD_KEY.key_suffix,
    permissions: ['users:read', 'users:write'],
    metadata: { team: 'identity', tier: 2 },
    owner: OLD_KEY.owner,
    environment: OLD_KEY.environment,
    expires_at: OLD_KEY.expires_at,
    created_at: OLD_KEY.created_at,
    revoked_at: null,
    revocation_reason: null,
    last_used_at: null,
    rotated_from: null,
    rotated_to: null,
    credits: null,
    ratelimits: [],
  },
  secretHash: OLD_KEY.secret_hash,
  hashScheme: 'sha256',
  usageId: OLD_KEY.id,
  balance: null,
};

interface ReleasedDatabase {
  /** A store of the current code on the database. */
  open(): KeyStore;
  drop(): Promise<void>;
}

const releases = [
  {
    kind: 'sqlite',
    async create(): Promise<ReleasedDatabase> {
      const dir = mkdtempSync(join(tmpdir(), 'apikeys-release-1.0-'));
      const file = join(dir, 'apikeys.db');
      const db = new Database(file);
      db.exec(RELEASE_1_0_SQLITE);
      db.exec(INSERT_APP);
      db.prepare(
        `INSERT INTO api_keys (${INSERT_KEY_COLUMNS}) VALUES (${OLD_KEY_VALUES.map(() => '?').join(', ')})`,
      ).run(...OLD_KEY_VALUES);
      db.close();
      return { open: () => new SqliteKeyStore(file), drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    kind: 'postgres',
    async create(): Promise<ReleasedDatabase> {
      const database = await createPostgresDatabase();
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query(RELEASE_1_0_POSTGRES);
        await client.query(INSERT_APP);
        await client.query(
          `INSERT INTO api_keys (${INSERT_KEY_COLUMNS}) VALUES (${OLD_KEY_VALUES.map((_, i) => `$${i + 1}`).join(', ')})`,
          OLD_KEY_VALUES,
        );
      } finally {
        await client.end();
      }
      return { open: () => new PostgresKeyStore(database.url), drop: database.drop };
    },
  },
] as const;

describe.each(releases)('upgrading a $kind database made by release 1.0', ({ create }) => {
  it('keeps its keys, with the new fields null, and serves the new operations on them', async () => {
    const released = await create();
    const store = released.open();
    try {
      await store.migrate();
      await store.migrate();
      expect(await store.countKeys()).toBe(1);
      expect(await store.findKeyBySecretHash(OLD_KEY.secret_hash)).toEqual(UPGRADED);
      expect(await store.findKey('internal-api', OLD_KEY.id)).toEqual(UPGRADED.key);
      const now = new Date('2026-06-01T00:00:00.000Z');
      expect(await store.listKeys({ appSlug: 'internal-api', status: 'active', limit: 20, now })).toEqual([
        UPGRADED.key,
      ]);
      expect(await store.revokeKey('internal-api', OLD_KEY.id, 'retired', now, AUDIT)).toEqual({
        ...UPGRADED.key,
        revoked_at: now.toISOString(),
        revocation_reason: 'retired',
      });
      expect(await store.serverSecret('page-cursor')).toHaveLength(32);
    } finally {
      await store.close();
      await released.drop();
    }
  });
});
