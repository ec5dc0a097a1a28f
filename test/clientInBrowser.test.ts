import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsonLogger, createServer, listen, SqliteKeyStore, type RunningServer } from '@apikeys/server';
import { launchChromium } from './support/browser.js';
import { SERVER_NOW, TOKEN } from './support/targets.js';

// The built client, unbundled, loaded by a page in headless Chromium through an import map,
// talking to the real server on the same origin.
const require = createRequire(import.meta.url);
const clientDist = join(dirname(require.resolve('@apikeys/client/package.json')), 'dist');
// openapi-fetch as the client's own dependency resolves it, in its ESM build.
const openapiFetch = join(dirname(createRequire(join(clientDist, 'index.js')).resolve('openapi-fetch')), 'index.mjs');

const page = `<!doctype html>
<script type="importmap">{ "imports": { "openapi-fetch": "/vendor/openapi-fetch.js" } }</script>
<script type="module">
  import { createApiKeysClient, ApiKeysError } from '/client/index.js';
  const client = createApiKeysClient({ baseUrl: location.origin, token: ${JSON.stringify(TOKEN)} });
  window.results = (async () => {
    const created = await client.apiKeys.createApiKey('internal-api', { name: 'Primary production key', permissions: ['users:read', 'users:write'], metadata: { owner: 'backend-service' } });
    const refused = await client.apiKeys.createApiKey('no-such-app', { name: 'x' }).catch((error) => error);
    return { created, refusedIsApiKeysError: refused instanceof ApiKeysError, refusedStatus: refused.status, refusedType: refused.problem.type };
  })();
</script>`;

let browser: Browser;
let running: RunningServer;
let store: SqliteKeyStore;

beforeAll(async () => {
  store = new SqliteKeyStore(join(mkdtempSync(join(tmpdir(), 'apikeys-browser-')), 'apikeys.db'));
  await store.migrate();
  await store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, SERVER_NOW);
  const api = await createServer({ store, tokens: [TOKEN], now: () => SERVER_NOW, validateResponses: true, logger: createJsonLogger(new Writable({ write: (_c, _e, done) => done() })) });
  const site = express();
  site.get('/', (_req, res) => {
    res.type('html').send(page);
  });
  site.get('/vendor/openapi-fetch.js', (_req, res) => {
    res.type('text/javascript').send(readFileSync(openapiFetch, 'utf8'));
  });
  site.use('/client', express.static(clientDist));
  site.use(api);
  running = await listen(site, 0);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await running?.close();
  await store?.close();
});

describe('@apikeys/client in a browser', () => {
  it('creates a key and reports a refusal as ApiKeysError', async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(running.url);
    const results = await tab.evaluate(() => (window as unknown as { results: Promise<unknown> }).results);
    expect(errors).toEqual([]);
    expect(results).toMatchObject({
      created: { key: { app_slug: 'internal-api', name: 'Primary production key' }, secret: expect.stringMatching(/^sk_/) },
      refusedIsApiKeysError: true,
      refusedStatus: 404,
      refusedType: 'urn:apikeys:problem:app-not-found',
    });
    expect(await store.countKeys()).toBe(1);
  });
});
