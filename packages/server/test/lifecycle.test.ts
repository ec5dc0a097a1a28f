import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditContext, StoredKey } from '../src/keys/types.js';
import type { KeyStore } from '../src/store/keyStore.js';
import { storeKinds, type TestStore } from './support/stores.js';
import { startTestServer } from './support/testServer.js';

describe('shutting down', () => {
  let testStore: TestStore;
  beforeAll(async () => {
    testStore = await storeKinds[0].open();
    await testStore.store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, new Date());
  });
  afterAll(() => testStore?.dispose());

  it('finishes a request in flight, answers it, and accepts no new connection', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const inStore = new Promise<void>((resolve) => (arrived = resolve));
    // The real store, with its insert held until the server has been told to stop.
    const slow: KeyStore = Object.create(testStore.store, {
      insertKey: {
        value: async (stored: StoredKey, audit: AuditContext) => {
          arrived();
          await held;
          return testStore.store.insertKey(stored, audit);
        },
      },
    });
    const server = await startTestServer({ store: slow });
    const inFlight = server.post('internal-api', { name: 'in flight' });
    await inStore;
    const closed = server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    release();
    const response = await inFlight;
    expect(response.status).toBe(201);
    const { secret } = (await response.json()) as { secret: string };
    expect(secret).toMatch(/^sk_/);
    await closed;
    expect(await testStore.store.countKeys()).toBe(1);
  });

  it('reports not ready when the database is gone', async () => {
    const other = await storeKinds[0].open();
    const server = await startTestServer({ store: other.store });
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      await other.store.close();
      const response = await fetch(`${server.url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'unavailable', store: 'sqlite' });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
      await other.dispose();
    }
  });
});
