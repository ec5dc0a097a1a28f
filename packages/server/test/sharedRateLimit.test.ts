import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresRateLimiter } from '../src/store/postgres/postgresRateLimiter.js';
import { startServerProcess } from './support/processes.js';
import { createPostgresDatabase } from './support/stores.js';

describe('two server processes on one PostgreSQL database', () => {
  it('together allow the configured rate per token, not twice it', async () => {
    const database = await createPostgresDatabase();
    const token = 'shared-limit-token-0123456789';
    const env = {
      PORT: '0',
      DATABASE_URL: database.url,
      APIKEYS_TOKENS: token,
      APIKEYS_RATE_LIMIT: '7',
      APIKEYS_RATE_WINDOW_SECONDS: '600',
    };
    const instances = [startServerProcess(env), startServerProcess(env)];
    try {
      const urls = await Promise.all(
        instances.map(async (instance) => (await instance.waitFor(/"url":"(http:\/\/localhost:\d+)"/))[1]!),
      );
      const list = (url: string) =>
        fetch(`${url}/api-auth/apps/internal-api/keys`, { headers: { authorization: `Bearer ${token}` } });
      // Both at once, each as many as the limit allows: together twice the limit.
      const answers = await Promise.all(urls.flatMap((url) => Array.from({ length: 7 }, () => list(url))));
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(7);
      expect(statuses.filter((status) => status === 429)).toHaveLength(7);
      const remaining = answers
        .filter((answer) => answer.status === 200)
        .map((answer) => answer.headers.get('ratelimit')?.match(/;r=(\d+);/)?.[1])
        .sort();
      expect(remaining).toEqual(['0', '1', '2', '3', '4', '5', '6']);

      for (const url of urls) {
        const refused = await list(url);
        expect(refused.status).toBe(429);
        expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(refused.headers.get('ratelimit-policy')).toBe('"default";q=7;w=600');
        expect(refused.headers.get('ratelimit')).toMatch(/^"default";r=0;t=\d+$/);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      }

      // One window for the token, kept under a hash of it, never the token itself.
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query<{ key: string; hits: number }>('SELECT key, hits FROM rate_limit_windows');
      await client.end();
      // 7 hits handed out one at a time (the lease is a twentieth of the limit, at least 1); the
      // instance that took the 7th knows the window is spent, the other learns it with one refused
      // lease; every later refusal was answered from memory.
      expect(rows).toEqual([{ key: expect.stringMatching(/^[0-9a-f]{64}$/), hits: 8 }]);
    } finally {
      for (const instance of instances) {
        instance.child.kill('SIGTERM');
      }
      expect(await Promise.all(instances.map((instance) => instance.exited))).toEqual([0, 0]);
      await database.drop();
    }
  });
});

describe('the PostgreSQL rate limiter', () => {
  it('hands two instances a twentieth of the limit per round trip, never more than the limit together', async () => {
    const database = await createPostgresDatabase();
    const server = new (await import('../src/store/postgres/postgresKeyStore.js')).PostgresKeyStore(database.url);
    await server.migrate();
    const pools = [new pg.Pool({ connectionString: database.url }), new pg.Pool({ connectionString: database.url })];
    try {
      const limit = { limit: 100, windowMs: 60_000 };
      const instances = pools.map((pool) => new PostgresRateLimiter(pool, limit, undefined));
      const time = Date.now();
      let accepted = 0;
      for (let round = 0; round < 130; round++) {
        for (const instance of instances) {
          const { hits } = await instance.count('a-token', time);
          accepted += hits <= limit.limit ? 1 : 0;
        }
      }
      // At most one lease (5 hits) left unused by the instance that did not take the last one.
      expect(accepted).toBeLessThanOrEqual(100);
      expect(accepted).toBeGreaterThanOrEqual(95);
      const { rows } = await pools[0]!.query<{ hits: number }>('SELECT hits FROM rate_limit_windows');
      // 260 requests, and only the leases went to the database: 20 granted and one refused each.
      expect(rows[0]!.hits / 5).toBeLessThanOrEqual(22);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await server.close();
      await database.drop();
    }
  });
});
