import type { ApiKey, ApiKeyWithSecret, CreateApiKeyRequest, Permission, VerificationResult } from '@apikeys/types';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import type { ServerOptions } from '../../src/compose.js';
import type { KeyStore } from '../../src/store/keyStore.js';
import type { TestStore } from './stores.js';
import { startTestServer, type TestServer } from './testServer.js';

/** The clock the server starts each test at; tests move it with `advance`. */
export const NOW = new Date('2026-06-01T12:00:00.000Z');

/**
 * A real server on a real store (SQLite or PostgreSQL) with the apps `internal-api` (prefix sk)
 * and `billing-api` (prefix bill), a clock the tests control, and the calls the lifecycle tests
 * share. Registers its own beforeAll/afterAll.
 */
export function lifecycleServer(open: () => Promise<TestStore>, options: Partial<ServerOptions> = {}) {
  let testStore: TestStore;
  let server: TestServer;
  let clock = NOW;

  beforeAll(async () => {
    testStore = await open();
    await testStore.store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, NOW);
    await testStore.store.addApp({ slug: 'billing-api', keyPrefix: 'bill' }, NOW);
    server = await startTestServer({ store: testStore.store, now: () => clock, ...options });
  });
  afterAll(async () => {
    await server?.close();
    await testStore?.dispose();
  });
  beforeEach(() => {
    clock = NOW;
  });

  const keys = (appName: string) => `/api-auth/apps/${appName}/keys`;

  return {
    get server(): TestServer {
      return server;
    },
    get store(): KeyStore {
      return testStore.store;
    },
    /** Moves the server's clock forward. */
    advance(ms: number) {
      clock = new Date(clock.getTime() + ms);
    },
    keys,
    keyPath: (appName: string, id: string, action = '') => `${keys(appName)}/${id}${action ? `/${action}` : ''}`,
    async createKey(
      body: CreateApiKeyRequest = { name: 'a key' },
      appName = 'internal-api',
    ): Promise<ApiKeyWithSecret> {
      const response = await server.post(appName, body);
      expect(response.status).toBe(201);
      return (await response.json()) as ApiKeyWithSecret;
    },
    async getKey(id: string, appName = 'internal-api'): Promise<ApiKey> {
      const response = await server.call('GET', `${keys(appName)}/${id}`);
      expect(response.status).toBe(200);
      return (await response.json()) as ApiKey;
    },
    async verify(
      secret: string,
      required_permissions?: Permission[],
      appName = 'internal-api',
    ): Promise<VerificationResult> {
      const response = await server.call('POST', `${keys(appName)}/verify`, {
        secret,
        ...(required_permissions ? { required_permissions } : {}),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      return (await response.json()) as VerificationResult;
    },
  };
}
