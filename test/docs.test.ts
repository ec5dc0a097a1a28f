import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { contractOperations, requireComplete } from './support/contract.js';
import { docsExpectation, docsNeeds } from './support/docsExpectations.js';
import { repoRoot } from './support/repo.js';

// The published reference as a reader sees it: the page `pnpm run docs` builds, rendered by
// headless Chromium with no network. Each operation is read from its own section of the page
// (Redoc also renders the neighbouring operations), opened by its `#/api-keys/<operationid>` link.
const page = `${repoRoot}packages/docs/dist/index.html`;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(page)) {
    throw new Error(`${page} is missing: run \`pnpm run docs\` first (pnpm test does)`);
  }
  browser = await launchChromium();
});

afterAll(async () => browser?.close());

// What each operation's section must show is derived from the contract (support/docsExpectations.ts):
// a new operation is checked with no edit here, and one the docs cannot show completely (no
// summary, no scope, no example, no code sample, an error that is not a problem document) fails
// naming the operation and what it lacks.
const operations = contractOperations().map((operation) => {
  requireComplete(operation, docsNeeds, 'the docs suite');
  return docsExpectation(operation);
});

describe.each(operations)('the published API reference of $operationId', (operation) => {
  let tab: Page;
  let section: Locator;
  let text: string;
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text a reader sees, not hidden nodes' text
  const readSection = () => section.evaluate((element) => (element as HTMLElement).innerText);

  beforeAll(async () => {
    const id = operation.sectionId;
    tab = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // A missing element fails the test instead of waiting for ever.
    tab.setDefaultTimeout(10_000);
    await tab.goto(`${pathToFileURL(page).href}#${id}`);
    section = tab.locator(`[data-section-id="${id}"]`);
    await section.getByRole('heading', { name: operation.title }).waitFor();
    text = await readSection();
  });
  afterAll(() => tab?.close());

  it('shows the operation with its method, path, description and security', () => {
    expect(text).toContain(`${operation.method}\n${operation.path}`);
    for (const sentence of operation.says) {
      expect(text).toContain(sentence);
    }
    expect(text).toContain('bearerAuth');
    for (const scope of operation.scopes) {
      expect(text).toContain(scope);
    }
  });

  it('shows every parameter and field with its limits', async () => {
    for (const name of operation.opens ?? []) {
      // The last field of that name is the response's (the request's come first).
      await section
        .locator('.schema-name', { hasText: new RegExp(`^${name}$`) })
        .last()
        .click();
    }
    // An object Redoc shows collapsed behind "Show N properties" (or "Show property" for one;
    // "Show N array properties" for a list of objects). Each click opens one and removes its
    // link, so the first left is clicked until none is.
    const more = section.getByText(/^Show (\d+ (array )?properties|(array )?property)$/);
    for (let opened = 0; opened < 20 && (await more.count()) > 0; opened++) {
      await more.first().click();
    }
    const missing = async () => {
      const shown = await readSection();
      return operation.fields.filter(([, shows]) => !shows.test(shown)).map(([field, shows]) => `${field}: ${shows}`);
    };
    await expect.poll(missing).toEqual([]);
  });

  // The request-samples dropdown, whichever language it shows.
  const samplesMenu = () =>
    section
      .locator('button[aria-haspopup="menu"]')
      .filter({ hasText: /^(curl|TypeScript \(@apikeys\/client\)|Payload)$/ });

  it('shows code samples in curl and TypeScript', async () => {
    // Opened as a file, the page shows the contract's first server (served by the API, its own
    // origin: docsSelfContained.test.ts).
    expect(text).toMatch(new RegExp(`curl (-X ${operation.method} )?'?http://localhost:3000/`));
    await samplesMenu().click();
    await tab.getByRole('menuitem', { name: 'TypeScript (@apikeys/client)' }).click();
    await expect.poll(readSection).toContain(`client.apiKeys.${operation.operationId}(`);
  });

  it('shows its examples', async () => {
    // The request body's example is behind the "Payload" sample (an operation without a body, a
    // DELETE or a POST of an action, has none).
    if (operation.hasBody) {
      await samplesMenu().click();
      await tab.getByRole('menuitem', { name: 'Payload' }).click();
    }
    text = await readSection();
    for (const example of operation.examples) {
      expect(text).toContain(example);
    }
    if (!operation.switchExample) {
      return;
    }
    const { from, to, shows } = operation.switchExample;
    await section.getByRole('button', { name: 'Example' }).filter({ hasText: from }).click();
    await tab.getByRole('menuitem', { name: to }).click();
    await expect.poll(readSection).toContain(shows);
  });

  it('lists every error response as a problem document', async () => {
    const responses = text.slice(text.indexOf('\nResponses\n') + '\nResponses\n'.length).split('\n');
    expect(
      responses.slice(
        0,
        responses.findIndex((line) => !/^\d{3}$/.test(line)),
      ),
    ).toEqual(operation.statuses);
    for (const problem of operation.problems) {
      await section.getByRole('tab', { name: problem.status, exact: true }).click();
      await expect.poll(readSection).toContain(`"type": "${problem.type}"`);
      const after = await readSection();
      expect(after, problem.status).toContain('application/problem+json');
      expect(after, problem.status).toContain(problem.says);
    }
  });
});

// The events the service sends (the contract's `webhooks`), each in its own section with its
// payload's fields and its example, so that a team writing a receiver reads what it gets.
const contractJson = JSON.parse(readFileSync(`${repoRoot}packages/types/openapi.json`, 'utf8')) as {
  webhooks: Record<string, { post: { operationId: string; summary: string } }>;
};
describe.each(Object.entries(contractJson.webhooks))('the published event %s', (name, { post }) => {
  it('shows its payload fields, how it is signed, and its example', async () => {
    const id = `/webhooks/${post.operationId.toLowerCase()}`;
    const tab = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    tab.setDefaultTimeout(10_000);
    try {
      await tab.goto(`${pathToFileURL(page).href}#${id}`);
      const section = tab.locator(`[data-section-id="${id}"]`);
      await section.getByRole('heading', { name: post.summary }).waitFor();
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text a reader sees
      const text = await section.evaluate((element) => (element as HTMLElement).innerText);
      expect(text).toContain('Standard');
      for (const field of ['id', 'type', 'timestamp', 'data']) {
        expect(text).toMatch(new RegExp(`(?:^|\\n)${field}\\n`));
      }
      expect(text).toContain(`"type": "${name}"`);
    } finally {
      await tab.close();
    }
  });
});
