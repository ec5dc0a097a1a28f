// `pnpm bench`, the side-by-side table: the bare node:http ceiling, the stock Express +
// express-openapi-validator peer and the real server (compiled, NODE_ENV=production, on SQLite
// with synchronous=FULL and on PostgreSQL), each its own process on a loopback port, driven in
// turn by autocannon for createApiKey and verifyApiKey (on the real server also verifyApiKey of a
// key with credits, each VALID a durable spend, and of a key with an auto-applied rate limit, each
// VALID counted in its window), the runs alternated so the machine's
// noise falls on all of them. Then the time a revocation on one PostgreSQL instance takes to be
// seen by another. Only ratios are comparable from one machine or run to the next.
//
// BENCH_SECONDS (per run, default 5) and BENCH_ROUNDS (default 3) shorten it; DATABASE_URL
// (postgres://…) uses that server to create a throwaway database instead of starting one.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from '../../../test/support/freePort.js';
import { startThrowawayPostgres } from '../../../test/support/postgresGlobalSetup.js';
import { openStore } from '../src/store/openStore.js';
import { createDatabase } from '../test/support/postgresDatabase.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 100);
const TOKEN = 'bench-token-0123456789abcdef';
const serverPackage = fileURLToPath(new URL('..', import.meta.url));
const createBody = JSON.stringify({
  name: 'Primary production key',
  permissions: ['users:read', 'users:write'],
  metadata: { owner: 'backend-service' },
});
const keysPath = '/api-auth/apps/internal-api/keys';

/**
 * `spend`: verifyApiKey of a key with credits (enough for the run), each VALID spending one.
 * `limit`: verifyApiKey of a key with an auto-applied rate limit (out of reach), each VALID counted.
 */
type Operation = 'create' | 'verify' | 'spend' | 'limit';
const OPERATIONS: Operation[] = ['create', 'verify', 'spend', 'limit'];
interface Target {
  name: string;
  url: string;
  process: ChildProcess;
  /** A secret that verifies as VALID there. */
  secret: string;
  /** The secret of a key with credits, where the server has them. */
  meteredSecret?: string;
  /** The secret of a key with an auto-applied rate limit, where the server has them. */
  limitedSecret?: string;
  runs: Record<Operation, { requestsPerSecond: number; p50: number; p99: number }[]>;
  peakRssBytes: number;
}

function start(name: string, args: string[], env: Record<string, string>, port: number): Omit<Target, 'secret'> {
  // Output is not read: the real server's request log is written to /dev/null, at its real cost.
  const child = spawn(process.execPath, args, {
    cwd: serverPackage,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    process: child,
    runs: { create: [], verify: [], spend: [], limit: [] },
    peakRssBytes: 0,
  };
}

/** Resolves once something accepts connections on the target's port. */
async function listening(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  for (let attempt = 0; attempt < 300; attempt++) {
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), hostname, () => resolve(true)).once('error', () => resolve(false));
      socket.unref();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
    if (accepted) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not start`);
}

const post = (url: string, path: string, body: unknown) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function createKey(url: string, fields: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  const response = await post(url, keysPath, { name: 'bench key', ...fields });
  if (response.status !== 201) {
    throw new Error(`${url}: createApiKey answered ${response.status}: ${await response.text()}`);
  }
  const { key, secret } = (await response.json()) as { key: { id: string }; secret: string };
  return { id: key.id, secret };
}

/** With `usageLimited`, also a key with credits and one with a rate limit (the real server's). */
async function ready(target: Omit<Target, 'secret'>, usageLimited = false): Promise<Target> {
  await listening(target.url);
  const { secret } = await createKey(target.url);
  if (!usageLimited) {
    return { ...target, secret };
  }
  const { secret: meteredSecret } = await createKey(target.url, { credits: { remaining: 1_000_000_000_000 } });
  const { secret: limitedSecret } = await createKey(target.url, {
    ratelimits: [{ name: 'requests', limit: 1_000_000_000_000, duration_ms: 86_400_000, auto_apply: true }],
  });
  return { ...target, secret, meteredSecret, limitedSecret };
}

const SECRETS = { verify: 'secret', spend: 'meteredSecret', limit: 'limitedSecret' } as const;
const canRun = (target: Target, operation: Operation) =>
  operation === 'create' || target[SECRETS[operation]] !== undefined;

const rssBytes = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

async function drive(target: Target, operation: Operation, seconds: number) {
  const sampler = setInterval(() => {
    target.peakRssBytes = Math.max(target.peakRssBytes, rssBytes(target.process.pid!));
  }, 250);
  try {
    const result = await autocannon({
      url: `${target.url}${keysPath}${operation === 'create' ? '' : '/verify'}`,
      method: 'POST',
      connections: CONNECTIONS,
      duration: seconds,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body:
        operation === 'create'
          ? createBody
          : JSON.stringify({
              secret: target[SECRETS[operation]],
              required_permissions: [],
            }),
    });
    const failed = result.errors + result.timeouts + result.non2xx;
    if (failed > 0) {
      throw new Error(
        `${target.name} ${operation}: ${failed} requests failed (${JSON.stringify(result.statusCodeStats)})`,
      );
    }
    return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
  } finally {
    clearInterval(sampler);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;

/** A fresh database on the PostgreSQL server (DATABASE_URL's, or one started for the run), and how to drop it. */
async function postgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const given = process.env.DATABASE_URL?.startsWith('postgres') ? undefined : await startThrowawayPostgres();
  const database = await createDatabase(given?.url ?? process.env.DATABASE_URL!, 'apikeys_bench');
  return {
    url: database.url,
    drop: async () => {
      await database.drop();
      given?.stop();
    },
  };
}

/** Revoke on `first`, then ask `second` until it answers REVOKED: the milliseconds from the revocation's answer to that. */
async function revocationLatencies(first: string, second: string): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < REVOCATIONS; i++) {
    const { id, secret } = await createKey(first);
    const verify = async () =>
      ((await (await post(second, `${keysPath}/verify`, { secret })).json()) as { code: string }).code;
    // Twice: the second answer comes from `second`'s cache.
    if ((await verify()) !== 'VALID' || (await verify()) !== 'VALID') {
      throw new Error('a new key did not verify on the other instance');
    }
    const revoked = await post(first, `${keysPath}/${id}/revoke`, { reason: 'bench' });
    if (revoked.status !== 200) {
      throw new Error(`revokeApiKey answered ${revoked.status}`);
    }
    const answered = performance.now();
    while ((await verify()) !== 'REVOKED') {
      if (performance.now() - answered > 30_000) {
        throw new Error('the other instance never saw the revocation');
      }
    }
    latencies.push(performance.now() - answered);
  }
  return latencies;
}

const serverEnv = (databaseUrl: string) => ({
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  DATABASE_URL: databaseUrl,
  APIKEYS_TOKENS: TOKEN,
  APIKEYS_RATE_LIMIT: '1000000000',
});

const dir = mkdtempSync(join(tmpdir(), 'apikeys-bench-'));
const database = await postgresDatabase();
const started: Omit<Target, 'secret'>[] = [];
const receiver = createServer((request, response) => {
  request.resume().on('end', () => {
    response.statusCode = 204;
    response.end();
  });
});
try {
  const launch = async (name: string, args: string[], env: Record<string, string> = {}) => {
    const target = start(name, args, env, await freePort());
    started.push(target);
    return target;
  };
  const bare = await ready(await launch('bare node:http ceiling', ['bench/bareServer.mjs']));
  const stock = await ready(await launch('stock Express 5 + eov', ['bench/stockServer.mjs']));
  // A production server seeds no demo app: add the app the benchmark uses, as an operator would.
  for (const url of [`sqlite:${join(dir, 'bench.db')}`, database.url]) {
    const store = openStore(url);
    await store.migrate();
    await store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, new Date());
    await store.close();
  }
  const sqlite = await ready(
    await launch('apikeys, SQLite FULL', ['dist/main.js'], serverEnv(`sqlite:${join(dir, 'bench.db')}`)),
    true,
  );
  // The same server with a webhook endpoint subscribed to every event (a receiver here answering
  // 204): each create also writes its event and the worker delivers it, under the same load.
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookedStore = openStore(`sqlite:${join(dir, 'hooked.db')}`);
  await hookedStore.migrate();
  await hookedStore.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, new Date());
  await hookedStore.close();
  const hooked = await ready(
    await launch('apikeys, SQLite FULL, webhook endpoint', ['dist/main.js'], {
      ...serverEnv(`sqlite:${join(dir, 'hooked.db')}`),
      APIKEYS_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
    }),
  );
  const subscribed = await post(hooked.url, '/api-auth/apps/internal-api/webhook-endpoints', {
    url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
  });
  if (subscribed.status !== 201) {
    throw new Error(`createWebhookEndpoint answered ${subscribed.status}: ${await subscribed.text()}`);
  }
  const postgres = await ready(await launch('apikeys, PostgreSQL', ['dist/main.js'], serverEnv(database.url)), true);
  const postgresPeer = await ready(
    await launch('apikeys, PostgreSQL (2nd)', ['dist/main.js'], serverEnv(database.url)),
  );
  const targets = [bare, stock, sqlite, hooked, postgres];

  // Warm-up (JIT, the peer's lazily compiled validator, the caches), not counted.
  for (const target of targets) {
    for (const operation of OPERATIONS.filter((each) => canRun(target, each))) {
      await drive(target, operation, 1);
    }
  }
  for (const target of targets) {
    target.peakRssBytes = 0;
  }

  for (let round = 0; round < ROUNDS; round++) {
    for (const operation of OPERATIONS) {
      // Each round starts with a different server, so that none is always first after a pause.
      for (let i = 0; i < targets.length; i++) {
        const target = targets[(round + i) % targets.length]!;
        if (canRun(target, operation)) {
          target.runs[operation].push(await drive(target, operation, SECONDS));
        }
      }
    }
  }

  const summary = (target: Target, operation: Operation) => ({
    requestsPerSecond: median(target.runs[operation].map((run) => run.requestsPerSecond)),
    p50: median(target.runs[operation].map((run) => run.p50)),
    p99: median(target.runs[operation].map((run) => run.p99)),
  });
  console.log(
    `\n${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s per server and operation; medians of the rounds, peak RSS under load.\n`,
  );
  console.log('| server | operation | req/s | p50 ms | p99 ms | peak RSS MB |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const target of targets) {
    for (const operation of OPERATIONS.filter((each) => canRun(target, each))) {
      const { requestsPerSecond, p50, p99 } = summary(target, operation);
      console.log(
        `| ${target.name} | ${operation} | ${Math.round(requestsPerSecond)} | ${p50} | ${p99} | ${(target.peakRssBytes / 2 ** 20).toFixed(0)} |`,
      );
    }
  }

  const ratio = (a: Target, b: Target, operation: Operation) =>
    summary(a, operation).requestsPerSecond / summary(b, operation).requestsPerSecond;
  /** A server's verification of a key with credits against its plain verification, taken in the same rounds. */
  const spendRatio = (target: Target, operation: 'spend' | 'limit' = 'spend') =>
    summary(target, operation).requestsPerSecond / summary(target, 'verify').requestsPerSecond;
  const worstP99 = Math.max(summary(sqlite, 'create').p99, summary(sqlite, 'verify').p99);
  const revocations = await revocationLatencies(postgres.url, postgresPeer.url);
  const goal = (met: boolean) => (met ? 'met' : 'NOT met');
  const lines: [string, string, boolean][] = [
    [
      'createApiKey (SQLite) / stock Express + eov',
      `${ratio(sqlite, stock, 'create').toFixed(2)}x (goal >= 1.0)`,
      ratio(sqlite, stock, 'create') >= 1,
    ],
    [
      'createApiKey (SQLite) / bare node:http',
      `${ratio(sqlite, bare, 'create').toFixed(2)}x (goal >= 0.20)`,
      ratio(sqlite, bare, 'create') >= 0.2,
    ],
    [
      'verifyApiKey (SQLite) / stock Express + eov',
      `${ratio(sqlite, stock, 'verify').toFixed(2)}x (goal >= 1.2)`,
      ratio(sqlite, stock, 'verify') >= 1.2,
    ],
    ['verifyApiKey (SQLite) / bare node:http', `${ratio(sqlite, bare, 'verify').toFixed(2)}x`, true],
    ['createApiKey (PostgreSQL) / stock Express + eov', `${ratio(postgres, stock, 'create').toFixed(2)}x`, true],
    ['verifyApiKey (PostgreSQL) / stock Express + eov', `${ratio(postgres, stock, 'verify').toFixed(2)}x`, true],
    [
      'verifyApiKey with credits / plain verifyApiKey (SQLite)',
      `${spendRatio(sqlite).toFixed(2)}x (goal >= 0.5)`,
      spendRatio(sqlite) >= 0.5,
    ],
    ['verifyApiKey with credits / plain verifyApiKey (PostgreSQL)', `${spendRatio(postgres).toFixed(2)}x`, true],
    [
      'createApiKey with a webhook endpoint / without (SQLite)',
      `${ratio(hooked, sqlite, 'create').toFixed(2)}x (goal >= 0.9)`,
      ratio(hooked, sqlite, 'create') >= 0.9,
    ],
    [
      'verifyApiKey with a rate limit / plain verifyApiKey (SQLite)',
      `${spendRatio(sqlite, 'limit').toFixed(2)}x (goal >= 0.8)`,
      spendRatio(sqlite, 'limit') >= 0.8,
    ],
    [
      'verifyApiKey with a rate limit / plain verifyApiKey (PostgreSQL)',
      `${spendRatio(postgres, 'limit').toFixed(2)}x`,
      true,
    ],
    ['p99, create and verify (SQLite)', `${worstP99} ms (goal <= 25)`, worstP99 <= 25],
    [
      'peak RSS under load (SQLite)',
      `${(sqlite.peakRssBytes / 2 ** 20).toFixed(0)} MB (goal <= 120)`,
      sqlite.peakRssBytes <= 120 * 2 ** 20,
    ],
    [
      `revocation on one PostgreSQL instance seen by the other, ${REVOCATIONS} times`,
      `p50 ${percentile(revocations, 50).toFixed(1)} ms, p99 ${percentile(revocations, 99).toFixed(1)} ms (goal p99 <= 200)`,
      percentile(revocations, 99) <= 200,
    ],
  ];
  console.log('\n| measure | value | goal |');
  console.log('| --- | --- | --- |');
  for (const [measure, value, met] of lines) {
    console.log(`| ${measure} | ${value} | ${value.includes('goal') ? goal(met) : ''} |`);
  }
} finally {
  for (const target of started) {
    target.process.kill('SIGTERM');
  }
  await Promise.all(
    started.map((target) =>
      target.process.exitCode === null ? new Promise((resolve) => target.process.once('exit', resolve)) : undefined,
    ),
  );
  await database.drop();
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
}
