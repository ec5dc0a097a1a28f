import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../test/support/lifecycleServer.js';
import { parseAnswer, rawExchange } from '../../test/support/rawHttp.js';
import { storeKinds } from '../../test/support/stores.js';
import { expectProblem, TOKEN } from '../../test/support/testServer.js';

// Paths are matched case-sensitively, by the routes, the auth mount and the validator alike:
// no spelling of a path reaches a handler without passing the contract.
describe('routing', () => {
  const api = lifecycleServer(storeKinds[0].open);

  it('answers 404 for any other spelling of an API path, and stores nothing', async () => {
    const bodies = [{ name: '', organization_id: 'y', metadata: [1] }, { name: { a: 1 } }, { name: 'valid' }];
    for (const path of [
      '/API-AUTH/apps/internal-api/keys',
      '/Api-Auth/apps/internal-api/keys',
      '/api-auth/APPS/internal-api/keys',
      '/api-auth/apps/internal-api/KEYS',
    ]) {
      for (const body of bodies) {
        await expectProblem(await api.server.call('POST', path, body), 404, 'not-found');
      }
    }
    await expectProblem(await api.server.call('GET', '/api-auth/apps/internal-api/KEYS/verify'), 404, 'not-found');
    expect(await api.store.countKeys()).toBe(0);
    expect((await api.server.call('POST', '/api-auth/apps/internal-api/keys', { name: 'valid' })).status).toBe(201);
  });

  it('takes a concrete path before a templated one, as OpenAPI does: GET …/keys/verify is a method verify lacks', async () => {
    const answer = await api.server.call('GET', '/api-auth/apps/internal-api/keys/verify');
    await expectProblem(answer, 405, 'method-not-allowed');
    expect(answer.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('answers the favicon every browser asks for, so that reading the docs logs no 404', async () => {
    const response = await api.server.call('GET', '/favicon.ico', undefined, { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await response.text()).toMatch(/^<svg /);
  });
});

describe('a GET with a body', () => {
  const api = lifecycleServer(storeKinds[0].open);

  it('ignores the body, which the operation does not take, however large or labelled', async () => {
    for (const contentType of ['application/json', 'application/json; charset=latin1']) {
      const body = 'x'.repeat(20_000);
      const answer = parseAnswer(
        await rawExchange(
          api.server.url,
          `GET /api-auth/apps/internal-api/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        ),
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ data: [], next_cursor: null });
    }
  });
});
