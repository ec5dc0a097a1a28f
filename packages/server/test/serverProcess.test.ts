import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiKeyWithSecret } from '@apikeys/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../src/keys/secret.js';
import { openStore } from '../src/store/openStore.js';
import { SqliteKeyStore } from '../src/store/sqlite/sqliteKeyStore.js';
import { apikeysCli, startServerProcess } from './support/processes.js';
import { createPostgresDatabase } from './support/stores.js';

describe('pnpm start on an empty SQLite database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apikeys-start-'));
  const dbFile = join(dir, 'data', 'apikeys.db');
  // Started here, not in the describe body: a run filtered with -t skips these hooks, and would leave it running.
  let server: ReturnType<typeof startServerProcess>;
  let baseUrl: string;

  beforeAll(async () => {
    server = startServerProcess({ PORT: '0', DATABASE_URL: `sqlite:${dbFile}`, APIKEYS_TOKENS: '' });
    baseUrl = (await server.waitFor(/"url":"(http:\/\/localhost:\d+)"/))[1]!;
    await server.waitFor(/API reference: /);
  });
  afterAll(() => {
    if (server?.child.exitCode === null) {
      server.child.kill('SIGKILL');
    }
  });

  it('creates the demo app and prints a token with a curl command that works as pasted', async () => {
    const { stderr } = server.output();
    expect(stderr).toMatch(/this run accepts one token, made just now: dev_/);
    const command = stderr.slice(stderr.indexOf('  curl'), stderr.indexOf('API reference:')).replace(/\\\n/g, ' ');
    const body = JSON.parse(execFileSync('sh', ['-c', command], { encoding: 'utf8' })) as ApiKeyWithSecret;
    expect(body.key).toMatchObject({ app_slug: 'internal-api', name: 'Primary production key', key_prefix: 'sk' });

    const store = new SqliteKeyStore(dbFile);
    try {
      expect({ ...(await store.findKeyBySecretHash(hashSecret(body.secret)))?.key, status: 'active' }).toEqual(
        body.key,
      );
    } finally {
      await store.close();
    }
  });

  it('serves health, readiness, the bundled contract and the docs', async () => {
    expect(await (await fetch(`${baseUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${baseUrl}/readyz`)).json()).toEqual({ status: 'ready', store: 'sqlite' });
    const contract = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(contract.paths)).toContain('/api-auth/apps/{appName}/keys/{keyId}/rotate');
    const docs = await fetch(`${baseUrl}/docs`);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);
    expect(await docs.text()).toContain('<title>API Keys reference</title>');
  });

  it('writes JSON log lines with a request id, and never the token', async () => {
    const { stdout, stderr } = server.output();
    const token = /made just now: (\S+)/.exec(stderr)![1]!;
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line.msg === 'request' && line.status === 201)).toMatchObject({
      requestId: expect.any(String),
      method: 'POST',
    });
    expect(stdout).not.toContain(token);
  });

  it('stops cleanly on SIGTERM', async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output().stdout).toContain('"msg":"stopped"');
  });
});

describe('a crash', () => {
  it('loses no key whose 201 reached the client', async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), 'apikeys-crash-')), 'apikeys.db');
    const token = 'crash-test-token-0123456789';
    const server = startServerProcess({ PORT: '0', DATABASE_URL: `sqlite:${dbFile}`, APIKEYS_TOKENS: token });
    const baseUrl = (await server.waitFor(/"url":"(http:\/\/localhost:\d+)"/))[1]!;
    const secrets: string[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${baseUrl}/api-auth/apps/internal-api/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `key ${i}` }),
      });
      expect(response.status).toBe(201);
      secrets.push(((await response.json()) as ApiKeyWithSecret).secret);
    }
    // No shutdown, no checkpoint: the process dies right after the last answer.
    server.child.kill('SIGKILL');
    await server.exited;
    expect(server.child.signalCode).toBe('SIGKILL');

    const store = new SqliteKeyStore(dbFile);
    try {
      for (const secret of secrets) {
        expect(await store.findKeyBySecretHash(hashSecret(secret))).toBeDefined();
      }
    } finally {
      await store.close();
    }
  });
});

describe.each(['sqlite', 'postgres'] as const)('credits spent under load, then kill -9, on %s', (kind) => {
  it('keeps every spend whose VALID reached a client: what is left is at most the start less those', async () => {
    const database = kind === 'postgres' ? await createPostgresDatabase() : undefined;
    const url = database?.url ?? `sqlite:${join(mkdtempSync(join(tmpdir(), 'apikeys-spend-crash-')), 'apikeys.db')}`;
    const token = 'spend-crash-token-0123456789';
    const server = startServerProcess({
      PORT: '0',
      DATABASE_URL: url,
      APIKEYS_TOKENS: token,
      APIKEYS_RATE_LIMIT: '1000000',
    });
    try {
      const baseUrl = (await server.waitFor(/"url":"(http:\/\/localhost:\d+)"/))[1]!;
      const call = (path: string, body: unknown) =>
        fetch(`${baseUrl}/api-auth/apps/internal-api/keys${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const START = 1_000_000;
      const { key, secret } = (await (
        await call('', { name: 'metered', credits: { remaining: START } })
      ).json()) as ApiKeyWithSecret;
      let answeredValid = 0;
      let dead = false;
      const clients = Array.from({ length: 20 }, async () => {
        while (!dead) {
          try {
            const verdict = (await (await call('/verify', { secret })).json()) as { code: string };
            answeredValid += verdict.code === 'VALID' ? 1 : 0;
          } catch {
            return;
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // No shutdown: the process dies with spends in flight.
      server.child.kill('SIGKILL');
      await server.exited;
      dead = true;
      await Promise.all(clients);
      expect(answeredValid).toBeGreaterThan(50);

      const store = openStore(url);
      try {
        const remaining = (await store.findKey('internal-api', key.id))?.credits?.remaining;
        expect(remaining).toBeLessThanOrEqual(START - answeredValid);
        expect(remaining).toBeGreaterThanOrEqual(0);
      } finally {
        await store.close();
      }
    } finally {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
      }
      await database?.drop();
    }
  });
});

// What a restart does to rate-limit windows: PostgreSQL keeps them (rows of its own), SQLite's are
// the process's memory and start afresh, as the contract says.
describe.each([
  ['postgres', 'keeps a full window full', 'RATE_LIMITED'],
  ['sqlite', 'starts the windows afresh', 'VALID'],
] as const)('a restart on %s', (kind, does, afterRestart) => {
  it(`${does}`, async () => {
    const database = kind === 'postgres' ? await createPostgresDatabase() : undefined;
    const url = database?.url ?? `sqlite:${join(mkdtempSync(join(tmpdir(), 'apikeys-windows-')), 'apikeys.db')}`;
    const token = 'restart-windows-token-0123456789';
    const env = { PORT: '0', DATABASE_URL: url, APIKEYS_TOKENS: token };
    let server = startServerProcess(env);
    try {
      const verify = async (baseUrl: string, body: unknown) =>
        (await (
          await fetch(`${baseUrl}/api-auth/apps/internal-api/keys/verify`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).json()) as { code: string };
      let baseUrl = (await server.waitFor(/"url":"(http:\/\/localhost:\d+)"/))[1]!;
      // A day's window, so that the restart falls in it unless run at midnight UTC.
      const created = await fetch(`${baseUrl}/api-auth/apps/internal-api/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'limited',
          ratelimits: [{ name: 'requests', limit: 1, duration_ms: 86_400_000, auto_apply: true }],
        }),
      });
      const { secret } = (await created.json()) as ApiKeyWithSecret;
      expect((await verify(baseUrl, { secret })).code).toBe('VALID');
      expect((await verify(baseUrl, { secret })).code).toBe('RATE_LIMITED');
      server.child.kill('SIGTERM');
      await server.exited;
      server = startServerProcess(env);
      baseUrl = (await server.waitFor(/"url":"(http:\/\/localhost:\d+)"/))[1]!;
      expect((await verify(baseUrl, { secret })).code).toBe(afterRestart);
    } finally {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
      }
      await database?.drop();
    }
  });
});

describe('configuration', () => {
  it('fails to start, naming the variable, on a bad setting', async () => {
    const server = startServerProcess({ PORT: '0', DATABASE_URL: 'mysql://nope', APIKEYS_TOKENS: 'x'.repeat(20) });
    expect(await server.exited).toBe(1);
    expect(server.output().stdout).toContain('DATABASE_URL must start with postgres://');
    const short = startServerProcess({ PORT: '0', APIKEYS_TOKENS: 'short' });
    expect(await short.exited).toBe(1);
    expect(short.output().stdout).toContain('APIKEYS_TOKENS');
  });

  it('in production, refuses to start without tokens, and seeds no demo app', async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), 'apikeys-production-')), 'apikeys.db');
    const tokenless = startServerProcess({
      PORT: '0',
      DATABASE_URL: `sqlite:${dbFile}`,
      NODE_ENV: 'production',
      APIKEYS_TOKENS: '',
    });
    expect(await tokenless.exited).toBe(1);
    expect(tokenless.output().stdout).toContain('APIKEYS_TOKENS must be set in production');
    expect(tokenless.output().stderr).not.toContain('made just now');

    const server = startServerProcess({
      PORT: '0',
      DATABASE_URL: `sqlite:${dbFile}`,
      NODE_ENV: 'production',
      APIKEYS_TOKENS: 'production-token-0123456789',
    });
    try {
      await server.waitFor(/"msg":"listening"/);
      expect(server.output().stdout).not.toContain('created the demo app');
      const store = new SqliteKeyStore(dbFile);
      expect(await store.findApps()).toEqual([]);
      await store.close();
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });
});

describe('pnpm apikeys apps on PostgreSQL, then the server on the same database', () => {
  it('adds and lists apps, refuses bad and duplicate ones, and the server issues keys with the new prefix', async () => {
    const database = await createPostgresDatabase();
    const env = { DATABASE_URL: database.url };
    try {
      expect(apikeysCli(['apps', 'list'], env).stdout).toContain('No apps yet');
      const added = apikeysCli(['apps', 'add', 'billing-api', '--prefix', 'bill'], env);
      expect(added.stdout).toContain('Added app billing-api: its keys start with bill_');
      expect(added.status).toBe(0);

      const duplicate = apikeysCli(['apps', 'add', 'billing-api', '--prefix', 'bill'], env);
      expect(duplicate.status).toBe(1);
      expect(duplicate.stderr).toContain("'billing-api' already exists");
      const badSlug = apikeysCli(['apps', 'add', 'Billing_API', '--prefix', 'bill'], env);
      expect(badSlug.status).toBe(2);
      expect(badSlug.stderr).toContain('<slug> must be 1-63 lower-case letters, digits and hyphens');
      const badPrefix = apikeysCli(['apps', 'add', 'ok-app', '--prefix', 'sk_live'], env);
      expect(badPrefix.status).toBe(2);
      expect(badPrefix.stderr).toContain('--prefix must be 1-16 lower-case letters and digits');
      expect(apikeysCli(['apps', 'remove'], env).status).toBe(2);

      expect(apikeysCli(['apps', 'list'], env).stdout).toMatch(/^billing-api\tbill\t/m);

      const token = 'pg-instance-token-0123456789';
      const server = startServerProcess({
        ...env,
        PORT: '0',
        APIKEYS_TOKENS: token,
        APIKEYS_PEPPER: 'pepper-for-this-test',
      });
      try {
        const baseUrl = (await server.waitFor(/"url":"(http:\/\/localhost:\d+)"/))[1]!;
        // The database already had an app, so no demo app was added.
        expect(server.output().stdout).not.toContain('created the demo app');
        const response = await fetch(`${baseUrl}/api-auth/apps/billing-api/keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'billing export' }),
        });
        expect(response.status).toBe(201);
        expect(((await response.json()) as ApiKeyWithSecret).secret).toMatch(/^bill_/);
        expect(await (await fetch(`${baseUrl}/readyz`)).json()).toEqual({ status: 'ready', store: 'postgres' });
        expect(server.output().stderr).not.toContain('made just now');
      } finally {
        server.child.kill('SIGTERM');
        expect(await server.exited).toBe(0);
      }
    } finally {
      await database.drop();
    }
  }, 120_000);
});

describe('instances starting together on an empty PostgreSQL database', () => {
  it('all start, and the demo app is added once', async () => {
    for (let round = 0; round < 3; round++) {
      const database = await createPostgresDatabase();
      const instances = Array.from({ length: 3 }, () =>
        startServerProcess({ PORT: '0', DATABASE_URL: database.url, APIKEYS_TOKENS: 'together-token-0123456789' }),
      );
      const stop = () => {
        for (const instance of instances) {
          instance.child.kill('SIGTERM');
        }
        return Promise.all(instances.map((instance) => instance.exited));
      };
      try {
        await Promise.all(instances.map((instance) => instance.waitFor(/"msg":"listening"/)));
        const seeded = instances.filter((instance) => instance.output().stdout.includes('created the demo app'));
        expect(seeded).toHaveLength(1);
        // Once seen under load: one instance ended by its SIGTERM (exit code null); its output says how.
        const codes = await stop();
        const outputs = instances.map(
          ({ output }) => `${output().stdout.slice(-3000)}\n${output().stderr.slice(-3000)}`,
        );
        expect(codes, outputs.join('\n---\n')).toEqual([0, 0, 0]);
      } finally {
        // After a failure above, stop whatever still runs without hiding that failure.
        await stop();
        await database.drop();
      }
    }
  }, 180_000);
});
