import type { ApiKeyList } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

// The request checks compiled from the contract, as a caller meets them; each operation's own
// tests cover its body's rules.
describe('request validation', () => {
  const api = lifecycleServer(storeKinds[0].open);
  const keys = api.keys('internal-api');

  it('answers a method the path lacks with 405 and the methods it has, and a path the API lacks with 404', async () => {
    const wrongMethod = await api.server.call('DELETE', keys);
    await expectProblem(wrongMethod, 405, 'method-not-allowed');
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
    await expectProblem(await api.server.call('GET', '/api-auth/apps/internal-api/secrets'), 404, 'not-found');
    await expectProblem(await api.server.call('GET', '/api-auth'), 404, 'not-found');
  });

  it('coerces query parameters to their types and fills in their defaults', async () => {
    for (let i = 0; i < 3; i++) {
      await api.createKey({ name: `key ${i}` });
    }
    const two = (await (await api.server.call('GET', `${keys}?limit=2`)).json()) as ApiKeyList;
    expect(two.data).toHaveLength(2);
    expect(two.next_cursor).toEqual(expect.any(String));
    const defaults = (await (await api.server.call('GET', keys)).json()) as ApiKeyList;
    expect(defaults.data.length).toBeGreaterThanOrEqual(3);
    expect(defaults.data.every((key) => key.status === 'active')).toBe(true);
  });

  it('refuses an undeclared, empty or mistyped query parameter, naming it', async () => {
    const cases: [string, string, string][] = [
      ['?color=red', '/query/color', "Unknown query parameter 'color'"],
      ['?cursor=', '/query/cursor', "Empty value found for query parameter 'cursor'"],
      ['?limit=ten', '/query/limit', 'must be integer'],
      ['?limit=1000', '/query/limit', 'must be <= 100'],
      ['?status=gone', '/query/status', 'must be equal to one of the allowed values: active, revoked, expired, all'],
    ];
    for (const [query, pointer, message] of cases) {
      const problem = await expectProblem(await api.server.call('GET', `${keys}${query}`), 400, 'invalid-request');
      expect(problem.errors).toEqual([{ pointer, message }]);
    }
  });

  it('checks path parameters and declared headers, and refuses a path parameter that does not decode', async () => {
    const badId = await expectProblem(await api.server.call('GET', `${keys}/not-a-uuid`), 400, 'invalid-request');
    expect(badId.errors).toEqual([{ pointer: '/path/keyId', message: 'must match format "uuid"' }]);
    const undecodable = await expectProblem(
      await api.server.call('GET', `/api-auth/apps/%E0%A4%A/keys`),
      400,
      'invalid-request',
    );
    expect(undecodable.errors).toEqual([{ pointer: '/path/appName', message: 'is not valid percent-encoding' }]);
    const shortKey = await expectProblem(
      await api.server.post('internal-api', { name: 'x' }, { headers: { 'idempotency-key': 'short' } }),
      400,
      'invalid-request',
    );
    expect(shortKey.errors).toEqual([
      { pointer: '/header/idempotency-key', message: 'must NOT have fewer than 16 characters' },
    ]);
  });

  it('refuses a body that is not JSON with 415, and reports every problem of a JSON body at once', async () => {
    await expectProblem(
      await api.server.call('POST', keys, undefined, { raw: 'name=x', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported-media-type',
    );
    const problem = await expectProblem(
      await api.server.post('internal-api', { name: '', color: 'red' }),
      400,
      'invalid-request',
    );
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/body/color', message: 'is not a field of this request' },
        { pointer: '/body/name', message: expect.stringContaining('must') },
      ]),
    );
    // A field's name in a pointer is escaped as RFC 6901 says: `/` as ~1, `~` as ~0.
    const oddNames = await expectProblem(
      await api.server.post('internal-api', { name: 'x', 'a/b': 1, 'c~d': 2 }),
      400,
      'invalid-request',
    );
    expect(oddNames.errors?.map((error) => error.pointer).sort()).toEqual(['/body/a~1b', '/body/c~0d']);
  });
});
