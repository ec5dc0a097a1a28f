import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { parseAnswer, rawConnection, rawExchange } from '../../../test/support/rawHttp.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem, TOKEN } from '../../../test/support/testServer.js';

describe('bearer authentication', () => {
  const api = lifecycleServer(storeKinds[0].open, { authFailureLimit: { limit: 1000, windowMs: 60_000 } });

  const request = (authorization: string[]) =>
    [
      'POST /api-auth/apps/internal-api/keys HTTP/1.1',
      `Host: ${new URL(api.server.url).host}`,
      ...authorization.map((value) => `Authorization: ${value}`),
      'Content-Type: application/json',
      'Content-Length: 14',
      'Connection: close',
      '',
      '{"name":"two"}',
    ].join('\r\n');

  it('refuses more than one Authorization header, good or bad, and creates nothing', async () => {
    for (const headers of [
      [`Bearer ${TOKEN}`, 'Bearer wrong-token-0123456789'],
      [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`],
    ]) {
      const answer = parseAnswer(await rawExchange(api.server.url, request(headers)));
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({
        type: 'urn:apikeys:problem:unauthorized',
        detail: 'Send one Authorization header, not several.',
      });
    }
    expect(await api.store.countKeys()).toBe(0);
    expect(parseAnswer(await rawExchange(api.server.url, request([`Bearer ${TOKEN}`]))).status).toBe(201);
  });

  it('answers an unauthenticated upload at once and closes the connection instead of reading it', async () => {
    const connection = await rawConnection(api.server.url);
    const size = 32 * 1024 * 1024;
    connection.socket.write(
      [
        'POST /api-auth/apps/internal-api/keys HTTP/1.1',
        'Host: x',
        'Authorization: Bearer wrong-token-0123456789',
        'Content-Type: application/json',
        `Content-Length: ${size}`,
        '',
        '',
      ].join('\r\n'),
    );
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let written = 0;
    let open = true;
    void connection.closed.then(() => (open = false));
    while (open && written < size) {
      if (!connection.socket.write(chunk)) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      written += chunk.length;
    }
    expect(parseAnswer(connection.received()).status).toBe(401);
    expect(connection.received().toLowerCase()).toContain('connection: close');
    expect(written).toBeLessThan(size / 2);
  });
});

describe('failed authentication from one address', () => {
  const api = lifecycleServer(storeKinds[0].open, { authFailureLimit: { limit: 3, windowMs: 60_000 } });

  it('is limited: past the limit the address gets 429 with Retry-After, even with a good token', async () => {
    expect((await api.server.post('internal-api', { name: 'before' })).status).toBe(201);
    for (let i = 0; i < 3; i++) {
      await expectProblem(
        await api.server.post('internal-api', { name: 'x' }, { token: `guess-${i}-0123456789abcdef` }),
        401,
        'unauthorized',
      );
    }
    const limited = await api.server.post('internal-api', { name: 'x' }, { token: 'guess-3-0123456789abcdef' });
    const problem = await expectProblem(limited, 429, 'rate-limited');
    expect(problem.detail).toContain('failed authentications');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectProblem(await api.server.post('internal-api', { name: 'after' }), 429, 'rate-limited');
    expect(await api.store.countKeys()).toBe(1);
  });
});
