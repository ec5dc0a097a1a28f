import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  type ApiKey,
  type ApiKeysClient,
  ApiKeysError,
  ApiKeysNetworkError,
  ApiKeysTimeoutError,
  createApiKeysClient,
} from '../src/index.js';
import { answer201, created, record, seen, stopUpstream, upstream } from './support/upstream.js';

describe('createApiKeysClient', () => {
  it('sends the bearer token, JSON body and headers to the URL-encoded path', async () => {
    const baseUrl = await upstream(answer201);
    const client = createApiKeysClient({ baseUrl: `${baseUrl}/`, token: 'tok', headers: { 'X-Team': 'web' } });
    const result = await client.apiKeys.createApiKey(
      'team app/ü',
      { name: 'x' },
      { headers: { 'X-Request-Id': 'req-1' } },
    );
    expect(result).toEqual(created);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/api-auth/apps/team%20app%2F%C3%BC/keys',
      headers: {
        authorization: 'Bearer tok',
        'content-type': 'application/json',
        'x-team': 'web',
        'x-request-id': 'req-1',
      },
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
    const problem = {
      type: 'urn:apikeys:problem:rate-limited',
      title: 'Too many requests',
      status: 429,
      detail: 'Rate limit exceeded; retry after 12 seconds.',
    };
    const baseUrl = await upstream((res) => {
      res.writeHead(429, { 'content-type': 'application/problem+json', 'retry-after': '12' });
      res.end(JSON.stringify(problem));
    });
    const error = await createApiKeysClient({ baseUrl, token: 'tok', retry: false })
      .apiKeys.createApiKey('internal-api', { name: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeysError);
    expect(error).toMatchObject({
      status: 429,
      problem,
      type: problem.type,
      message: '429 Too many requests: Rate limit exceeded; retry after 12 seconds.',
    });
    expect((error as ApiKeysError).headers.get('retry-after')).toBe('12');
  });

  it('names the first wrong field in the error message', async () => {
    const invalid = {
      type: 'urn:apikeys:problem:invalid-request',
      title: 'Invalid request',
      status: 400,
      detail: 'The request does not match the contract.',
      errors: [
        {
          pointer: '/body/permissions/0',
          message: "must be resource:action (letters, digits, '_', '.' and '-'; the action may be '*')",
        },
        { pointer: '/body/team', message: 'is not a field of this request' },
      ],
    };
    const baseUrl = await upstream((res) => {
      res.writeHead(400, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify(invalid));
    });
    const error = await createApiKeysClient({ baseUrl, token: 'tok' })
      .apiKeys.createApiKey('internal-api', { name: 'x' })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `400 Invalid request: The request does not match the contract. /body/permissions/0: ${invalid.errors[0]!.message} (and 1 more)`,
    );
  });

  it.each([
    [
      'an HTML page from a proxy',
      502,
      'text/html',
      '<html><body>Bad gateway</body></html>',
      '<html><body>Bad gateway</body></html>',
    ],
    ['an empty body', 503, 'text/plain', '', 'The server answered 503 without a problem document.'],
    [
      'JSON that is not a problem',
      500,
      'application/json',
      '{"errors":[{"message":"boom","code":"E1"}]}',
      '{"errors":[{"message":"boom","code":"E1"}]}',
    ],
  ])('rejects %s with ApiKeysError and a problem made from it', async (_label, status, type, body, detail) => {
    const baseUrl = await upstream((res) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    });
    const error = await createApiKeysClient({ baseUrl, token: 'tok' })
      .apiKeys.createApiKey('internal-api', { name: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeysError);
    expect((error as ApiKeysError).status).toBe(status);
    expect((error as ApiKeysError).problem).toMatchObject({ type: 'about:blank', status, detail });
  });

  it('rejects with ApiKeysTimeoutError when no answer comes in time', async () => {
    const baseUrl = await upstream(() => {
      // never answers
    });
    const client = createApiKeysClient({ baseUrl, token: 'tok', timeoutMs: 5_000 });
    const error = await client.apiKeys
      .createApiKey('internal-api', { name: 'x' }, { timeoutMs: 150 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeysTimeoutError);
    expect(error).toBeInstanceOf(ApiKeysNetworkError);
    expect((error as Error).message).toContain('within 150 ms');
  });

  it('rejects with ApiKeysNetworkError, not a timeout, when the connection fails', async () => {
    const baseUrl = await upstream(answer201);
    await stopUpstream();
    const error = await createApiKeysClient({ baseUrl, token: 'tok' })
      .apiKeys.createApiKey('internal-api', { name: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeysNetworkError);
    expect(error).not.toBeInstanceOf(ApiKeysTimeoutError);
    expect((error as Error).cause).toBeDefined();
  });

  it("rejects with the caller's own reason when the caller aborts", async () => {
    const baseUrl = await upstream(() => {
      // never answers
    });
    const controller = new AbortController();
    const pending = createApiKeysClient({ baseUrl, token: 'tok' }).apiKeys.createApiKey(
      'internal-api',
      { name: 'x' },
      { signal: controller.signal },
    );
    const reason = new Error('user navigated away');
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });
});

// Array.fromAsync arrives in Node 22.
async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) {
    items.push(item);
  }
  return items;
}

const json = (status: number, body: unknown) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

// Each operation: what goes over the wire and what comes back. Slug and key id carry characters
// that must be escaped in a path.
const slug = 'team app/ü';
const encodedSlug = 'team%20app%2F%C3%BC';
const keyId = 'key/1 ü';
const encodedKeyId = 'key%2F1%20%C3%BC';
const revoked = {
  ...created.key,
  status: 'revoked',
  revoked_at: '2026-01-02T00:00:00.000Z',
  revocation_reason: 'leaked',
};
const operations: {
  name: string;
  call: (client: ApiKeysClient) => Promise<unknown>;
  method: string;
  url: string;
  body?: unknown;
  status: number;
  answer: unknown;
}[] = [
  {
    name: 'listApiKeys',
    call: (client) =>
      client.apiKeys.listApiKeys(slug, {
        limit: 2,
        cursor: 'abc.def',
        status: 'all',
        environment: 'staging',
        owner: 'team a&b',
      }),
    method: 'GET',
    url: `/api-auth/apps/${encodedSlug}/keys?limit=2&cursor=abc.def&status=all&environment=staging&owner=team%20a%26b`,
    status: 200,
    answer: { data: [created.key], next_cursor: 'ghi.jkl' },
  },
  {
    name: 'listApiKeys without a query',
    call: (client) => client.apiKeys.listApiKeys(slug),
    method: 'GET',
    url: `/api-auth/apps/${encodedSlug}/keys`,
    status: 200,
    answer: { data: [], next_cursor: null },
  },
  {
    name: 'listAuditEvents',
    call: (client) => client.apiKeys.listAuditEvents(slug, { key_id: keyId, limit: 5, cursor: 'abc.def' }),
    method: 'GET',
    url: `/api-auth/apps/${encodedSlug}/audit-events?key_id=${encodedKeyId}&limit=5&cursor=abc.def`,
    status: 200,
    answer: {
      data: [
        {
          id: '5d1e8f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a',
          occurred_at: '2026-01-02T00:00:00.000Z',
          action: 'revoked',
          actor: 'key-admin',
          operation: 'revokeApiKey',
          request_id: null,
          app_slug: 'internal-api',
          key_id: created.key.id,
          changes: [{ field: 'revocation_reason', old: null, new: 'leaked' }],
        },
      ],
      next_cursor: null,
    },
  },
  {
    name: 'getApiKey',
    call: (client) => client.apiKeys.getApiKey(slug, keyId),
    method: 'GET',
    url: `/api-auth/apps/${encodedSlug}/keys/${encodedKeyId}`,
    status: 200,
    answer: created.key,
  },
  {
    name: 'updateApiKey',
    call: (client) => client.apiKeys.updateApiKey(slug, keyId, { permissions: ['users:read'], owner: null }),
    method: 'PATCH',
    url: `/api-auth/apps/${encodedSlug}/keys/${encodedKeyId}`,
    body: { permissions: ['users:read'], owner: null },
    status: 200,
    answer: { ...created.key, permissions: ['users:read'] },
  },
  {
    name: 'revokeApiKey',
    call: (client) => client.apiKeys.revokeApiKey(slug, keyId, { reason: 'leaked' }),
    method: 'POST',
    url: `/api-auth/apps/${encodedSlug}/keys/${encodedKeyId}/revoke`,
    body: { reason: 'leaked' },
    status: 200,
    answer: revoked,
  },
  {
    name: 'revokeApiKey without a body',
    call: (client) => client.apiKeys.revokeApiKey(slug, keyId),
    method: 'POST',
    url: `/api-auth/apps/${encodedSlug}/keys/${encodedKeyId}/revoke`,
    body: {},
    status: 200,
    answer: revoked,
  },
  {
    name: 'rotateApiKey',
    call: (client) => client.apiKeys.rotateApiKey(slug, keyId, { grace_period_seconds: 3600 }),
    method: 'POST',
    url: `/api-auth/apps/${encodedSlug}/keys/${encodedKeyId}/rotate`,
    body: { grace_period_seconds: 3600 },
    status: 201,
    answer: {
      key: { ...record('9c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5'), rotated_from: created.key.id },
      secret: `sk_${'b'.repeat(49)}`,
    },
  },
  {
    name: 'rotateApiKey without a body',
    call: (client) => client.apiKeys.rotateApiKey(slug, keyId),
    method: 'POST',
    url: `/api-auth/apps/${encodedSlug}/keys/${encodedKeyId}/rotate`,
    body: {},
    status: 201,
    answer: created,
  },
  {
    name: 'verifyApiKey',
    call: (client) =>
      client.apiKeys.verifyApiKey(slug, { secret: created.secret, required_permissions: ['users:read'] }),
    method: 'POST',
    url: `/api-auth/apps/${encodedSlug}/keys/verify`,
    body: { secret: created.secret, required_permissions: ['users:read'] },
    status: 200,
    answer: { valid: true, code: 'VALID', key: created.key },
  },
];

describe('each operation', () => {
  it.each(operations)(
    '$name sends its method, path, query and body, and resolves to the answer',
    async ({ call, method, url, body, status, answer }) => {
      const baseUrl = await upstream(json(status, answer));
      const result = await call(createApiKeysClient({ baseUrl, token: 'tok', headers: { 'X-Team': 'web' } }));
      expect(result).toEqual(answer);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ method, url, headers: { authorization: 'Bearer tok', 'x-team': 'web' } });
      if (body === undefined) {
        expect(seen[0]!.body).toBe('');
      } else {
        expect(seen[0]!.headers['content-type']).toBe('application/json');
        expect(JSON.parse(seen[0]!.body)).toEqual(body);
      }
    },
  );

  const problem = {
    type: 'urn:apikeys:problem:key-not-found',
    title: 'Key not found',
    status: 404,
    detail: "App 'internal-api' has no key 'x'.",
  };
  const refusable: [string, (client: ApiKeysClient) => Promise<unknown>][] = [
    ['createApiKey', (client) => client.apiKeys.createApiKey(slug, { name: 'x' })],
    ...operations.map(({ name, call }): [string, (client: ApiKeysClient) => Promise<unknown>] => [name, call]),
    ['listAllApiKeys', (client) => collect(client.apiKeys.listAllApiKeys(slug))],
    ['listAllAuditEvents', (client) => collect(client.apiKeys.listAllAuditEvents(slug))],
  ];
  it.each(refusable)('%s rejects a problem answer with ApiKeysError', async (_name, call) => {
    const baseUrl = await upstream((res) => {
      res.writeHead(404, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify(problem));
    });
    const error = await call(createApiKeysClient({ baseUrl, token: 'tok' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeysError);
    expect(error).toMatchObject({ status: 404, problem, type: problem.type });
  });

  it.each(refusable)('%s rejects with ApiKeysTimeoutError when no answer comes in time', async (_name, call) => {
    const baseUrl = await upstream(() => {
      // never answers
    });
    const error = await call(createApiKeysClient({ baseUrl, token: 'tok', timeoutMs: 100 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeysTimeoutError);
  });

  it("takes a problem document of another kind than this API's (a gateway's) as text", async () => {
    const foreign = { type: 'https://gateway.example/quota', title: 'Quota', status: 403, detail: 'Over quota' };
    const baseUrl = await upstream((res) => {
      res.writeHead(403, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify(foreign));
    });
    const error = await createApiKeysClient({ baseUrl, token: 'tok' })
      .apiKeys.getApiKey('internal-api', created.key.id)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeysError);
    expect((error as ApiKeysError).problem).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: JSON.stringify(foreign),
    });
  });
});

describe('listAllApiKeys', () => {
  const keys = ['k1', 'k2', 'k3', 'k4'].map(record);

  it('follows next_cursor page by page with the same query and stops on null', async () => {
    const pages: Record<string, { data: ApiKey[]; next_cursor: string | null }> = {
      '': { data: keys.slice(0, 2), next_cursor: 'p2.x' },
      'p2.x': { data: keys.slice(2, 3), next_cursor: 'p3.x' },
      'p3.x': { data: keys.slice(3), next_cursor: null },
    };
    const baseUrl = await upstream((res, request) => {
      const cursor = new URL(request.url, 'http://loopback').searchParams.get('cursor') ?? '';
      json(200, pages[cursor])(res);
    });
    const client = createApiKeysClient({ baseUrl, token: 'tok' });
    const listed = await collect(
      client.apiKeys.listAllApiKeys(slug, { limit: 2, status: 'all' }, { headers: { 'X-Request-Id': 'r' } }),
    );
    expect(listed).toEqual(keys);
    expect(seen.map((request) => request.url)).toEqual([
      `/api-auth/apps/${encodedSlug}/keys?limit=2&status=all`,
      `/api-auth/apps/${encodedSlug}/keys?limit=2&status=all&cursor=p2.x`,
      `/api-auth/apps/${encodedSlug}/keys?limit=2&status=all&cursor=p3.x`,
    ]);
    expect(seen.every((request) => request.headers['x-request-id'] === 'r')).toBe(true);
  });

  it('asks for the next page only when the caller reads on', async () => {
    const baseUrl = await upstream(json(200, { data: keys.slice(0, 2), next_cursor: 'p2.x' }));
    for await (const key of createApiKeysClient({ baseUrl, token: 'tok' }).apiKeys.listAllApiKeys('internal-api')) {
      expect(key).toEqual(keys[0]);
      break;
    }
    expect(seen).toHaveLength(1);
  });

  it('stops with an error, instead of paging forever, when a page hands back the cursor it was sent', async () => {
    const baseUrl = await upstream(json(200, { data: keys.slice(0, 1), next_cursor: 'same.x' }));
    const listed: ApiKey[] = [];
    const error = await (async () => {
      for await (const key of createApiKeysClient({ baseUrl, token: 'tok' }).apiKeys.listAllApiKeys('internal-api')) {
        listed.push(key);
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('same.x');
    expect(listed).toEqual(keys.slice(0, 1));
    expect(seen).toHaveLength(2);
  });

  it('rejects with ApiKeysError when a later page fails', async () => {
    const baseUrl = await upstream((res, request) => {
      if (!request.url.includes('cursor=')) {
        return json(200, { data: keys.slice(0, 1), next_cursor: 'p2.x' })(res);
      }
      res.writeHead(400, { 'content-type': 'application/problem+json' });
      res.end(
        JSON.stringify({
          type: 'urn:apikeys:problem:invalid-request',
          title: 'Invalid request',
          status: 400,
          detail: 'The request does not match the contract.',
          errors: [{ pointer: '/query/cursor', message: 'is not a cursor of this listing' }],
        }),
      );
    });
    const error = await collect(
      createApiKeysClient({ baseUrl, token: 'tok' }).apiKeys.listAllApiKeys('internal-api'),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeysError);
    expect((error as ApiKeysError).problem.errors).toEqual([
      { pointer: '/query/cursor', message: 'is not a cursor of this listing' },
    ]);
  });
});
