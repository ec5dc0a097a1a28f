import { request as httpRequest } from 'node:http';
import type { ApiKeyWithSecret } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { parseAnswer, rawConnection, rawExchange } from '../../../test/support/rawHttp.js';
import { AUDIT, storeKinds } from '../../../test/support/stores.js';
import { expectProblem, TOKEN } from '../../../test/support/testServer.js';
import { issueServiceToken } from '../../keys/serviceToken.js';
import { PostgresKeyStore } from '../../store/postgres/postgresKeyStore.js';
import { SqliteKeyStore } from '../../store/sqlite/sqliteKeyStore.js';
import { failureKey } from './auth.js';

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

  it('is limited: past the limit the address gets 429 with Retry-After for a bad token, never for a good one', async () => {
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
    // Another client behind the same address (a NAT, a proxy) with a good token is served.
    expect((await api.server.post('internal-api', { name: 'after' })).status).toBe(201);
    await expectProblem(
      await api.server.post('internal-api', { name: 'x' }, { token: 'guess-4-0123456789abcdef' }),
      429,
      'rate-limited',
    );
    expect(await api.store.countKeys()).toBe(2);
  });
});

describe.each([
  { trustProxy: 'loopback' as const, separate: true },
  { trustProxy: undefined, separate: false },
])('failed authentication behind a proxy (APIKEYS_TRUST_PROXY $trustProxy)', ({ trustProxy, separate }) => {
  const api = lifecycleServer(storeKinds[0].open, {
    authFailureLimit: { limit: 2, windowMs: 60_000 },
    ...(trustProxy ? { trustProxy: [trustProxy] } : {}),
  });
  const guess = (client: string, i: number) =>
    api.server.post(
      'internal-api',
      { name: 'x' },
      { token: `guess-${i}-0123456789abcdef`, headers: { 'x-forwarded-for': client } },
    );

  it(`counts ${separate ? 'each client named by the trusted proxy' : "the socket's address, whatever X-Forwarded-For says"}`, async () => {
    for (let i = 0; i < 2; i++) {
      await expectProblem(await guess('203.0.113.1', i), 401, 'unauthorized');
    }
    await expectProblem(await guess('203.0.113.1', 2), 429, 'rate-limited');
    // Another client through the same proxy: its own count when the proxy is trusted, the proxy's otherwise.
    await expectProblem(
      await guess('203.0.113.2', 3),
      separate ? 401 : 429,
      separate ? 'unauthorized' : 'rate-limited',
    );
  });

  it(`counts ${separate ? 'IPv6 clients by their /64' : 'the socket, whatever IPv6 addresses the header names'}`, async () => {
    // Two addresses of one /64 share a count; another /64 has its own.
    await expectProblem(
      await guess('2001:db8:5:6::1', 10),
      separate ? 401 : 429,
      separate ? 'unauthorized' : 'rate-limited',
    );
    await expectProblem(
      await guess('2001:db8:5:6::2', 11),
      separate ? 401 : 429,
      separate ? 'unauthorized' : 'rate-limited',
    );
    await expectProblem(await guess('2001:db8:5:6:ffff::3', 12), 429, 'rate-limited');
    if (separate) {
      await expectProblem(await guess('2001:db8:5:7::1', 13), 401, 'unauthorized');
    }
  });
});

describe.each(storeKinds)('scoped service tokens on $kind', ({ open }) => {
  const PEPPER = 'scoped-token-test-pepper';
  let location = '';
  const api = lifecycleServer(
    async () => {
      const testStore = await open();
      location = testStore.location;
      return testStore;
    },
    { pepper: PEPPER },
  );
  /** A token added to the database as `apikeys tokens add` adds it. */
  const addToken = async (name: string, scopes: string[]) => {
    const { token, stored } = issueServiceToken(name, scopes, { now: NOW, pepper: PEPPER });
    await api.store.addServiceToken(stored, AUDIT);
    return token;
  };

  it('refuses a verify-only token everything but verifyApiKey with 403 naming the scope, before reading the body, and creates nothing', async () => {
    const gateway = await addToken('gateway', ['keys:verify']);
    const { key, secret } = await api.createKey();

    const refused = await api.server.post('internal-api', { name: 'minted' }, { token: gateway });
    const problem = await expectProblem(refused, 403, 'insufficient-scope');
    expect(problem.detail).toBe("The token 'gateway' lacks the scope this operation requires: keys:create.");
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer realm="apikeys", error="insufficient_scope", scope="keys:create"',
    );
    // The scope is checked before the body: an invalid one is refused for the scope, not the body.
    await expectProblem(
      await api.server.post('internal-api', { bogus: true }, { token: gateway }),
      403,
      'insufficient-scope',
    );
    expect(await api.store.countKeys()).toBe(1);

    const verified = await api.server.call(
      'POST',
      `${api.keys('internal-api')}/verify`,
      { secret },
      { token: gateway },
    );
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ valid: true, code: 'VALID' });

    const refusals: [string, string, unknown, string][] = [
      ['GET', api.keys('internal-api'), undefined, 'keys:read'],
      ['GET', api.keyPath('internal-api', key.id), undefined, 'keys:read'],
      ['PATCH', api.keyPath('internal-api', key.id), { name: 'renamed' }, 'keys:update'],
      ['POST', api.keyPath('internal-api', key.id, 'revoke'), {}, 'keys:revoke'],
      ['POST', api.keyPath('internal-api', key.id, 'rotate'), {}, 'keys:create, keys:revoke'],
    ];
    for (const [method, path, body, missing] of refusals) {
      const answer = await api.server.call(method, path, body, { token: gateway });
      expect((await expectProblem(answer, 403, 'insufficient-scope')).detail).toContain(`requires: ${missing}.`);
    }
    expect(await api.getKey(key.id)).toMatchObject({ name: 'a key', status: 'active' });
  });

  it('asks for both keys:create and keys:revoke to rotate, naming only the one missing', async () => {
    const creator = await addToken('creator', ['keys:create', 'keys:read']);
    const { key } = await api.createKey();
    const refused = await api.server.call(
      'POST',
      api.keyPath('internal-api', key.id, 'rotate'),
      {},
      { token: creator },
    );
    expect((await expectProblem(refused, 403, 'insufficient-scope')).detail).toBe(
      "The token 'creator' lacks the scope this operation requires: keys:revoke.",
    );
    expect(refused.headers.get('www-authenticate')).toContain('scope="keys:create keys:revoke"');
    expect((await api.getKey(key.id)).rotated_to).toBeNull();
    expect((await api.server.post('internal-api', { name: 'allowed' }, { token: creator })).status).toBe(201);
    expect((await api.server.call('GET', api.keys('internal-api'), undefined, { token: creator })).status).toBe(200);
  });

  it('lets a token holding every key scope, and the APIKEYS_TOKENS, do everything', async () => {
    const operator = await addToken('operator', [
      'keys:create',
      'keys:read',
      'keys:update',
      'keys:revoke',
      'keys:verify',
    ]);
    for (const token of [operator, TOKEN]) {
      const created = await api.server.post('internal-api', { name: 'full' }, { token });
      expect(created.status).toBe(201);
      const { key, secret } = (await created.json()) as ApiKeyWithSecret;
      const calls: [string, string, unknown, number][] = [
        ['GET', api.keys('internal-api'), undefined, 200],
        ['GET', api.keyPath('internal-api', key.id), undefined, 200],
        ['PATCH', api.keyPath('internal-api', key.id), { name: 'renamed' }, 200],
        ['POST', `${api.keys('internal-api')}/verify`, { secret }, 200],
        ['POST', api.keyPath('internal-api', key.id, 'rotate'), { grace_period_seconds: 60 }, 201],
        ['POST', api.keyPath('internal-api', key.id, 'revoke'), {}, 200],
      ];
      for (const [method, path, body, status] of calls) {
        expect((await api.server.call(method, path, body, { token })).status).toBe(status);
      }
    }
  });

  it('accepts a token added while the server runs at once, and refuses it at once once revoked', async () => {
    const reader = await addToken('reader', ['keys:read']);
    expect((await api.server.call('GET', api.keys('internal-api'), undefined, { token: reader })).status).toBe(200);
    await api.store.revokeToken('reader', NOW, AUDIT);
    await expectProblem(
      await api.server.call('GET', api.keys('internal-api'), undefined, { token: reader }),
      401,
      'unauthorized',
    );
  });

  it('refuses within a second a token revoked through another connection to the database (another process)', async () => {
    const reader = await addToken('elsewhere', ['keys:read']);
    expect((await api.server.call('GET', api.keys('internal-api'), undefined, { token: reader })).status).toBe(200);
    const other = api.store.kind === 'sqlite' ? new SqliteKeyStore(location) : new PostgresKeyStore(location);
    try {
      await other.revokeToken('elsewhere', NOW, AUDIT);
    } finally {
      await other.close();
    }
    await expect
      .poll(async () => (await api.server.call('GET', api.keys('internal-api'), undefined, { token: reader })).status, {
        timeout: 1000,
        interval: 10,
      })
      .toBe(401);
  });

  it('refuses a token hashed without the server pepper', async () => {
    const { token, stored } = issueServiceToken('unpeppered', ['keys:read'], { now: NOW });
    await api.store.addServiceToken(stored, AUDIT);
    await expectProblem(
      await api.server.call('GET', api.keys('internal-api'), undefined, { token }),
      401,
      'unauthorized',
    );
  });
});

describe('a flood of failed authentications from many addresses', () => {
  // The default failure limit (20 a minute per address); the token's own rate limit out of the
  // way, since the test's clock stands still and would make its window last the whole test.
  const api = lifecycleServer(storeKinds[0].open, { rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
  const ADDRESSES = 2000;
  const GUESSES_EACH = 3;
  // A generous bound for a shared, loaded machine: the good client waits behind the flood's
  // requests in the event loop, but none of them does more than hash a token.
  const P99_BOUND_MS = 1000;

  /** One request from `localAddress` (Linux routes all of 127.0.0.0/8 to loopback) with a wrong token. */
  const guess = (localAddress: string, i: number) =>
    new Promise<number>((resolve, reject) => {
      const { port } = new URL(api.server.url);
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          localAddress,
          agent: false,
          method: 'GET',
          path: '/api-auth/apps/internal-api/keys',
          headers: { authorization: `Bearer guess-${i}-0123456789abcdef` },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });

  it(`keeps serving a client with a good token while ${ADDRESSES} addresses send wrong ones, each within its own limit`, async () => {
    const sources = Array.from({ length: ADDRESSES }, (_, i) => `127.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`);
    const work = sources.flatMap((address) => Array.from({ length: GUESSES_EACH }, (_, i) => () => guess(address, i)));
    const statuses: number[] = [];
    let flooding = true;
    const flood = (async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < work.length) {
            statuses.push(await work[next++]!());
          }
        }),
      );
      flooding = false;
    })();
    const served: { status: number; ms: number }[] = [];
    while (flooding) {
      const started = performance.now();
      const response = await api.server.call('GET', api.keys('internal-api'));
      await response.arrayBuffer();
      served.push({ status: response.status, ms: performance.now() - started });
      // A client calling now and then, as most do, not one more flood.
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await flood;

    // Every failure counted against its own address: all 401, none pushed over the limit by the others.
    expect(statuses.length).toBe(ADDRESSES * GUESSES_EACH);
    expect(statuses.filter((status) => status === 401).length).toBe(statuses.length);
    expect(served.length).toBeGreaterThan(10);
    expect(served.filter(({ status }) => status !== 200)).toEqual([]);
    const times = served.map(({ ms }) => ms).sort((a, b) => a - b);
    const p99 = times[Math.ceil(times.length * 0.99) - 1]!;
    expect(p99).toBeLessThan(P99_BOUND_MS);
  });
});

describe('failureKey', () => {
  it('counts an IPv4 address as itself, an IPv6 address by its /64 however it is written', () => {
    expect(failureKey('203.0.113.7')).toBe('203.0.113.7');
    expect(failureKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    const sameClient = [
      '2001:db8:1:2::1',
      '2001:db8:1:2:ffff::9',
      '2001:0db8:0001:0002:0:0:0:1',
      '2001:db8:1:2::1%eth0',
    ];
    expect(new Set(sameClient.map(failureKey))).toEqual(new Set(['2001:db8:1:2::/64']));
    expect(failureKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(failureKey('::1')).toBe('0:0:0:0::/64');
  });
});
