import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { listen, type RunningServer } from '@apikeys/server';
import express from 'express';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { buildRealApp, startMock, type Target, TOKEN } from './support/targets.js';

// The built client, unbundled, loaded by a page in headless Chromium through an import map,
// talking to the real server on the page's origin and to the mock (Prism) across origins.
const require = createRequire(import.meta.url);
const clientDist = join(dirname(require.resolve('@apikeys/client/package.json')), 'dist');
// openapi-fetch as the client's own dependency resolves it, in its ESM build.
const openapiFetch = join(dirname(createRequire(join(clientDist, 'index.js')).resolve('openapi-fetch')), 'index.mjs');

const page = `<!doctype html>
<script type="importmap">{ "imports": { "openapi-fetch": "/vendor/openapi-fetch.js" } }</script>
<script type="module">
  import { createApiKeysClient, ApiKeysError } from '/client/index.js';
  window.run = async (baseUrl) => {
    const client = createApiKeysClient({ baseUrl, token: ${JSON.stringify(TOKEN)} });
    const created = await client.apiKeys.createApiKey('internal-api', { name: 'Primary production key', permissions: ['users:read', 'users:write'], metadata: { owner: 'backend-service' } });
    const got = await client.apiKeys.getApiKey('internal-api', created.key.id);
    const refused = await client.apiKeys.createApiKey('no-such-app', { name: 'x' }, { headers: { Prefer: 'code=404' } }).catch((error) => error);
    return { created, gotSameKey: got.id === created.key.id, refusedIsApiKeysError: refused instanceof ApiKeysError, refusedStatus: refused.status, refusedType: refused.problem.type };
  };
  window.ready = true;
</script>`;

const expected = {
  created: {
    key: { app_slug: 'internal-api', name: 'Primary production key' },
    secret: expect.stringMatching(/^sk_[0-9A-Za-z]{49}$/),
  },
  gotSameKey: true,
  refusedIsApiKeysError: true,
  refusedStatus: 404,
  refusedType: 'urn:apikeys:problem:app-not-found',
};

// Three origins, as in development: the page's own site, the real server (which allows the
// site's origin by CORS) and the mock.
let browser: Browser;
let site: RunningServer;
let api: RunningServer;
let real: Awaited<ReturnType<typeof buildRealApp>>;
let mock: Target;

beforeAll(async () => {
  const pages = express();
  pages.get('/', (_req, res) => {
    res.type('html').send(page);
  });
  pages.get('/vendor/openapi-fetch.js', (_req, res) => {
    res.type('text/javascript').send(readFileSync(openapiFetch, 'utf8'));
  });
  pages.use('/client', express.static(clientDist));
  site = await listen(pages, 0);
  real = await buildRealApp({ corsOrigins: [new URL(site.url).origin] });
  api = await listen(real.app, 0);
  mock = await startMock();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await api?.close();
  await real?.dispose();
  await mock?.close();
});

async function runInPage(baseUrl: string) {
  const tab = await browser.newPage();
  const errors: string[] = [];
  tab.on('pageerror', (error) => errors.push(error.message));
  await tab.goto(site.url);
  await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  const results = await tab.evaluate(
    (url) => (window as unknown as { run(url: string): Promise<unknown> }).run(url),
    baseUrl,
  );
  expect(errors).toEqual([]);
  return results;
}

describe('@apikeys/client in a browser, on a page of another origin', () => {
  it('creates and reads back a key on the real server, which allows the origin, and reports a refusal as ApiKeysError', async () => {
    expect(new URL(api.url).origin).not.toBe(new URL(site.url).origin);
    expect(await runInPage(api.url)).toMatchObject(expected);
    expect(await real.store.countKeys()).toBe(1);
  });

  it('works against the mock the same way', async () => {
    expect(await runInPage(mock.url)).toMatchObject(expected);
  });

  it('is refused by a server that does not allow the origin', async () => {
    const closed = await buildRealApp();
    const server = await listen(closed.app, 0);
    try {
      const tab = await browser.newPage();
      await tab.goto(site.url);
      await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
      const outcome = await tab.evaluate(
        (url) =>
          (window as unknown as { run(url: string): Promise<unknown> }).run(url).then(
            () => 'answered',
            (error: Error) => error.name,
          ),
        server.url,
      );
      expect(outcome).toBe('ApiKeysNetworkError');
      expect(await closed.store.countKeys()).toBe(0);
    } finally {
      await server.close();
      await closed.dispose();
    }
  });
});
