import type { components } from '@apikeys/types';

export type ApiKey = components['schemas']['ApiKey'];

/** An API auth app: the boundary a key belongs to, with the prefix its secrets start with. */
export interface App {
  slug: components['schemas']['AppSlug'];
  keyPrefix: components['schemas']['KeyPrefix'];
  createdAt: string;
}

/** What is stored for a key: its public record and a one-way hash of the secret, never the secret. */
export interface StoredKey {
  key: ApiKey;
  secretHash: string;
  /** How secretHash was made: `hmac-sha256` (with the server's pepper) or `sha256`. */
  hashScheme: 'hmac-sha256' | 'sha256';
}

export class AppExistsError extends Error {
  constructor(slug: string) {
    super(`An API auth app named '${slug}' already exists`);
  }
}

/** One interface, two implementations (SQLite, PostgreSQL) that behave the same. */
export interface KeyStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Brings the schema up to date; safe to run from several instances at once. */
  migrate(): Promise<void>;
  addApp(app: Omit<App, 'createdAt'>, createdAt: Date): Promise<App>;
  findApp(slug: string): Promise<App | undefined>;
  listApps(): Promise<App[]>;
  /** Durable when it resolves; a second key with the same secret hash is refused. */
  insertKey(stored: StoredKey): Promise<void>;
  findKeyBySecretHash(secretHash: string): Promise<StoredKey | undefined>;
  countKeys(): Promise<number>;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
