import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { clientOperations, firstSentence, readOperations } from '../../../scripts/clientOperations.mjs';

// The client's methods come from the contract (scripts/clientOperations.mjs, run by `pnpm generate`):
// a contract with more operations makes a client with more methods, and nothing hand-written changes.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const clientDir = join(root, 'packages/client');
const contract = () => parse(readFileSync(join(root, 'spec/openapi.yaml'), 'utf8'));

describe('what the generator reads from the contract', () => {
  it('retries, sends Idempotency-Key and pages exactly as the hand-written client did', () => {
    const operations = readOperations(contract());
    const by = Object.fromEntries(operations.map((op) => [op.operationId, op]));
    // Never retried: a POST without Idempotency-Key or x-retryable, and the PATCHes.
    expect(operations.filter((op) => !op.retryable).map((op) => op.operationId)).toEqual([
      'revokeServiceToken',
      'updateApp',
      'updateApiKey',
      'updateWebhookEndpoint',
    ]);
    expect(operations.filter((op) => op.idempotent).map((op) => op.operationId)).toEqual([
      'createApp',
      'createServiceToken',
      'createApiKey',
      'rotateApiKey',
      'createWebhookEndpoint',
      'rotateWebhookEndpointSecret',
    ]);
    expect(operations.flatMap((op) => (op.listAll ? [op.listAll.name] : []))).toEqual([
      'listAllApps',
      'listAllWorkspaceAuditEvents',
      'listAllApiKeys',
      'listAllAuditEvents',
      'listAllWebhookDeliveries',
    ]);
    expect(by.verifyApiKey?.retryReason).toBe('x-retryable: true');
    expect(by.deleteApp?.retryReason).toBe('an idempotent method');
    expect(by.updateApp?.retryReason).toBe('neither safe, idempotent by key nor x-retryable');
    expect(by.revokeApiKey?.body).toEqual({ type: 'RevokeApiKeyRequest', optional: true, defaultEmpty: true });
    expect(by.updateApiKey?.body).toEqual({ type: 'UpdateApiKeyRequest', optional: false, defaultEmpty: false });
    expect(by.getApiKey?.pathParams.map((p) => p.name)).toEqual(['appName', 'keyId']);
  });

  it('takes the first sentence of a description for the JSDoc', () => {
    expect(firstSentence('Returns the record.\nA key of another app is a 404.')).toBe('Returns the record.');
    expect(firstSentence('No full stop')).toBe('No full stop');
  });
});

describe('a client generated from a contract with another operation', () => {
  let dir: string;
  let generated: ReturnType<typeof clientOperations>;

  beforeAll(() => {
    const document = contract();
    const idempotencyKey = { $ref: '#/components/parameters/IdempotencyKeyParam' };
    const problem = { $ref: '#/components/responses/AppNotFoundResponse' };
    Object.assign(document.components.schemas, {
      Widget: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name'],
        properties: { id: { type: 'string' }, name: { type: 'string' } },
      },
      CreateWidgetRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: { type: 'string' } },
      },
      WidgetList: {
        type: 'object',
        additionalProperties: false,
        required: ['data', 'next_cursor'],
        properties: {
          data: { type: 'array', items: { $ref: '#/components/schemas/Widget' } },
          next_cursor: { type: ['string', 'null'] },
        },
      },
    });
    const json = (schema: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } });
    document.paths['/api-auth/apps/{appName}/widgets'] = {
      parameters: [{ $ref: '#/components/parameters/AppNameParam' }],
      post: {
        operationId: 'createWidget',
        summary: 'Create a widget',
        description: 'Makes a widget. It is new.',
        parameters: [idempotencyKey],
        requestBody: { required: true, content: json('CreateWidgetRequest') },
        responses: { '201': { description: 'made', content: json('Widget') }, '404': problem },
      },
      get: {
        operationId: 'listWidgets',
        summary: 'List widgets',
        parameters: [
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
        ],
        responses: { '200': { description: 'a page', content: json('WidgetList') } },
      },
    };
    document.paths['/api-auth/apps/{appName}/widgets/{widgetId}/archive'] = {
      post: {
        operationId: 'archiveWidget',
        summary: 'Archive a widget',
        parameters: [
          { $ref: '#/components/parameters/AppNameParam' },
          { name: 'widgetId', in: 'path', required: true, schema: { type: 'string' } },
        ],
        requestBody: { required: false, content: json('CreateWidgetRequest') },
        responses: { '200': { description: 'archived', content: json('Widget') } },
      },
    };

    dir = mkdtempSync(join(tmpdir(), 'apikeys-client-generation-'));
    cpSync(join(clientDir, 'src'), join(dir, 'src'), { recursive: true });
    symlinkSync(join(clientDir, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
    writeFileSync(join(dir, 'openapi.yaml'), stringify(document));
    // As scripts/generate.mjs runs it, but without the root redocly.yaml's lint rules (examples
    // and 4xx answers are beside the point here).
    execFileSync(
      join(root, 'node_modules/.bin/openapi-typescript'),
      [
        join(dir, 'openapi.yaml'),
        '-o',
        join(dir, 'src/generated/openapi.ts'),
        '--root-types',
        '--root-types-no-schema-prefix',
        '--root-types-keep-casing',
        '--default-non-nullable',
        'false',
      ],
      { cwd: dir, stdio: 'pipe' },
    );
    generated = clientOperations(document);
    for (const [file, source] of Object.entries(generated)) {
      writeFileSync(join(dir, 'src/generated', file), source);
    }
  }, 60_000);
  afterAll(() => {
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('declares the new methods, their listAll… and their Idempotency-Key', () => {
    const types = generated['operations.ts'];
    expect(types).toContain(
      'createWidget(appName: string, request: CreateWidgetRequest, options?: IdempotentRequestOptions): Promise<Widget>;',
    );
    expect(types).toContain('listWidgets(appName: string, query?: ListWidgetsQuery, options?: RequestOptions)');
    expect(types).toContain("listAllWidgets(appName: string, query?: Omit<ListWidgetsQuery, 'cursor'>");
    expect(types).toContain('): AsyncIterable<Widget>;');
    expect(types).toContain(
      'archiveWidget(appName: string, widgetId: string, request?: CreateWidgetRequest, options?: RequestOptions)',
    );
    expect(types).toContain('Create a widget. Makes a widget.');
    expect(types).toContain('export type ListWidgetsQuery =');
    const bind = generated['bindOperations.ts'];
    expect(bind).toMatch(
      /const createWidget[^;]*\n\s*const header = \{ 'Idempotency-Key': idempotencyKey\(options\) \}/,
    );
    expect(bind).toContain('// POST /api-auth/apps/{appName}/widgets/{widgetId}/archive: never retried');
  });

  it('type-checks: typed bodies (excess fields refused), path parameters in order, the typed answer', () => {
    writeFileSync(
      join(dir, 'consumer.ts'),
      `import { createApiKeysClient, type ListWidgetsQuery } from './src/index.js';
import type { Widget } from './src/generated/openapi.js';
const client = createApiKeysClient({ baseUrl: 'http://127.0.0.1:1', token: 't' });
export const made: Promise<Widget> = client.apiKeys.createWidget('app', { name: 'w' }, { idempotencyKey: 'k'.repeat(16) });
// @ts-expect-error colour is not a field of the request
void client.apiKeys.createWidget('app', { name: 'w', colour: 'red' });
// @ts-expect-error the body is required
void client.apiKeys.createWidget('app');
export const archived: Promise<Widget> = client.apiKeys.archiveWidget('app', 'w1');
export const query: ListWidgetsQuery = { cursor: 'c', limit: 1 };
export async function names(): Promise<string[]> {
  const all: string[] = [];
  for await (const widget of client.apiKeys.listAllWidgets('app', { limit: 2 })) all.push(widget.name);
  // @ts-expect-error listAllWidgets follows the cursors itself
  void client.apiKeys.listAllWidgets('app', { cursor: 'c' });
  return all;
}
export const keys: Promise<unknown> = client.apiKeys.getApiKey('app', 'id');
`,
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(root, 'tsconfig.base.json'),
        compilerOptions: { outDir: 'dist', rootDir: '.', lib: ['ES2023', 'DOM'], types: [] },
        include: ['src', 'consumer.ts'],
      }),
    );
    const compiled = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json')], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(compiled.stdout + compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
  }, 120_000);

  // Runs what the type check above compiled into dist/.
  it('runs: the same Idempotency-Key on every retry, the pages followed, a POST without one never retried', async () => {
    const { createApiKeysClient } = await import(pathToFileURL(join(dir, 'dist/src/index.js')).href);
    const seen: { method: string; url: string; key: string | null; body: string }[] = [];
    const answers: Response[] = [];
    const fetch = async (request: Request) => {
      seen.push({
        method: request.method,
        url: request.url,
        key: request.headers.get('idempotency-key'),
        body: await request.text(),
      });
      return answers.shift() ?? new Response('no answer left', { status: 500 });
    };
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    const unavailable = () =>
      new Response(JSON.stringify({ type: 'urn:apikeys:problem:internal-error', title: 'x', status: 503 }), {
        status: 503,
        headers: { 'content-type': 'application/problem+json' },
      });
    const client = createApiKeysClient({ baseUrl: 'http://api.test', token: 't', fetch, retry: { baseDelayMs: 1 } });

    answers.push(unavailable(), json(201, { id: 'w1', name: 'w' }));
    expect(await client.apiKeys.createWidget('app', { name: 'w' })).toEqual({ id: 'w1', name: 'w' });
    expect(seen.map((each) => [each.method, each.url, each.body])).toEqual([
      ['POST', 'http://api.test/api-auth/apps/app/widgets', '{"name":"w"}'],
      ['POST', 'http://api.test/api-auth/apps/app/widgets', '{"name":"w"}'],
    ]);
    expect(seen[0]?.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]?.key).toBe(seen[0]?.key);

    seen.length = 0;
    answers.push(
      json(200, { data: [{ id: 'a', name: 'A' }], next_cursor: 'c2' }),
      unavailable(),
      json(200, { data: [{ id: 'b', name: 'B' }], next_cursor: null }),
    );
    const names: string[] = [];
    for await (const widget of client.apiKeys.listAllWidgets('app', { limit: 1 })) {
      names.push(widget.name);
    }
    expect(names).toEqual(['A', 'B']);
    expect(seen.map((each) => each.url)).toEqual([
      'http://api.test/api-auth/apps/app/widgets?limit=1',
      'http://api.test/api-auth/apps/app/widgets?limit=1&cursor=c2',
      'http://api.test/api-auth/apps/app/widgets?limit=1&cursor=c2',
    ]);
    expect(seen.every((each) => each.key === null)).toBe(true);

    seen.length = 0;
    answers.push(unavailable());
    await expect(client.apiKeys.archiveWidget('app', 'w/1')).rejects.toMatchObject({ status: 503 });
    expect(seen.map((each) => each.url)).toEqual(['http://api.test/api-auth/apps/app/widgets/w%2F1/archive']);
  });
});
