import { Writable } from 'node:stream';
import { createApiKeysClient } from '@apikeys/client';
import { createJsonLogger, createServer, hashSecret, listen, PostgresKeyStore } from '@apikeys/server';
import { describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../packages/server/test/support/stores.js';
import { startFaultyProxy } from './support/faultyProxy.js';
import { SERVER_NOW, startRealServer, TOKEN } from './support/targets.js';

// The answer to a create is lost after the server committed the key (a dropped connection, a
// proxy's 502): the client retries with the same Idempotency-Key and gets the key that exists.
describe('a create whose answer is lost', () => {
  it('resolves to the key the server stored, and only one exists (SQLite)', async () => {
    const server = await startRealServer();
    const proxy = await startFaultyProxy([server.url]);
    try {
      const client = createApiKeysClient({
        baseUrl: proxy.url,
        token: TOKEN,
        retry: { baseDelayMs: 10, maxDelayMs: 50 },
      });
      const { key, secret } = await client.apiKeys.createApiKey('internal-api', { name: 'survives a lost answer' });
      expect(proxy.dropped()).toBe(1);
      expect(await server.store.countKeys()).toBe(1);
      const { status: _status, ...record } = key;
      expect((await server.store.findKeyBySecretHash(hashSecret(secret)))?.key).toEqual(record);
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  it('resolves to the key the server stored, and only one exists (two PostgreSQL instances behind a round-robin proxy)', async () => {
    const database = await createPostgresDatabase();
    const stores = [new PostgresKeyStore(database.url), new PostgresKeyStore(database.url)];
    const quiet = createJsonLogger(new Writable({ write: (_chunk, _encoding, done) => done() }));
    const servers: Awaited<ReturnType<typeof listen>>[] = [];
    try {
      for (const store of stores) {
        await store.migrate();
      }
      await stores[0]!.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, SERVER_NOW);
      for (const store of stores) {
        servers.push(
          await listen(
            await createServer({
              store,
              tokens: [TOKEN],
              now: () => SERVER_NOW,
              logger: quiet,
              validateResponses: true,
            }),
            0,
          ),
        );
      }
      const proxy = await startFaultyProxy(servers.map((server) => server.url));
      try {
        const client = createApiKeysClient({
          baseUrl: proxy.url,
          token: TOKEN,
          retry: { baseDelayMs: 10, maxDelayMs: 50 },
        });
        for (let i = 0; i < 3; i++) {
          const { key, secret } = await client.apiKeys.createApiKey('internal-api', { name: `lost answer ${i}` });
          const { status: _status, ...record } = key;
          expect((await stores[1]!.findKeyBySecretHash(hashSecret(secret)))?.key).toEqual(record);
        }
        expect(proxy.dropped()).toBe(1);
        expect(await stores[0]!.countKeys()).toBe(3);
      } finally {
        await proxy.close();
      }
    } finally {
      for (const server of servers) {
        await server.close();
      }
      for (const store of stores) {
        await store.close();
      }
      await database.drop();
    }
  });
});
