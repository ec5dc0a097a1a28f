import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKeysError, ApiKeysNetworkError, ApiKeysTimeoutError, createApiKeysClient } from '../src/index.js';

// Transport behaviour the API itself cannot show: a loopback HTTP server that records what
// arrives and answers as a misbehaving proxy or a hung upstream would.
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | undefined;
const seen: Seen[] = [];

async function upstream(answer: (res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  seen.length = 0;
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

const created = {
  key: { id: '2f6c1d3e-8b4a-4c5d-9e7f-0a1b2c3d4e5f', app_slug: 'internal-api', name: 'x', key_prefix: 'sk', key_suffix: 'abcd', permissions: [], metadata: {}, owner: null, environment: null, expires_at: null, created_at: '2026-01-01T00:00:00.000Z' },
  secret: `sk_${'a'.repeat(49)}`,
};
const answer201 = (res: ServerResponse) => {
  res.writeHead(201, { 'content-type': 'application/json' });
  res.end(JSON.stringify(created));
};

describe('createApiKeysClient', () => {
  it('sends the bearer token, JSON body and headers to the URL-encoded path', async () => {
    const baseUrl = await upstream(answer201);
    const client = createApiKeysClient({ baseUrl: `${baseUrl}/`, token: 'tok', headers: { 'X-Team': 'web' } });
    const result = await client.apiKeys.createApiKey('team app/ü', { name: 'x' }, { headers: { 'X-Request-Id': 'req-1' } });
    expect(result).toEqual(created);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/api-auth/apps/team%20app%2F%C3%BC/keys',
      headers: { authorization: 'Bearer tok', 'content-type': 'application/json', 'x-team': 'web', 'x-request-id': 'req-1' },
    });
    expect(JSON.parse(seen[0]!.body)).toEqual({ name: 'x' });
  });

  it('uses the fetch it is given', async () => {
    const baseUrl = await upstream(answer201);
    const calls: string[] = [];
    const client = createApiKeysClient({
      baseUrl,
      token: 'tok',
      fetch: (input, init) => {
        calls.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      },
    });
    await client.apiKeys.createApiKey('internal-api', { name: 'x' });
    expect(calls).toEqual([`${baseUrl}/api-auth/apps/internal-api/keys`]);
  });

  it('rejects a problem answer with ApiKeysError carrying the status and the problem', async () => {
    const problem = { type: 'urn:apikeys:problem:rate-limited', title: 'Too many requests', status: 429, detail: 'Rate limit exceeded; retry after 12 seconds.' };
    const baseUrl = await upstream((res) => {
      res.writeHead(429, { 'content-type': 'application/problem+json', 'retry-after': '12' });
      res.end(JSON.stringify(problem));
    });
    const error = await createApiKeysClient({ baseUrl, token: 'tok' }).apiKeys.createApiKey('internal-api', { name: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeysError);
    expect(error).toMatchObject({ status: 429, problem, type: problem.type, message: '429 Too many requests: Rate limit exceeded; retry after 12 seconds.' });
    expect((error as ApiKeysError).headers.get('retry-after')).toBe('12');
  });

  it.each([
    ['an HTML page from a proxy', 502, 'text/html', '<html><body>Bad gateway</body></html>', '<html><body>Bad gateway</body></html>'],
    ['an empty body', 503, 'text/plain', '', 'The server answered 503 without a problem document.'],
    ['JSON that is not a problem', 500, 'application/json', '{"errors":[{"message":"boom","code":"E1"}]}', '{"errors":[{"message":"boom","code":"E1"}]}'],
  ])('rejects %s with ApiKeysError and a problem made from it', async (_label, status, type, body, detail) => {
    const baseUrl = await upstream((res) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    });
    const error = await createApiKeysClient({ baseUrl, token: 'tok' }).apiKeys.createApiKey('internal-api', { name: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeysError);
    expect((error as ApiKeysError).status).toBe(status);
    expect((error as ApiKeysError).problem).toMatchObject({ type: 'about:blank', status, detail });
  });

  it('rejects with ApiKeysTimeoutError when no answer comes in time', async () => {
    const baseUrl = await upstream(() => {
      // never answers
    });
    const client = createApiKeysClient({ baseUrl, token: 'tok', timeoutMs: 5_000 });
    const error = await client.apiKeys.createApiKey('internal-api', { name: 'x' }, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeysTimeoutError);
    expect(error).toBeInstanceOf(ApiKeysNetworkError);
    expect((error as Error).message).toContain('within 150 ms');
  });

  it('rejects with ApiKeysNetworkError, not a timeout, when the connection fails', async () => {
    const baseUrl = await upstream(answer201);
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const error = await createApiKeysClient({ baseUrl, token: 'tok' }).apiKeys.createApiKey('internal-api', { name: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeysNetworkError);
    expect(error).not.toBeInstanceOf(ApiKeysTimeoutError);
    expect((error as Error).cause).toBeDefined();
  });

  it("rejects with the caller's own reason when the caller aborts", async () => {
    const baseUrl = await upstream(() => {
      // never answers
    });
    const controller = new AbortController();
    const pending = createApiKeysClient({ baseUrl, token: 'tok' }).apiKeys.createApiKey('internal-api', { name: 'x' }, { signal: controller.signal });
    const reason = new Error('user navigated away');
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });
});
