import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { repoRoot } from './support/repo.js';

// The published reference as a reader sees it: the page `pnpm run docs` builds, rendered by
// headless Chromium with no network.
const page = `${repoRoot}packages/docs/dist/index.html`;
let browser: Browser;
let tab: Page;
let text: string;

beforeAll(async () => {
  if (!existsSync(page)) throw new Error(`${page} is missing: run \`pnpm run docs\` first (pnpm test does)`);
  browser = await launchChromium();
  tab = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await tab.goto(`${pathToFileURL(page).href}#/api-keys/createapikey`);
  await tab.getByRole('heading', { name: 'Create an API key' }).waitFor();
  text = await tab.evaluate(() => document.body.innerText);
});

afterAll(async () => browser?.close());

describe('the published API reference', () => {
  it('shows the operation with its method, path and security', () => {
    expect(text).toContain('POST\n/api-auth/apps/{appName}/keys');
    expect(text).toContain('The secret is returned here and never again.');
    expect(text).toContain('bearerAuth');
  });

  it('shows every request field with its limits', () => {
    const fields: [string, string][] = [
      ['appName', 'string, [ 1 .. 63 ] characters'],
      ['name', 'string, [ 1 .. 128 ] characters'],
      ['permissions', 'Array of strings, <= 100 items, unique'],
      ['metadata', 'object, <= 50 properties'],
      ['owner', 'string, [ 1 .. 128 ] characters'],
      ['environment', 'string\n^[a-z0-9][a-z0-9_-]{0,31}$'],
      ['expires_at', 'string, (date-time)'],
    ];
    for (const [field, limits] of fields) expect(text).toContain(`${field}\n${limits}`);
    expect(text).toContain('at most 4096 bytes when serialised as JSON');
    expect(text).toContain('Must lie in the future');
  });

  it("shows the seed's examples", async () => {
    expect(text).toContain('"name": "Primary production key"');
    expect(text).toContain('"owner": "backend-service"');
    await tab.getByRole('button', { name: 'Example' }).first().click();
    await tab.getByRole('menuitem', { name: 'A key that expires' }).click();
    await expect.poll(() => tab.evaluate(() => document.body.innerText)).toContain('"expires_at": "2026-12-31T23:59:59Z"');
  });

  it('lists every error response as a problem document', async () => {
    const statuses = text.slice(text.indexOf('Responses')).split('\n').slice(1, 9);
    expect(statuses).toEqual(['201', '400', '401', '404', '413', '415', '429', '500']);
    await tab.getByRole('tab', { name: '404' }).first().click();
    await expect.poll(() => tab.evaluate(() => document.body.innerText)).toContain('application/problem+json');
    const after = await tab.evaluate(() => document.body.innerText);
    expect(after).toContain('No API auth app has the slug in the URL');
    expect(after).toContain('"type": "urn:apikeys:problem:app-not-found"');
  });
});
