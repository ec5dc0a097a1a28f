// `pnpm bench`: measurements printed as ratios taken side by side in one run, because the
// machine is shared and absolute numbers are noise. Not part of `pnpm test`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { createServer } from '../src/compose.js';
import { contractFile } from '../src/contract/document.js';
import { listen } from '../src/http/serve.js';
import { createJsonLogger } from '../src/logger.js';
import { SqliteKeyStore } from '../src/store/sqlite/sqliteKeyStore.js';

const TOKEN = 'bench-token-0123456789abcdef';
const silent = createJsonLogger(new Writable({ write: (_c, _e, done) => done() }));
const body = JSON.stringify({
  name: 'Primary production key',
  permissions: ['users:read', 'users:write'],
  metadata: { owner: 'backend-service' },
});

async function timeRequests(url: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(`${url}/api-auth/apps/internal-api/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body,
    });
    await response.arrayBuffer();
    times.push(performance.now() - started);
  }
  return times;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function withStore<T>(synchronous: 'FULL' | 'NORMAL', run: (store: SqliteKeyStore) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'apikeys-bench-'));
  const store = new SqliteKeyStore(join(dir, 'bench.db'));
  try {
    await store.migrate();
    await store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, new Date());
    if (synchronous === 'NORMAL') {
      (store as unknown as { db: { pragma(s: string): void } }).db.pragma('synchronous = NORMAL');
    }
    return await run(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// 1. The first request after start-up, against the median of the next 99: with the validator
//    compiled at start (createServer) and with express-openapi-validator's default lazy compile.
async function firstRequest() {
  const compiled = await withStore('FULL', async (store) => {
    const running = await listen(await createServer({ store, tokens: [TOKEN], logger: silent }), 0);
    try {
      return await timeRequests(running.url, 100);
    } finally {
      await running.close();
    }
  });
  const lazy = await withStore('FULL', async () => {
    const app = express();
    app.use(express.json());
    app.use(OpenApiValidator.middleware({ apiSpec: contractFile, validateRequests: true, validateSecurity: false }));
    app.post('/api-auth/apps/:appName/keys', (_req, res) => {
      res.status(201).json({});
    });
    const running = await listen(app, 0);
    try {
      return await timeRequests(running.url, 100);
    } finally {
      await running.close();
    }
  });
  const ratio = (times: number[]) => times[0]! / median(times.slice(1));
  console.log(`first request / median of the next 99, validator compiled at start: ${ratio(compiled).toFixed(1)}x`);
  console.log(`first request / median of the next 99, validator compiled lazily:   ${ratio(lazy).toFixed(1)}x`);
}

// 2. Durable inserts (synchronous=FULL, what the server uses) against synchronous=NORMAL.
async function durability() {
  const throughput = (synchronous: 'FULL' | 'NORMAL') =>
    withStore(synchronous, async (store) => {
      const running = await listen(await createServer({ store, tokens: [TOKEN], logger: silent }), 0);
      try {
        const started = performance.now();
        await Promise.all(Array.from({ length: 8 }, () => timeRequests(running.url, 100)));
        return 800 / ((performance.now() - started) / 1000);
      } finally {
        await running.close();
      }
    });
  // Alternate the two to spread the machine's noise over both.
  const full: number[] = [];
  const normal: number[] = [];
  for (let round = 0; round < 3; round++) {
    full.push(await throughput('FULL'));
    normal.push(await throughput('NORMAL'));
  }
  console.log(
    `createApiKey requests/s, SQLite synchronous=FULL / NORMAL: ${(median(full) / median(normal)).toFixed(2)}x`,
  );
}

await firstRequest();
await durability();
