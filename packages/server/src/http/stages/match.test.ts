import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { parseAnswer, rawExchange } from '../../../test/support/rawHttp.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem, TOKEN } from '../../../test/support/testServer.js';

describe('the operation match', () => {
  const api = lifecycleServer(storeKinds[0].open);
  const keys = api.keys('internal-api');

  it('answers a path the contract lacks with 404 without judging its body', async () => {
    // A lone surrogate would be a 400 from the body stage, which a request for no resource never reaches.
    const response = await api.server.call('POST', `${keys.replace('/keys', '/Keys')}`, undefined, {
      raw: '{"name":"\\ud800"}',
    });
    await expectProblem(response, 404, 'not-found');
    await expectProblem(await api.server.call('POST', '/api-auth/nothing', undefined, { raw: '{' }), 404, 'not-found');
  });

  it('answers a method the path lacks with 405 and Allow, before reading the body', async () => {
    const response = await api.server.call('PUT', keys, undefined, { raw: 'not json' });
    await expectProblem(response, 405, 'method-not-allowed');
    expect(response.headers.get('allow')).toBe('GET, POST');
  });

  it('answers before the announced body has arrived', async () => {
    // Content-Length promises 1000 bytes and only 10 are sent: only an answer that did not wait
    // for the body comes back.
    const answer = await rawExchange(
      api.server.url,
      `PATCH ${keys} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":1}`,
    );
    expect(parseAnswer(answer)).toMatchObject({
      status: 405,
      body: { type: 'urn:apikeys:problem:method-not-allowed' },
    });
  });

  it('still asks for a token first: an unknown path without one is 401', async () => {
    await expectProblem(
      await api.server.call('GET', '/api-auth/nothing', undefined, { token: null }),
      401,
      'unauthorized',
    );
  });
});
