import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealServer, type Target } from './support/targets.js';

// What teams on other stacks generate their clients from, as a running server publishes it.
type Document = {
  info: { version: string };
  servers: { url: string; variables?: Record<string, { default: string }> }[];
  components: { schemas: Record<string, unknown> };
  paths: Record<string, unknown>;
};

describe('the published contract', () => {
  let server: Target;
  beforeAll(async () => {
    server = await startRealServer();
  });
  afterAll(() => server?.close());

  const fetchDocument = async (path: string) => (await (await fetch(`${server.url}${path}`)).json()) as Document;

  it('comes dereferenced (one self-contained document) and bundled (named components and $refs, for generators)', async () => {
    const [dereferenced, bundled] = await Promise.all([
      fetchDocument('/openapi.json'),
      fetchDocument('/openapi.bundled.json'),
    ]);
    expect(JSON.stringify(dereferenced)).not.toContain('"$ref"');
    const createResponse = JSON.stringify((bundled.paths['/api-auth/apps/{appName}/keys'] as { post: unknown }).post);
    expect(createResponse).toContain('"$ref":"#/components/schemas/ApiKeyWithSecret"');
    expect(createResponse).toContain('"$ref":"#/components/responses/BadRequestResponse"');
    expect(Object.keys(bundled.components.schemas)).toEqual(Object.keys(dereferenced.components.schemas));
    expect(bundled.info.version).toBe(dereferenced.info.version);
  });

  it('names a server a generated client can use as its base URL', async () => {
    const { servers } = await fetchDocument('/openapi.bundled.json');
    // A plain URL (no {variable}, which generators ignore, keep literally or warn about): the
    // server `npm start` runs.
    const [first] = servers;
    expect(first).not.toHaveProperty('variables');
    expect(first!.url).toBe('http://localhost:3000');
  });
});
