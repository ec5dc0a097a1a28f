import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ApiKeysClient,
  ApiKeysError,
  type CreateApiKeyRequest,
  createApiKeysClient,
  type ListApiKeysQuery,
} from '@apikeys/client';
import type { KeyStore } from '@apikeys/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ContractOperation,
  contractOperations,
  declaredScopes,
  readContract,
  requireComplete,
  successes,
} from './support/contract.js';
import { buildRequest, freshResources, requestExamples, sendRequest, uniqueNames } from './support/requests.js';
import { validationProxyNeeds } from './support/suiteNeeds.js';
import { SERVER_NOW, startRealServer, startValidationProxy, type Target, TOKEN } from './support/targets.js';

// The real server behind `prism proxy --errors`: Prism checks every answer of the server
// against the contract and turns one that breaks it into a 500 with `sl-violations`.
// Requests here are valid, so that Prism forwards them and judges the server's answer; every
// answer that comes back, success or refusal, is checked for violations after each test.
const seedPrimary = {
  name: 'Primary production key',
  permissions: ['users:read', 'users:write'],
  metadata: { owner: 'backend-service' },
};
const unknownKeyId = '2f6c1d3e-8b4a-4c5d-9e7f-0a1b2c3d4e5f';
const unissuedSecret = 'sk_rkSiCfBYNNG78v7gy8ZNvSinOQK4b2PbTeKg24O3Qdl3xvQiw';
const HOUR_MS = 3_600_000;

// Beside the scenarios below, every operation of the contract is sent each of its request body's
// named examples, and is refused 401, 403 and 429 (support/requests.ts builds the requests).
const document = readContract();
const operations = contractOperations(document);
const scopes = declaredScopes(document);
for (const operation of operations) {
  requireComplete(operation, validationProxyNeeds(operation), 'the validation proxy suite');
}
/** The operations behind bearer auth, and those among them that name scopes. */
const secured = operations.filter((operation) => operation.scopes !== undefined);
const scoped = secured.filter((operation) => operation.scopes!.length > 0);
/** The status an operation answers a valid request with: its first 2xx. */
const successStatus = (operation: ContractOperation) => Number(successes(operation)[0]!.status);

const answers: Response[] = [];
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  answers.push(response);
  return response;
};
const proxiedClient = (baseUrl: string, token = TOKEN) =>
  createApiKeysClient({ baseUrl, token, fetch: recordingFetch });

/** The status of the last answer the call got: its success status, or the refusal's. */
async function statusOf(promise: Promise<unknown>): Promise<number> {
  await promise.catch((error: unknown) => {
    if (!(error instanceof ApiKeysError)) {
      throw error;
    }
  });
  return answers.at(-1)!.status;
}

function expectNoViolations() {
  expect(answers.length).toBeGreaterThan(0);
  for (const answer of answers) {
    expect(answer.headers.get('sl-violations'), `${answer.url} ${answer.status}`).toBeNull();
  }
  answers.length = 0;
}

describe('the real server behind the validation proxy', () => {
  let server: Target;
  let proxy: Target;
  let client: ApiKeysClient;
  // The server's clock, moved forward to expire keys and end grace periods.
  let clock = SERVER_NOW.getTime();

  beforeAll(async () => {
    server = await startRealServer({ now: () => new Date(clock) });
    proxy = await startValidationProxy(server.url);
    client = proxiedClient(proxy.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });
  afterEach(expectNoViolations);

  const create = (body: CreateApiKeyRequest = seedPrimary) => client.apiKeys.createApiKey('internal-api', body);

  it('answers every create, success or refusal, within the contract', async () => {
    expect(await statusOf(create())).toBe(201);
    expect(
      await statusOf(
        create({
          name: 'everything',
          permissions: ['users:*'],
          metadata: { a: [1, { b: null }] },
          owner: 'team-a',
          environment: 'staging',
          expires_at: '2026-12-31T23:59:59+02:00',
          appName: 'internal-api',
        }),
      ),
    ).toBe(201);
    expect(await statusOf(client.apiKeys.createApiKey('billing-api', seedPrimary))).toBe(404);
    expect(await statusOf(create({ name: 'late', expires_at: '2020-01-01T00:00:00Z' }))).toBe(400);
    expect(await statusOf(create({ name: 'moved', appName: 'other-app' }))).toBe(400);
    expect(await statusOf(create({ name: 'big', metadata: { blob: 'x'.repeat(5000) } }))).toBe(400);
  });

  it('answers every list, success or refusal, within the contract', async () => {
    const owner = 'proxy-listing';
    for (const name of ['first', 'second', 'third']) {
      await create({ name, owner, environment: 'staging' });
    }
    answers.length = 0;
    const first = await client.apiKeys.listApiKeys('internal-api', { owner, limit: 2 });
    expect(answers.at(-1)!.status).toBe(200);
    expect(first.next_cursor).not.toBeNull();
    expect(
      await statusOf(client.apiKeys.listApiKeys('internal-api', { owner, limit: 2, cursor: first.next_cursor! })),
    ).toBe(200);
    expect(
      await statusOf(client.apiKeys.listApiKeys('internal-api', { status: 'all', environment: 'staging', limit: 100 })),
    ).toBe(200);
    const all = [];
    for await (const key of client.apiKeys.listAllApiKeys('internal-api', { owner, limit: 1 })) {
      all.push(key);
    }
    expect(all).toHaveLength(3);
    expect(
      await statusOf(client.apiKeys.listApiKeys('internal-api', { owner: 'someone-else', cursor: first.next_cursor! })),
    ).toBe(400);
    expect(await statusOf(client.apiKeys.listApiKeys('internal-api', { cursor: 'bm90LWEtY3Vyc29y.AAAA' }))).toBe(400);
    expect(await statusOf(client.apiKeys.listApiKeys('internal-api', { sort: 'asc' } as ListApiKeysQuery))).toBe(400);
    expect(await statusOf(client.apiKeys.listApiKeys('billing-api'))).toBe(404);
  });

  it('answers every get and update, success or refusal, within the contract', async () => {
    const { key } = await create();
    expect(await statusOf(client.apiKeys.getApiKey('internal-api', key.id))).toBe(200);
    expect(await statusOf(client.apiKeys.getApiKey('internal-api', unknownKeyId))).toBe(404);
    expect(await statusOf(client.apiKeys.getApiKey('billing-api', key.id))).toBe(404);
    expect(
      await statusOf(
        client.apiKeys.updateApiKey('internal-api', key.id, {
          permissions: ['users:read'],
          metadata: {},
          name: 'renamed',
        }),
      ),
    ).toBe(200);
    expect(
      await statusOf(
        client.apiKeys.updateApiKey('internal-api', key.id, {
          owner: 'team-b',
          environment: 'production',
          expires_at: '2026-12-31T00:00:00Z',
        }),
      ),
    ).toBe(200);
    expect(
      await statusOf(
        client.apiKeys.updateApiKey('internal-api', key.id, { owner: null, environment: null, expires_at: null }),
      ),
    ).toBe(200);
    expect(
      await statusOf(client.apiKeys.updateApiKey('internal-api', key.id, { expires_at: '2020-01-01T00:00:00Z' })),
    ).toBe(400);
    expect(
      await statusOf(client.apiKeys.updateApiKey('internal-api', key.id, { metadata: { blob: 'x'.repeat(5000) } })),
    ).toBe(400);
    expect(await statusOf(client.apiKeys.updateApiKey('internal-api', unknownKeyId, { name: 'x' }))).toBe(404);
    await client.apiKeys.revokeApiKey('internal-api', key.id);
    expect(await statusOf(client.apiKeys.updateApiKey('internal-api', key.id, { name: 'too late' }))).toBe(409);
    expect(await statusOf(client.apiKeys.getApiKey('internal-api', key.id))).toBe(200);
  });

  it('answers every revoke and rotate, success or refusal, within the contract', async () => {
    const revoked = await create();
    expect(
      await statusOf(client.apiKeys.revokeApiKey('internal-api', revoked.key.id, { reason: 'Leaked in a build log' })),
    ).toBe(200);
    expect(await statusOf(client.apiKeys.revokeApiKey('internal-api', revoked.key.id))).toBe(200);
    expect(await statusOf(client.apiKeys.revokeApiKey('internal-api', unknownKeyId))).toBe(404);
    expect(await statusOf(client.apiKeys.rotateApiKey('internal-api', revoked.key.id))).toBe(409);
    expect(await statusOf(client.apiKeys.rotateApiKey('internal-api', unknownKeyId))).toBe(404);

    const graceful = await create();
    expect(
      await statusOf(client.apiKeys.rotateApiKey('internal-api', graceful.key.id, { grace_period_seconds: 60 })),
    ).toBe(201);
    expect(await statusOf(client.apiKeys.getApiKey('internal-api', graceful.key.id))).toBe(200);
    expect(await statusOf(client.apiKeys.rotateApiKey('internal-api', graceful.key.id))).toBe(409);
    // Revoking a key in its grace period revokes it at once.
    expect(await statusOf(client.apiKeys.revokeApiKey('internal-api', graceful.key.id))).toBe(200);

    const immediate = await create();
    expect(await statusOf(client.apiKeys.rotateApiKey('internal-api', immediate.key.id, {}))).toBe(201);
  });

  it('answers every verify within the contract, whatever the verdict', async () => {
    const primary = await create();
    const expiring = await create({ name: 'expiring', expires_at: new Date(clock + HOUR_MS).toISOString() });
    const rotated = await create();
    await client.apiKeys.rotateApiKey('internal-api', rotated.key.id, { grace_period_seconds: 60 });
    const revoked = await create();
    await client.apiKeys.revokeApiKey('internal-api', revoked.key.id);
    answers.length = 0;

    const verdict = async (secret: string, required_permissions?: string[]) => {
      const answer = await client.apiKeys.verifyApiKey('internal-api', {
        secret,
        ...(required_permissions ? { required_permissions } : {}),
      });
      expect(answers.at(-1)!.status).toBe(200);
      return answer.code;
    };
    expect(await verdict(primary.secret, ['users:read'])).toBe('VALID');
    expect(await verdict(primary.secret, ['billing:read'])).toBe('INSUFFICIENT_PERMISSIONS');
    expect(await verdict('not-a-key')).toBe('MALFORMED');
    expect(await verdict(unissuedSecret)).toBe('NOT_FOUND');
    expect(await verdict(revoked.secret)).toBe('REVOKED');
    expect(await verdict(rotated.secret)).toBe('VALID');
    clock += 2 * HOUR_MS;
    expect(await verdict(expiring.secret)).toBe('EXPIRED');
    expect(await verdict(rotated.secret)).toBe('REVOKED');
    expect(await statusOf(client.apiKeys.rotateApiKey('internal-api', expiring.key.id))).toBe(409);
    expect(await statusOf(client.apiKeys.listApiKeys('internal-api', { status: 'expired' }))).toBe(200);
    expect(await statusOf(client.apiKeys.verifyApiKey('billing-api', { secret: unissuedSecret }))).toBe(404);
  });

  it('answers every listAuditEvents, success or refusal, within the contract', async () => {
    const { key } = await create();
    await client.apiKeys.updateApiKey('internal-api', key.id, { name: 'renamed', metadata: { a: [1] } });
    await client.apiKeys.rotateApiKey('internal-api', key.id, { grace_period_seconds: 60 });
    await client.apiKeys.revokeApiKey('internal-api', key.id, { reason: 'done' });
    answers.length = 0;
    const first = await client.apiKeys.listAuditEvents('internal-api', { key_id: key.id, limit: 2 });
    expect(answers.at(-1)!.status).toBe(200);
    expect(first.next_cursor).not.toBeNull();
    expect(
      await statusOf(client.apiKeys.listAuditEvents('internal-api', { key_id: key.id, cursor: first.next_cursor! })),
    ).toBe(200);
    expect(await statusOf(client.apiKeys.listAuditEvents('internal-api', { limit: 100 }))).toBe(200);
    expect(await statusOf(client.apiKeys.listAuditEvents('internal-api', { cursor: first.next_cursor! }))).toBe(400);
    expect(await statusOf(client.apiKeys.listAuditEvents('billing-api'))).toBe(404);
  });

  it.each(operations)('answers every named request example of $operationId within the contract', async (operation) => {
    const examples = requestExamples(operation);
    const pathValue = freshResources(operations, proxy.url, TOKEN);
    const bodyValue = uniqueNames(operations);
    for (const example of examples.length > 0 ? examples.map(([name]) => name) : [undefined]) {
      const request = await buildRequest(operation, { pathValue, bodyValue, ...(example ? { example } : {}) });
      const answer = await sendRequest(proxy.url, request, { token: TOKEN, fetch: recordingFetch });
      expect(answer.status, `${operation.operationId} with ${example ?? "its parameters' examples"}`).toBe(
        successStatus(operation),
      );
    }
  });

  it.each(scoped)(
    'answers 403 to $operationId for a service token that lacks its scopes, and lets one that holds them',
    async (operation) => {
      const lacking = await serviceToken(
        `lacks-${operation.operationId}`,
        scopes.filter((scope) => !operation.scopes!.includes(scope)),
      );
      const pathValue = freshResources(operations, proxy.url, TOKEN);
      const request = await buildRequest(operation, { pathValue, bodyValue: uniqueNames(operations) });
      // A token grants only scopes its creator holds: one that holds them holds the scopes the
      // request names too (createServiceToken's `scopes`).
      const holding = await serviceToken(`holds-${operation.operationId}`, [
        ...new Set([...operation.scopes!, ...scopesNamedIn(request.body)]),
      ]);
      expect((await sendRequest(proxy.url, request, { token: lacking, fetch: recordingFetch })).status).toBe(403);
      expect((await sendRequest(proxy.url, request, { token: holding, fetch: recordingFetch })).status).toBe(
        successStatus(operation),
      );
    },
  );

  it.each(secured)('answers 401 to $operationId for a token it does not accept', async (operation) => {
    const request = await buildRequest(operation);
    const answer = await sendRequest(proxy.url, request, {
      token: 'not-a-token-this-server-knows',
      fetch: recordingFetch,
    });
    expect(answer.status).toBe(401);
  });

  /** The declared scopes a request body names (as the values of an array of scopes). */
  function scopesNamedIn(body: unknown): string[] {
    if (Array.isArray(body)) {
      return body.flatMap(scopesNamedIn);
    }
    if (typeof body === 'object' && body !== null) {
      return Object.values(body).flatMap(scopesNamedIn);
    }
    return typeof body === 'string' && scopes.includes(body) ? [body] : [];
  }

  /**
   * A service token with these scopes in the server's database, named as the contract's TokenName schema
   * allows (lower case: listServiceTokens answers every name the database holds).
   */
  async function serviceToken(label: string, held: string[]) {
    const name = label.toLowerCase();
    const token = `proxy-${name}-0123456789`;
    await (server as Target & { store: KeyStore }).store.addServiceToken(
      {
        name,
        scopes: held,
        createdAt: new Date(clock).toISOString(),
        revokedAt: null,
        tokenHash: createHash('sha256').update(token).digest('hex'),
        hashScheme: 'sha256',
      },
      { actor: 'proxy-test', operation: 'test', requestId: null },
    );
    return token;
  }
});

describe('the rate-limited real server behind the validation proxy', () => {
  let server: Target;
  let proxy: Target;

  beforeAll(async () => {
    server = await startRealServer({ rateLimit: { limit: 1, windowMs: 60_000 } });
    proxy = await startValidationProxy(server.url);
    // The one request of the window.
    await proxiedClient(proxy.url).apiKeys.createApiKey('internal-api', seedPrimary);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });
  afterEach(expectNoViolations);

  it.each(secured)('answers 429 to $operationId once the limit is reached', async (operation) => {
    const answer = await sendRequest(proxy.url, await buildRequest(operation), { token: TOKEN, fetch: recordingFetch });
    expect(answer.status).toBe(429);
  });
});

describe('the validation proxy', () => {
  it('would catch a server whose answer breaks the contract', async () => {
    // A stand-in upstream that leaks a field the contract does not have, as a careless server would.
    const leaky: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(
          JSON.stringify({
            key: {
              id: '2f6c1d3e-8b4a-4c5d-9e7f-0a1b2c3d4e5f',
              app_slug: 'internal-api',
              name: 'x',
              key_prefix: 'sk',
              key_suffix: 'abcd',
              permissions: [],
              metadata: {},
              owner: null,
              environment: null,
              expires_at: null,
              created_at: '2026-01-01T00:00:00Z',
              secret_hash: 'deadbeef',
            },
            secret: `sk_${'a'.repeat(49)}`,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => leaky.listen(0, '127.0.0.1', resolve));
    const leakyProxy = await startValidationProxy(`http://127.0.0.1:${(leaky.address() as AddressInfo).port}`);
    try {
      const error = await createApiKeysClient({ baseUrl: leakyProxy.url, token: TOKEN })
        .apiKeys.createApiKey('internal-api', { name: 'x' })
        .catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(ApiKeysError);
      expect((error as ApiKeysError).status).toBe(500);
      expect((error as ApiKeysError).headers.get('sl-violations')).toContain("found 'secret_hash'");
    } finally {
      await leakyProxy.close();
      await new Promise((resolve) => leaky.close(resolve));
    }
  });
});
