import pg from 'pg';
import { describe, expect, it } from 'vitest';
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
      expect(rows).toEqual([{ key: expect.stringMatching(/^[0-9a-f]{64}$/), hits: 16 }]);
    } finally {
      for (const instance of instances) {
        instance.child.kill('SIGTERM');
      }
      expect(await Promise.all(instances.map((instance) => instance.exited))).toEqual([0, 0]);
      await database.drop();
    }
  });
});
