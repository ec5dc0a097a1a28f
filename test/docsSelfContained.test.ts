import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { repoRoot } from './support/repo.js';

// The reference page must work on a closed network and tell no third party who reads it: no
// script, font, logo, icon or telemetry from a CDN. It is served from a loopback port, as the
// server serves /docs, and every request the browser makes is recorded.
const builtPage = `${repoRoot}packages/docs/dist/index.html`;

describe('the built API reference page', () => {
  let browser: Browser;
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    if (!existsSync(builtPage)) {
      throw new Error(`${builtPage} is missing: run \`pnpm run docs\` first (pnpm test does)`);
    }
    const html = readFileSync(builtPage);
    server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('loads nothing from outside this machine while it is read, and keeps the Redocly attribution', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(10_000);
    const requested: string[] = [];
    // Anything leaving the machine is recorded and refused, so that the test never waits on a network.
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      requested.push(url.href);
      return url.origin === origin || ['data:', 'blob:'].includes(url.protocol) ? route.continue() : route.abort();
    });
    // What a reader does: open an operation, switch its code samples to TypeScript, then leave
    // (which is when pending telemetry would be sent).
    await page.goto(`${origin}/docs#/api-keys/createapikey`, { waitUntil: 'networkidle' });
    const section = page.locator('[data-section-id="/api-keys/createapikey"]');
    await section.getByRole('heading', { name: 'Create an API key' }).waitFor();
    await section
      .locator('button[aria-haspopup="menu"]')
      .filter({ hasText: /^curl$/ })
      .click();
    await page.getByRole('menuitem', { name: 'TypeScript (@apikeys/client)' }).click();
    const logo = page.getByRole('img', { name: 'redocly logo' });
    await expect(logo.evaluate((image) => (image as HTMLImageElement).naturalWidth)).resolves.toBeGreaterThan(0);
    await page.waitForLoadState('networkidle');
    await page.goto('about:blank');
    await page.close();

    expect(requested.filter((url) => !url.startsWith(origin))).toEqual([]);
    expect(requested[0]).toBe(`${origin}/docs`);
  });

  it('names no CDN in what it would fetch: no script, stylesheet, image or font URL off this machine', () => {
    const html = readFileSync(builtPage, 'utf8');
    expect(html).not.toMatch(/<(script|link|img)\b[^>]*\b(src|href)="https?:/i);
    expect(html.match(/https:\/\/cdn\.redoc\.ly[^`'"]*/g)).toBeNull();
    expect(html).toContain('"disableTelemetry":true');
    expect(html).not.toMatch(/@import\s+url\(\s*['"]?https?:/);
    expect(html).not.toMatch(/fonts\.(googleapis|gstatic)\.com/);
  });
});
