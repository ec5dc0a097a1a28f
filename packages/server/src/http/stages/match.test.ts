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
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
  });

  it('answers HEAD wherever GET is served: the same status and headers, no body', async () => {
    const created = await api.createKey({ name: 'headed' });
    for (const path of [keys, api.keyPath('internal-api', created.key.id)]) {
      const [get, head] = [await api.server.call('GET', path), await api.server.call('HEAD', path)];
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      expect(await head.text()).toBe('');
    }
    await expectProblem(
      await api.server.call('GET', api.keyPath('internal-api', '00000000-0000-4000-8000-000000000000')),
      404,
      'key-not-found',
    );
    expect(
      (await api.server.call('HEAD', api.keyPath('internal-api', '00000000-0000-4000-8000-000000000000'))).status,
    ).toBe(404);
  });

  it('answers OPTIONS on a path the contract has with 204 and Allow, without CORS configured or a token', async () => {
    const response = await api.server.call('OPTIONS', keys, undefined, { token: null });
    expect(response.status).toBe(204);
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
    expect((await api.server.call('OPTIONS', '/api-auth/nothing', undefined, { token: null })).status).toBe(401);
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
