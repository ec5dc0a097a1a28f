import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds, type TestStore } from '../../test/support/stores.js';
import { parseAnswer, rawExchange } from '../../test/support/rawHttp.js';
import { expectProblem, startTestServer, TOKEN, type TestServer } from '../../test/support/testServer.js';

// Paths are matched case-sensitively, by the routes, the auth mount and the validator alike:
// no spelling of a path reaches a handler without passing the contract.
describe('routing', () => {
  let testStore: TestStore;
  let server: TestServer;
  beforeAll(async () => {
    testStore = await storeKinds[0].open();
    await testStore.store.addApp({ slug: 'my-app', keyPrefix: 'sk' }, new Date());
    server = await startTestServer({ store: testStore.store });
  });
  afterAll(async () => {
    await server?.close();
    await testStore?.dispose();
  });

  it('answers 404 for any other spelling of an API path, and stores nothing', async () => {
    const bodies = [{ name: '', organization_id: 'y', metadata: [1] }, { name: { a: 1 } }, { name: 'valid' }];
    for (const path of ['/API-AUTH/apps/my-app/keys', '/Api-Auth/apps/my-app/keys', '/api-auth/APPS/my-app/keys', '/api-auth/apps/my-app/KEYS']) {
      for (const body of bodies) await expectProblem(await server.call('POST', path, body), 404, 'not-found');
    }
    await expectProblem(await server.call('GET', '/api-auth/apps/my-app/KEYS/verify'), 404, 'not-found');
    expect(await testStore.store.countKeys()).toBe(0);
    expect((await server.call('POST', '/api-auth/apps/my-app/keys', { name: 'valid' })).status).toBe(201);
  });
});

describe('a GET with a body', () => {
  let testStore: TestStore;
  let server: TestServer;
  beforeAll(async () => {
    testStore = await storeKinds[0].open();
    await testStore.store.addApp({ slug: 'my-app', keyPrefix: 'sk' }, new Date());
    server = await startTestServer({ store: testStore.store });
  });
  afterAll(async () => {
    await server?.close();
    await testStore?.dispose();
  });

  it('ignores the body, which the operation does not take, however large or labelled', async () => {
    for (const contentType of ['application/json', 'application/json; charset=latin1']) {
      const body = 'x'.repeat(20_000);
      const answer = parseAnswer(
        await rawExchange(
          server.url,
          `GET /api-auth/apps/my-app/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        ),
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ data: [], next_cursor: null });
    }
  });
});
