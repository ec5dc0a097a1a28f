import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMock, startRealServer, type Target, TOKEN } from './support/targets.js';

// A frontend developer must be able to trust the mock: what the server refuses, the mock refuses
// the same way (status, problem type, the pointers it names), and it never hangs.
interface BadRequest {
  label: string;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

const keys = '/api-auth/apps/internal-api/keys';
const keyId = '2f6c1d3e-8b4a-4c5d-9e7f-0a1b2c3d4e5f';
const bad: BadRequest[] = [
  { label: 'an unknown field', method: 'POST', path: keys, body: '{"name":"x","organization_id":"org_1"}' },
  {
    label: 'a blank name and a bad permission',
    method: 'POST',
    path: keys,
    body: '{"name":"","permissions":["read"]}',
  },
  { label: 'a control character in the name', method: 'POST', path: keys, body: '{"name":"a\\u0007b"}' },
  { label: 'a wrong type', method: 'POST', path: keys, body: '{"name":{"a":1}}' },
  { label: 'no name', method: 'POST', path: keys, body: '{"permissions":[]}' },
  { label: 'malformed JSON', method: 'POST', path: keys, body: '{"name":' },
  {
    label: 'a body over 16 KiB',
    method: 'POST',
    path: keys,
    body: JSON.stringify({ name: 'x', metadata: { blob: 'x'.repeat(17_000) } }),
  },
  {
    label: 'an app slug that breaks its pattern',
    method: 'POST',
    path: '/api-auth/apps/Billing_API/keys',
    body: '{"name":"x"}',
  },
  {
    label: 'a short Idempotency-Key',
    method: 'POST',
    path: keys,
    body: '{"name":"x"}',
    headers: { 'idempotency-key': 'short' },
  },
  { label: 'a key id that is not a UUID', method: 'GET', path: `${keys}/not-a-uuid` },
  { label: 'a limit out of range', method: 'GET', path: `${keys}?limit=0` },
  { label: 'an empty update', method: 'PATCH', path: `${keys}/${keyId}`, body: '{}' },
  {
    label: 'a grace period over a day',
    method: 'POST',
    path: `${keys}/${keyId}/rotate`,
    body: '{"grace_period_seconds":86401}',
  },
  {
    label: 'a verify without a secret',
    method: 'POST',
    path: `${keys}/verify`,
    body: '{"required_permissions":["users:read"]}',
  },
  { label: 'no token', method: 'POST', path: keys, body: '{"name":"x"}', headers: { authorization: '' } },
];

async function answer(target: Target, request: BadRequest) {
  const response = await fetch(`${target.url}${request.path}`, {
    method: request.method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(request.body ? { 'content-type': 'application/json' } : {}),
      ...request.headers,
    },
    ...(request.body ? { body: request.body } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const problem = (await response.json()) as { type: string; errors?: { pointer: string }[] };
  return {
    status: response.status,
    contentType: response.headers.get('content-type')?.split(';')[0],
    type: problem.type,
    pointers: [...new Set((problem.errors ?? []).map((error) => error.pointer))].sort(),
  };
}

describe('the mock refuses what the server refuses', () => {
  let mock: Target;
  let server: Target;
  beforeAll(async () => {
    [mock, server] = await Promise.all([startMock(), startRealServer()]);
  });
  afterAll(async () => {
    await mock?.close();
    await server?.close();
  });

  it.each(bad)('the same way: $label', async (request) => {
    const [fromServer, fromMock] = await Promise.all([answer(server, request), answer(mock, request)]);
    expect(fromServer.status).toBeGreaterThanOrEqual(400);
    expect(fromServer.contentType).toBe('application/problem+json');
    expect(fromMock).toEqual(fromServer);
  });

  it('answers a retry with the same Idempotency-Key as replayed, and another request with it as 422, like the server', async () => {
    const idempotencyKey = '5b1f2a7c-0e4d-4f3a-9b8c-7d6e5f4a3b2c';
    for (const target of [mock, server]) {
      const create = (name: string) =>
        fetch(`${target.url}${keys}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${TOKEN}`,
            'content-type': 'application/json',
            'idempotency-key': idempotencyKey,
          },
          body: JSON.stringify({ name }),
        });
      const first = await create('retried');
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const retry = await create('retried');
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(await retry.json()).toEqual(await first.json());
      expect((await create('something else')).status).toBe(422);
    }
  });
});
