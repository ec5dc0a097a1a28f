import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiKey, ApiKeyWithSecret, VerificationResult } from '@apikeys/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apikeysCliAsync, startServerProcess } from './support/processes.js';
import { createPostgresDatabase } from './support/stores.js';

// Two server processes, as two instances behind a load balancer, sharing one PostgreSQL database.
describe('two instances on one PostgreSQL database', () => {
  const token = 'multi-instance-token-0123456789';
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  const instances: ReturnType<typeof startServerProcess>[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    database = await createPostgresDatabase();
    const env = {
      PORT: '0',
      DATABASE_URL: database.url,
      APIKEYS_TOKENS: token,
      APIKEYS_PEPPER: 'shared-pepper-for-this-test',
      // The shared per-token rate limit out of the way of the concurrent verifications below.
      APIKEYS_RATE_LIMIT: '1000000',
    };
    // One after the other: the first seeds the demo app.
    for (let i = 0; i < 2; i++) {
      const instance = startServerProcess(env);
      instances.push(instance);
      urls.push((await instance.waitFor(/"url":"(http:\/\/localhost:\d+)"/))[1]!);
    }
  });
  afterAll(async () => {
    for (const instance of instances) {
      if (instance.child.exitCode === null) {
        instance.child.kill('SIGKILL');
      }
    }
    await Promise.all(instances.map((instance) => instance.exited));
    await database?.drop();
  });

  const call = (url: string, method: string, path: string, body: unknown) =>
    fetch(`${url}/api-auth/apps/internal-api/keys${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const verify = async (url: string, secret: string) =>
    ((await (await call(url, 'POST', '/verify', { secret })).json()) as VerificationResult).code;

  it('sees a revocation made on one instance on the other within its notification bound, long before the cache TTL', async () => {
    const [first, second] = urls as [string, string];
    const { key, secret } = (await (await call(first, 'POST', '', { name: 'shared key' })).json()) as ApiKeyWithSecret;
    // Verified on the second instance, so that it holds the key in its verification cache.
    expect(await verify(second, secret)).toBe('VALID');
    expect(await verify(second, secret)).toBe('VALID');
    expect((await call(first, 'POST', `/${key.id}/revoke`, { reason: 'leaked' })).status).toBe(200);
    expect(await verify(first, secret)).toBe('REVOKED');
    // The contract's bound across instances is milliseconds (a PostgreSQL notification); 1 s is far
    // below the 5 s TTL that would otherwise hide a missing notification.
    await expect.poll(() => verify(second, secret), { timeout: 1000, interval: 10 }).toBe('REVOKED');
  });

  it("spends a key's 100 credits exactly once each over 1,000 concurrent verifications on both instances", async () => {
    const [first, second] = urls as [string, string];
    const created = await call(first, 'POST', '', { name: 'metered', credits: { remaining: 100 } });
    const { key, secret } = (await created.json()) as ApiKeyWithSecret;
    const codes = await Promise.all(Array.from({ length: 1000 }, (_, i) => verify(i % 2 ? first : second, secret)));
    expect(codes.filter((code) => code === 'VALID')).toHaveLength(100);
    expect(codes.filter((code) => code === 'USAGE_EXCEEDED')).toHaveLength(900);
    for (const url of urls) {
      const read = (await (await call(url, 'GET', `/${key.id}`, undefined)).json()) as ApiKey;
      expect(read.credits).toEqual({ remaining: 0, refill: null });
    }
  });

  it('admits exactly 50 of 500 concurrent verifications of a limit of 50 a window over both instances', async () => {
    const [first, second] = urls as [string, string];
    // A day's window (from 00:00 UTC), so that the 500 fall in one window unless run at midnight.
    const ratelimits = [{ name: 'requests', limit: 50, duration_ms: 86_400_000, auto_apply: true }];
    const created = await call(first, 'POST', '', { name: 'limited', ratelimits });
    const { secret } = (await created.json()) as ApiKeyWithSecret;
    const verdicts = await Promise.all(
      Array.from(
        { length: 500 },
        async (_, i) =>
          (await (await call(i % 2 ? first : second, 'POST', '/verify', { secret })).json()) as VerificationResult,
      ),
    );
    const valid = verdicts.filter((verdict) => verdict.code === 'VALID');
    expect(valid).toHaveLength(50);
    expect(verdicts.filter((verdict) => verdict.code === 'RATE_LIMITED')).toHaveLength(450);
    // Each VALID was given a different place in the window: 49 left down to 0.
    expect(new Set(valid.map((verdict) => verdict.ratelimits?.[0]?.remaining)).size).toBe(50);
  });

  it('pages through keys created on both instances with a cursor from either', async () => {
    const [first, second] = urls as [string, string];
    for (let i = 0; i < 3; i++) {
      expect((await call(first, 'POST', '', { name: `paged ${i}`, owner: 'paging-test' })).status).toBe(201);
      expect((await call(second, 'POST', '', { name: `paged ${i}`, owner: 'paging-test' })).status).toBe(201);
    }
    const list = async (url: string, cursor?: string) =>
      (await (
        await fetch(
          `${url}/api-auth/apps/internal-api/keys?owner=paging-test&limit=4${cursor ? `&cursor=${cursor}` : ''}`,
          { headers: { authorization: `Bearer ${token}` } },
        )
      ).json()) as { data: { id: string }[]; next_cursor: string | null };
    const page1 = await list(first);
    const page2 = await list(second, page1.next_cursor!);
    expect(page2.next_cursor).toBeNull();
    expect(new Set([...page1.data, ...page2.data].map((key) => key.id)).size).toBe(6);
  });
});

const databases = [
  {
    kind: 'SQLite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'apikeys-instances-'));
      return {
        url: `sqlite:${join(dir, 'apikeys.db')}`,
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  { kind: 'PostgreSQL', create: createPostgresDatabase },
];

// Two server processes on one database, and `apikeys tokens` run beside them, as an operator would.
describe.each(databases)('service tokens across two instances on $kind', ({ create }) => {
  const env = {
    PORT: '0',
    APIKEYS_TOKENS: 'tokens-multi-instance-0123456789',
    APIKEYS_PEPPER: 'shared-pepper-for-tokens',
  };
  let database: Awaited<ReturnType<typeof create>>;
  const instances: ReturnType<typeof startServerProcess>[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    database = await create();
    for (let i = 0; i < 2; i++) {
      const instance = startServerProcess({ ...env, DATABASE_URL: database.url });
      instances.push(instance);
      urls.push((await instance.waitFor(/"url":"(http:\/\/localhost:\d+)"/))[1]!);
    }
  });
  afterAll(async () => {
    for (const instance of instances) {
      if (instance.child.exitCode === null) {
        instance.child.kill('SIGKILL');
      }
    }
    await Promise.all(instances.map((instance) => instance.exited));
    await database?.drop();
  });

  const cli = (...args: string[]) =>
    apikeysCliAsync([...args, '--json'], { DATABASE_URL: database.url, APIKEYS_PEPPER: env.APIKEYS_PEPPER });
  const list = async (url: string, token: string) =>
    (await fetch(`${url}/api-auth/apps/internal-api/keys`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('accepts a token added with apikeys tokens add on every instance, and refuses it on every instance once revoked', async () => {
    const added = await cli('tokens', 'add', '--name', 'dashboard', '--scope', 'keys:read');
    expect(added.status).toBe(0);
    const { token } = JSON.parse(added.stdout) as { token: string };
    for (const url of urls) {
      // The bound across instances is milliseconds; 1 s is far below anything a missed notice would cost.
      await expect.poll(() => list(url, token), { timeout: 1000, interval: 10 }).toBe(200);
    }

    expect((await cli('tokens', 'revoke', 'dashboard')).status).toBe(0);
    for (const url of urls) {
      await expect.poll(() => list(url, token), { timeout: 1000, interval: 10 }).toBe(401);
    }
  });
});
