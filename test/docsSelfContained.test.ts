import { existsSync, readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { repoRoot } from './support/repo.js';
import { startRealServer, type Target } from './support/targets.js';

// The reference page must work on a closed network and tell no third party who reads it: no
// script, font, logo, icon or telemetry from a CDN. It is served by the real server at /docs, under
// its Content-Security-Policy, and every request the browser makes is recorded.
const builtPage = `${repoRoot}packages/docs/dist/index.html`;

describe('the built API reference page', () => {
  let browser: Browser;
  let server: Target;
  let origin: string;
  beforeAll(async () => {
    if (!existsSync(builtPage)) {
      throw new Error(`${builtPage} is missing: run \`pnpm run docs\` first (pnpm test does)`);
    }
    server = await startRealServer({ docsFile: builtPage });
    origin = new URL(server.url).origin;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads nothing from outside this machine while it is read, and keeps the Redocly attribution', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(10_000);
    const requested: string[] = [];
    // Whatever the Content-Security-Policy refuses is reported on the console: nothing may be.
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) {
        refused.push(message.text());
      }
    });
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

    expect(refused).toEqual([]);
    expect(requested.filter((url) => !url.startsWith(origin))).toEqual([]);
    expect(requested[0]).toBe(`${origin}/docs`);
  });

  // Served by the API, the page names that API: its origin first in the Servers box and in every
  // curl sample (packages/docs/sameOrigin.mjs), and no sample line runs off its panel at common
  // widths (the two-column layout and the stacked one).
  it.each([1440, 1280, 1024])(
    'shows its own origin in the servers and samples, wrapping long lines, %ipx wide',
    async (width) => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      page.setDefaultTimeout(10_000);
      const failures: string[] = [];
      page.on('pageerror', (error) => failures.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') {
          failures.push(message.text());
        }
      });
      await page.goto(`${origin}/docs#/api-keys/createapikey`, { waitUntil: 'networkidle' });
      const section = page.locator('[data-section-id="/api-keys/createapikey"]');
      await section.getByRole('heading', { name: 'Create an API key' }).waitFor();
      const samples = section.locator('pre[data-component-name="CodeBlock/CodeBlockContainer"]');
      await expect
        .poll(() => samples.first().textContent())
        .toContain(`curl -X POST ${origin}/api-auth/apps/internal-api/keys`);
      // Every code block of the section (the curl sample, the response examples) fits its box.
      await expect
        .poll(() =>
          samples.evaluateAll((blocks) =>
            blocks
              .filter((block) => block.scrollWidth > block.clientWidth + 1)
              .map((block) => (block.textContent ?? '').slice(0, 60)),
          ),
        )
        .toEqual([]);
      await section.locator('button', { hasText: '/api-auth/apps/{appName}/keys' }).first().click();
      const menu = page.getByRole('menu');
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text a reader sees
      const servers = await menu.evaluate((element) => (element as HTMLElement).innerText);
      expect(servers.indexOf(`${origin}/api-auth/apps/{appName}/keys`)).toBeGreaterThanOrEqual(0);
      expect(servers.indexOf(`${origin}/api-auth`)).toBeLessThan(servers.indexOf('http://localhost:3000/api-auth'));
      expect(servers).not.toMatch(/[`{]origin|`/);
      await page.close();
      expect(failures).toEqual([]);
    },
  );

  it('names no CDN in what it would fetch: no script, stylesheet, image or font URL off this machine', () => {
    const html = readFileSync(builtPage, 'utf8');
    expect(html).not.toMatch(/<(script|link|img)\b[^>]*\b(src|href)="https?:/i);
    expect(html.match(/https:\/\/cdn\.redoc\.ly[^`'"]*/g)).toBeNull();
    expect(html).toContain('"disableTelemetry":true');
    expect(html).not.toMatch(/@import\s+url\(\s*['"]?https?:/);
    expect(html).not.toMatch(/fonts\.(googleapis|gstatic)\.com/);
  });
});
