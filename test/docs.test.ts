import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
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

const appName = ['appName', 'string, [ 1 .. 63 ] characters'] as const;
const keyId = ['keyId', 'string, (uuid)'] as const;

interface Operation {
  operationId: string;
  /** The tag the docs group it under, as in its `#/<tag>/<operationid>` link; `api-keys` when not given. */
  tag?: string;
  /** The scopes its security requirement names, which the docs show beside bearerAuth. */
  scopes: string[];
  title: string;
  method: string;
  path: string;
  /** Sentences of the description that say what matters most. */
  says: string[];
  /** Parameters and body fields, each with the line that gives its type and limits. */
  fields: (readonly [string, string])[];
  /** Response fields a reader opens (a click on the name) to see the fields inside them. */
  opens?: string[];
  /** What the page shows first: examples, defaults, enums. */
  examples: string[];
  /** A named example to switch to, from the one shown first, and what it then shows. */
  switchExample: { from: string; to: string; shows: string };
  statuses: string[];
  /** An error status, and what its tab shows: the problem document's type. */
  problem: { status: string; says: string; type: string };
}

const operations: Operation[] = [
  {
    operationId: 'createApiKey',
    scopes: ['keys:create'],
    title: 'Create an API key',
    method: 'POST',
    path: '/api-auth/apps/{appName}/keys',
    says: [
      'The secret is returned here and never again.',
      'at most 4096 bytes when serialised as JSON',
      'Must lie in the future',
    ],
    fields: [
      appName,
      ['name', 'string, [ 1 .. 128 ] characters'],
      ['permissions', 'Array of strings, <= 100 items, unique'],
      ['metadata', 'object, <= 50 properties'],
      ['owner', 'string, [ 1 .. 128 ] characters'],
      ['environment', 'string\n(Environment)\n^[a-z0-9][a-z0-9_-]{0,31}$'],
      ['expires_at', 'string, (date-time)'],
      ['secret', 'string\n^[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{49}$'],
    ],
    examples: [
      '"name": "Primary production key"',
      '"owner": "backend-service"',
      '"secret": "sk_fRa37QoQkElLOmYxYxU5V1noHNOuN7FU0COyFj81B6j3XGlRe"',
    ],
    switchExample: {
      from: 'A production key with permissions and metadata',
      to: 'A key that expires',
      shows: '"expires_at": "2026-12-31T23:59:59Z"',
    },
    statuses: ['201', '400', '401', '403', '404', '409', '413', '415', '422', '429', '500'],
    problem: {
      status: '404',
      says: 'No API auth app has the slug in the URL',
      type: 'urn:apikeys:problem:app-not-found',
    },
  },
  {
    operationId: 'listApiKeys',
    scopes: ['keys:read'],
    title: 'List API keys',
    method: 'GET',
    path: '/api-auth/apps/{appName}/keys',
    says: ["Pass the answer's next_cursor as cursor to get the next page; it is null on the last page."],
    fields: [
      appName,
      ['limit', 'integer, [ 1 .. 100 ]'],
      ['cursor', 'string, [ 1 .. 512 ] characters'],
      ['status', 'string'],
      ['environment', 'string\n(Environment)\n^[a-z0-9][a-z0-9_-]{0,31}$'],
      ['owner', 'string, [ 1 .. 128 ] characters'],
      ['next_cursor', 'string or null, <= 512 characters'],
    ],
    examples: [
      'Default:\n20',
      'Enum:\n"active"\n"revoked"\n"expired"\n"all"',
      '"next_cursor": "eyJ0IjoiMjAyNi0xMS0yNlQwOTozMTowMC4wMDBaIn0.q9xRkG2C1u5m0c4T8bW1sA"',
    ],
    switchExample: { from: 'A page with more to come', to: 'The last page', shows: '"next_cursor": null' },
    statuses: ['200', '400', '401', '403', '404', '429', '500'],
    problem: {
      status: '404',
      says: 'No API auth app has the slug in the URL',
      type: 'urn:apikeys:problem:app-not-found',
    },
  },
  {
    operationId: 'getApiKey',
    scopes: ['keys:read'],
    title: 'Get an API key',
    method: 'GET',
    path: '/api-auth/apps/{appName}/keys/{keyId}',
    says: ['A key of another app is answered 404, exactly like a key that does not exist.'],
    fields: [
      appName,
      keyId,
      ['status', 'string\n(KeyStatus)'],
      ['revoked_at', 'string or null, (date-time)'],
      ['revocation_reason', 'string or null, <= 256 characters'],
      ['rotated_to', 'string or null, (uuid)'],
    ],
    examples: ['"status": "active"', '"last_used_at": "2026-11-26T10:02:11.000Z"'],
    switchExample: {
      from: 'An active key',
      to: 'A revoked key',
      shows: '"revocation_reason": "Leaked in a build log"',
    },
    statuses: ['200', '400', '401', '403', '404', '429', '500'],
    problem: { status: '404', says: 'The app has no key with this id', type: 'urn:apikeys:problem:key-not-found' },
  },
  {
    operationId: 'updateApiKey',
    scopes: ['keys:update'],
    title: 'Update an API key',
    method: 'PATCH',
    path: '/api-auth/apps/{appName}/keys/{keyId}',
    says: ['An empty body is refused with 400. A revoked key cannot be changed (409).'],
    fields: [
      appName,
      keyId,
      ['name', 'string, [ 1 .. 128 ] characters'],
      ['permissions', 'Array of strings, <= 100 items, unique'],
      ['metadata', 'object, <= 50 properties'],
      ['owner', 'string or null, [ 1 .. 128 ] characters'],
      ['environment', 'string or null\n^[a-z0-9][a-z0-9_-]{0,31}$'],
      ['expires_at', 'string or null, (date-time)'],
    ],
    examples: ['required\nnon-empty', '"permissions": [\n    "users:read"\n  ]'],
    switchExample: {
      from: 'Replace the permissions',
      to: 'Make the key not expire and tag it',
      shows: '"environment": "production"',
    },
    statuses: ['200', '400', '401', '403', '404', '409', '413', '415', '429', '500'],
    problem: {
      status: '409',
      says: "The key's state does not allow the change",
      type: 'urn:apikeys:problem:key-revoked',
    },
  },
  {
    operationId: 'revokeApiKey',
    scopes: ['keys:revoke'],
    title: 'Revoke an API key',
    method: 'POST',
    path: '/api-auth/apps/{appName}/keys/{keyId}/revoke',
    says: ['Revoking a revoked key changes nothing and answers 200 with its record.'],
    fields: [appName, keyId, ['reason', 'string, [ 1 .. 256 ] characters']],
    examples: ['"reason": "Leaked in a build log"', '"status": "revoked"'],
    switchExample: {
      from: 'With a reason for the audit trail',
      to: 'Without a reason',
      shows: 'Payload\nWithout a reason\n{}',
    },
    statuses: ['200', '400', '401', '403', '404', '413', '415', '429', '500'],
    problem: { status: '404', says: 'The app has no key with this id', type: 'urn:apikeys:problem:key-not-found' },
  },
  {
    operationId: 'rotateApiKey',
    scopes: ['keys:create', 'keys:revoke'],
    title: 'Rotate an API key',
    method: 'POST',
    path: '/api-auth/apps/{appName}/keys/{keyId}/rotate',
    says: ['The new secret is returned here and never again.'],
    fields: [
      appName,
      keyId,
      ['grace_period_seconds', 'integer, [ 0 .. 86400 ]'],
      ['secret', 'string\n^[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{49}$'],
    ],
    examples: [
      'Default:\n0',
      '"grace_period_seconds": 3600',
      '"rotated_from": "2f6c1d3e-8b4a-4c5d-9e7f-0a1b2c3d4e5f"',
      'Always no-store',
    ],
    switchExample: {
      from: 'Keep the old key working for an hour',
      to: 'Revoke the old key at once',
      shows: 'Payload\nRevoke the old key at once\n{}',
    },
    statuses: ['201', '400', '401', '403', '404', '409', '413', '415', '422', '429', '500'],
    problem: {
      status: '409',
      says: "The key's state does not allow the change",
      type: 'urn:apikeys:problem:key-revoked',
    },
  },
  {
    operationId: 'verifyApiKey',
    scopes: ['keys:verify'],
    title: 'Verify an API key',
    method: 'POST',
    path: '/api-auth/apps/{appName}/keys/verify',
    says: ['A well-formed request is always answered 200: the verdict is in code.'],
    fields: [
      appName,
      ['secret', 'string, <= 512 characters'],
      ['required_permissions', 'Array of strings, <= 100 items'],
      ['code', 'string\n(VerificationCode)'],
    ],
    examples: [
      'Enum:\n"VALID"\n"MALFORMED"\n"NOT_FOUND"\n"EXPIRED"\n"REVOKED"\n"INSUFFICIENT_PERMISSIONS"',
      '"required_permissions": [\n    "users:read"\n  ]',
      '"code": "VALID"',
    ],
    switchExample: { from: 'A valid key', to: 'The key was revoked', shows: '"code": "REVOKED"' },
    statuses: ['200', '400', '401', '403', '404', '413', '415', '429', '500'],
    problem: {
      status: '404',
      says: 'No API auth app has the slug in the URL',
      type: 'urn:apikeys:problem:app-not-found',
    },
  },
  {
    operationId: 'listAuditEvents',
    tag: 'audit-trail',
    opens: ['data'],
    scopes: ['audit:read'],
    title: 'List audit events',
    method: 'GET',
    path: '/api-auth/apps/{appName}/audit-events',
    says: [
      'Each event is written in the same transaction as the change, so there is no change without its event and no event without its change.',
    ],
    fields: [
      appName,
      ['key_id', 'string, (uuid)'],
      ['limit', 'integer, [ 1 .. 100 ]'],
      ['cursor', 'string, [ 1 .. 512 ] characters'],
      ['action', 'string\n(AuditAction)'],
      ['next_cursor', 'string or null, <= 512 characters'],
    ],
    examples: ['Default:\n20', '"next_cursor": "eyJ0IjoiMjAyNi0xMS0yNlQxMToxNTowMC4wMDBaIn0.r8wQjF1B0t4l9b3S7aV0rA"'],
    switchExample: { from: 'A page with more to come', to: 'The last page', shows: '"next_cursor": null' },
    statuses: ['200', '400', '401', '403', '404', '429', '500'],
    problem: {
      status: '403',
      says: 'The token is valid but lacks a scope this operation requires',
      type: 'urn:apikeys:problem:insufficient-scope',
    },
  },
];

describe.each(operations)('the published API reference of $operationId', (operation) => {
  let tab: Page;
  let section: Locator;
  let text: string;
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text a reader sees, not hidden nodes' text
  const readSection = () => section.evaluate((element) => (element as HTMLElement).innerText);

  beforeAll(async () => {
    const id = `/${operation.tag ?? 'api-keys'}/${operation.operationId.toLowerCase()}`;
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
    for (const [field, limits] of operation.fields) {
      await expect.poll(readSection).toContain(`${field}\n${limits}`);
    }
  });

  // The request-samples dropdown, whichever language it shows.
  const samplesMenu = () =>
    section
      .locator('button[aria-haspopup="menu"]')
      .filter({ hasText: /^(curl|TypeScript \(@apikeys\/client\)|Payload)$/ });

  it('shows code samples in curl and TypeScript', async () => {
    expect(text).toMatch(new RegExp(`curl (-X ${operation.method} )?'?https://apikeys\\.example\\.internal`));
    await samplesMenu().click();
    await tab.getByRole('menuitem', { name: 'TypeScript (@apikeys/client)' }).click();
    await expect.poll(readSection).toContain(`client.apiKeys.${operation.operationId}(`);
  });

  it('shows its examples', async () => {
    if (operation.method !== 'GET') {
      await samplesMenu().click();
      await tab.getByRole('menuitem', { name: 'Payload' }).click();
    }
    text = await readSection();
    for (const example of operation.examples) {
      expect(text).toContain(example);
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
    await section.getByRole('tab', { name: operation.problem.status }).click();
    await expect.poll(readSection).toContain('application/problem+json');
    const after = await readSection();
    expect(after).toContain(operation.problem.says);
    expect(after).toContain(`"type": "${operation.problem.type}"`);
  });
});
