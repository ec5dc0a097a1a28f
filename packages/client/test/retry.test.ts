import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ApiKeysError, ApiKeysNetworkError, createApiKeysClient } from '../src/index.js';
import { backoffDelay, DEFAULT_RETRY, retryAfterMs } from '../src/retry.js';
import { answer201, created, record, seen, upstream } from './support/upstream.js';

const fast = { baseDelayMs: 1, maxDelayMs: 5 };
const problem = (res: ServerResponse, status: number, type: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
  res.end(JSON.stringify({ type: `urn:apikeys:problem:${type}`, title: type, status, detail: type }));
};
/** Answers with `failures` in turn, then with `success`. */
const afterFailures =
  (failures: ((res: ServerResponse) => void)[], success: (res: ServerResponse) => void) => (res: ServerResponse) => {
    const failure = failures[seen.length - 1];
    (failure ?? success)(res);
  };

describe('retries', () => {
  it('retries a create on 502, 503, 504, 429 and 409-in-progress with the same Idempotency-Key, and resolves to the answer', async () => {
    const baseUrl = await upstream(
      afterFailures(
        [
          (res) => problem(res, 503, 'internal-error'),
          (res) => problem(res, 409, 'idempotency-key-in-use', { 'retry-after': '0' }),
          (res) => problem(res, 429, 'rate-limited', { 'retry-after': '0' }),
          (res) => {
            res.writeHead(502);
            res.end();
          },
        ],
        answer201,
      ),
    );
    const client = createApiKeysClient({ baseUrl, token: 'tok', retry: { ...fast, maxAttempts: 5 } });
    expect(await client.apiKeys.createApiKey('internal-api', { name: 'x' })).toEqual(created);
    expect(seen).toHaveLength(5);
    const keys = new Set(seen.map((request) => request.headers['idempotency-key']));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(seen.map((request) => request.body)).size).toBe(1);
  });

  it('makes a new Idempotency-Key per call, and sends the one it is given', async () => {
    const baseUrl = await upstream(answer201);
    const client = createApiKeysClient({ baseUrl, token: 'tok' });
    await client.apiKeys.createApiKey('internal-api', { name: 'x' });
    await client.apiKeys.createApiKey('internal-api', { name: 'x' });
    await client.apiKeys.rotateApiKey('internal-api', created.key.id, {}, { idempotencyKey: 'my-own-key-0123456789' });
    expect(seen.map((request) => request.headers['idempotency-key'])).toEqual([
      expect.any(String),
      expect.any(String),
      'my-own-key-0123456789',
    ]);
    expect(seen[0]!.headers['idempotency-key']).not.toBe(seen[1]!.headers['idempotency-key']);
  });

  it('retries on a dropped connection', async () => {
    const baseUrl = await upstream((res) => {
      if (seen.length === 1) {
        res.socket!.destroy();
      } else {
        answer201(res);
      }
    });
    const client = createApiKeysClient({ baseUrl, token: 'tok', retry: fast });
    expect(await client.apiKeys.createApiKey('internal-api', { name: 'x' })).toEqual(created);
    expect(seen).toHaveLength(2);
  });

  it('never retries another 4xx, a 409 of the key itself or a 500', async () => {
    for (const [status, type] of [
      [400, 'invalid-request'],
      [404, 'app-not-found'],
      [409, 'key-revoked'],
      [422, 'idempotency-key-reused'],
      [500, 'internal-error'],
    ] as const) {
      const baseUrl = await upstream((res) => problem(res, status, type));
      const error = await createApiKeysClient({ baseUrl, token: 'tok', retry: fast })
        .apiKeys.createApiKey('internal-api', { name: 'x' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiKeysError);
      expect((error as ApiKeysError).attempts).toBe(1);
      expect(seen).toHaveLength(1);
      seen.length = 0;
    }
  });

  it('stops after maxAttempts and says how many attempts it made', async () => {
    const baseUrl = await upstream((res) => problem(res, 503, 'internal-error'));
    const error = await createApiKeysClient({ baseUrl, token: 'tok', retry: { ...fast, maxAttempts: 4 } })
      .apiKeys.getApiKey('internal-api', created.key.id)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeysError);
    expect(error).toMatchObject({ status: 503, attempts: 4 });
    expect((error as Error).message).toContain('(after 4 attempts)');
    expect(seen).toHaveLength(4);
  });

  it('retries safe calls (list, get, revoke, verify) but never an update', async () => {
    const flaky = (body: unknown) => (res: ServerResponse) => {
      if (seen.length % 2 === 1) {
        problem(res, 503, 'internal-error');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      }
    };
    const baseUrl = await upstream((res) => {
      const last = seen.at(-1)!;
      if (last.method === 'PATCH') {
        return problem(res, 503, 'internal-error');
      }
      if (last.url.endsWith('/verify')) {
        return flaky({ valid: false, code: 'NOT_FOUND' })(res);
      }
      if (last.method === 'GET' && last.url.includes('/keys?')) {
        return flaky({ data: [], next_cursor: null })(res);
      }
      return flaky(record(created.key.id))(res);
    });
    const client = createApiKeysClient({ baseUrl, token: 'tok', retry: fast });
    await client.apiKeys.listApiKeys('internal-api', { limit: 5 });
    await client.apiKeys.getApiKey('internal-api', created.key.id);
    await client.apiKeys.revokeApiKey('internal-api', created.key.id);
    await client.apiKeys.verifyApiKey('internal-api', { secret: 'x' });
    expect(seen).toHaveLength(8);
    seen.length = 0;
    const error = await client.apiKeys
      .updateApiKey('internal-api', created.key.id, { name: 'y' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, attempts: 1 });
    expect(seen).toHaveLength(1);
  });

  it('waits as long as Retry-After says, and gives up when that is past the deadline', async () => {
    const baseUrl = await upstream(
      afterFailures([(res) => problem(res, 429, 'rate-limited', { 'retry-after': '1' })], answer201),
    );
    const client = createApiKeysClient({ baseUrl, token: 'tok', retry: fast });
    const started = Date.now();
    await client.apiKeys.createApiKey('internal-api', { name: 'x' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    seen.length = 0;

    const tooLate = await upstream((res) => problem(res, 429, 'rate-limited', { 'retry-after': '60' }));
    const error = await createApiKeysClient({ baseUrl: tooLate, token: 'tok', retry: { ...fast, deadlineMs: 5_000 } })
      .apiKeys.createApiKey('internal-api', { name: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, attempts: 1 });
  });

  it('can be turned off, for the client or one call, and stops when the caller aborts', async () => {
    const baseUrl = await upstream((res) => problem(res, 503, 'internal-error'));
    await createApiKeysClient({ baseUrl, token: 'tok', retry: false })
      .apiKeys.getApiKey('internal-api', created.key.id)
      .catch(() => undefined);
    expect(seen).toHaveLength(1);
    await createApiKeysClient({ baseUrl, token: 'tok', retry: fast })
      .apiKeys.getApiKey('internal-api', created.key.id, { retry: false })
      .catch(() => undefined);
    expect(seen).toHaveLength(2);

    const controller = new AbortController();
    const pending = createApiKeysClient({ baseUrl, token: 'tok', retry: { baseDelayMs: 10_000, maxDelayMs: 10_000 } })
      .apiKeys.getApiKey('internal-api', created.key.id, { signal: controller.signal })
      .catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort(new Error('user left'));
    expect(await pending).toEqual(new Error('user left'));
  });

  it('backs off with full jitter: up to base·2^(n-1), never more than the cap', () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, policy, () => 0.999999))).toEqual([
      99, 199, 399, 799, 999,
    ]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const error = (value: string) =>
      new ApiKeysError(
        429,
        { type: 'about:blank', title: 't', status: 429, detail: 'd' },
        new Headers({ 'retry-after': value }),
      );
    expect(retryAfterMs(error('3'))).toBe(3000);
    expect(retryAfterMs(error(new Date(10_000).toUTCString()), 4_000)).toBe(6_000);
    expect(retryAfterMs(error('soon'))).toBeUndefined();
    expect(retryAfterMs(new ApiKeysNetworkError('x'))).toBeUndefined();
  });
});
