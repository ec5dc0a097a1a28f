import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiKey, ApiKeyWithSecret, AuditEventList, VerificationResult } from '@apikeys/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../src/keys/secret.js';
import { issueServiceToken } from '../src/keys/serviceToken.js';
import type { KeyStore } from '../src/store/keyStore.js';
import { storeKinds, type TestStore } from './support/stores.js';
import { expectProblem, startTestServer, type TestServer } from './support/testServer.js';

const PEPPER = 'secret-scanning-test-pepper';
const PATH = '/secret-scanning/github';

/** A P-256 key pair standing in for one of GitHub's, under its key identifier. */
const signingKey = (id: string) => ({ id, ...generateKeyPairSync('ec', { namedCurve: 'P-256' }) });
type SigningKey = ReturnType<typeof signingKey>;

/** GitHub's keys document, served by a local node:http server: one document per path, each counting its fetches. */
async function startKeysServer() {
  const documents = new Map<string, { keys: SigningKey[]; down: boolean; fetches: number }>();
  const server: Server = createServer((req, res) => {
    const document = documents.get(req.url ?? '');
    if (document) {
      document.fetches++;
    }
    if (!document || document.down) {
      res.writeHead(document ? 502 : 404).end();
      return;
    }
    const public_keys = document.keys.map(({ id, publicKey }, index) => ({
      key_identifier: id,
      key: publicKey.export({ type: 'spki', format: 'pem' }),
      is_current: index === document.keys.length - 1,
    }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ public_keys }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    /** A document at its own URL, so that each server under test has its own fetch count. */
    publish(name: string, keys: SigningKey[]) {
      const document = { keys, down: false, fetches: 0 };
      documents.set(`/${name}`, document);
      return { url: `http://127.0.0.1:${port}/${name}`, document };
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const match = (token: string, extra: Record<string, unknown> = {}) => ({
  token,
  type: 'apikeys_secret',
  url: 'https://github.com/octo-org/octo-repo/blob/4f1a2b3/deploy/.env',
  source: 'content',
  ...extra,
});
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const signatureOf = (body: string, key: SigningKey) =>
  sign('sha256', Buffer.from(body), key.privateKey).toString('base64');

/** A delivery as GitHub makes it: the body, the key id, and the signature over the body's bytes. */
function deliver(
  server: TestServer,
  body: string,
  key: SigningKey | undefined,
  headers: Record<string, string> = key
    ? { 'github-public-key-identifier': key.id, 'github-public-key-signature': signatureOf(body, key) }
    : {},
) {
  return fetch(`${server.url}${PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

describe.each(storeKinds)('the GitHub secret-scanning endpoint on $kind', ({ open }) => {
  const github = signingKey('github-key-1');
  let testStore: TestStore;
  let keysServer: Awaited<ReturnType<typeof startKeysServer>>;
  const servers: TestServer[] = [];
  const otherStores: KeyStore[] = [];
  // One clock for every server here, only ever moved forward: the keys' refetch limit is timed by it.
  let clock = new Date('2026-06-01T12:00:00.000Z');
  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };

  /** A server with its own keys document (and so its own cache of GitHub's keys), on the shared database. */
  async function scanningServer(name: string, keys: SigningKey[] = [github], store: KeyStore = testStore.store) {
    const { url, document } = keysServer.publish(name, keys);
    const server = await startTestServer({ store, pepper: PEPPER, githubKeysUrl: url, now: () => clock });
    servers.push(server);
    return { server, document };
  }

  let api: TestServer;
  beforeAll(async () => {
    testStore = await open();
    await testStore.store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, clock);
    keysServer = await startKeysServer();
    ({ server: api } = await scanningServer('main'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all(otherStores.map((store) => store.close()));
    await keysServer?.close();
    await testStore?.dispose();
  });

  const createKey = async (name = 'a key') =>
    (await (await api.post('internal-api', { name })).json()) as ApiKeyWithSecret;
  const getKey = async (id: string) =>
    (await (await api.call('GET', `/api-auth/apps/internal-api/keys/${id}`)).json()) as ApiKey;
  const verify = async (secret: string, server = api) =>
    (
      (await (
        await server.call('POST', '/api-auth/apps/internal-api/keys/verify', { secret })
      ).json()) as VerificationResult
    ).code;

  it('revokes a leaked live key at once and labels every match, in order, by the hash of its token', async () => {
    const live = await createKey('leaked in a repository');
    const revoked = await createKey('revoked earlier');
    const revokedBefore = (await (
      await api.call('POST', `/api-auth/apps/internal-api/keys/${revoked.key.id}/revoke`, { reason: 'retired' })
    ).json()) as ApiKey;
    expect(await verify(live.secret)).toBe('VALID');
    const lastCharacter = live.secret.at(-1) === 'A' ? 'B' : 'A';
    const badChecksum = `${live.secret.slice(0, -1)}${lastCharacter}`;
    const unknown = generateSecret('sk');

    const matches = [
      match(live.secret, { found_by: 'a field GitHub may add' }),
      match(revoked.secret),
      match(badChecksum),
      match(unknown),
    ];
    const response = await deliver(api, JSON.stringify(matches), github);

    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    expect(await response.json()).toEqual([
      { token_hash: sha256(live.secret), token_type: 'apikeys_secret', label: 'true_positive' },
      { token_hash: sha256(revoked.secret), token_type: 'apikeys_secret', label: 'true_positive' },
      { token_hash: sha256(badChecksum), token_type: 'apikeys_secret', label: 'false_positive' },
      { token_hash: sha256(unknown), token_type: 'apikeys_secret', label: 'false_positive' },
    ]);
    expect(await verify(live.secret)).toBe('REVOKED');
    expect(await getKey(live.key.id)).toMatchObject({
      status: 'revoked',
      revoked_at: clock.toISOString(),
      revocation_reason: 'leaked',
    });
    // Already revoked: not revoked a second time.
    expect(await getKey(revoked.key.id)).toEqual(revokedBefore);
    expect(api.logs.lines.join('\n')).not.toContain(live.secret);
    expect(api.logs.entries()).toContainEqual(
      expect.objectContaining({ msg: 'revoked a leaked key', keyId: live.key.id, foundAt: matches[0]!.url }),
    );
    // One audit event, by the leak reporter, under the delivery's request id; none for the others.
    const trail = (await (await api.call('GET', '/api-auth/apps/internal-api/audit-events')).json()) as AuditEventList;
    const leakEvents = trail.data.filter(({ action }) => action === 'leaked');
    expect(leakEvents).toEqual([
      expect.objectContaining({
        key_id: live.key.id,
        actor: 'github:secret-scanning',
        operation: 'githubSecretScanning',
        request_id: requestId,
        changes: expect.arrayContaining([
          { field: 'revocation_reason', old: null, new: 'leaked' },
          { field: 'leak_source', old: null, new: matches[0]!.url },
        ]),
      }),
    ]);
    expect(trail.data.filter(({ key_id }) => key_id === revoked.key.id).map(({ action }) => action)).toEqual([
      'revoked',
      'created',
    ]);
  });

  it('revokes a leaked expired key too, so that lifting its expiry cannot bring the public secret back', async () => {
    const expiresAt = new Date(clock.getTime() + 60_000).toISOString();
    const { key, secret } = (await (
      await api.post('internal-api', { name: 'expires soon', expires_at: expiresAt })
    ).json()) as ApiKeyWithSecret;
    advance(120_000);
    expect(await verify(secret)).toBe('EXPIRED');

    const response = await deliver(api, JSON.stringify([match(secret)]), github);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { token_hash: sha256(secret), token_type: 'apikeys_secret', label: 'true_positive' },
    ]);
    expect(await getKey(key.id)).toMatchObject({ status: 'revoked', revocation_reason: 'leaked' });
    const lifted = await api.call('PATCH', `/api-auth/apps/internal-api/keys/${key.id}`, { expires_at: null });
    await expectProblem(lifted, 409, 'key-revoked');
    expect(await verify(secret)).toBe('REVOKED');
  });

  it('takes matches without url or source (GitHub may send none) and revokes the key', async () => {
    const { key, secret } = await createKey('found without a url');
    const response = await deliver(api, JSON.stringify([{ token: secret, type: 'apikeys_secret', url: '' }]), github);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { token_hash: sha256(secret), token_type: 'apikeys_secret', label: 'true_positive' },
    ]);
    expect(await getKey(key.id)).toMatchObject({ status: 'revoked', revocation_reason: 'leaked' });
  });

  it('revokes a leaked service token: from the next request on, it is refused', async () => {
    const { token, stored } = issueServiceToken('leaky-gateway', ['keys:verify'], { now: clock, pepper: PEPPER });
    await testStore.store.addServiceToken(stored, { actor: 'cli:test', operation: 'tokens add', requestId: null });
    const { secret } = await createKey('verified by the gateway');
    const asGateway = () =>
      fetch(`${api.url}/api-auth/apps/internal-api/keys/verify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ secret }),
      });
    expect((await asGateway()).status).toBe(200);

    const response = await deliver(api, JSON.stringify([match(token, { type: 'apikeys_service_token' })]), github);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { token_hash: sha256(token), token_type: 'apikeys_service_token', label: 'true_positive' },
    ]);
    await expectProblem(await asGateway(), 401, 'unauthorized');
    expect((await testStore.store.allServiceTokens()).find(({ name }) => name === 'leaky-gateway')).toMatchObject({
      revokedAt: clock.toISOString(),
    });
    expect(api.logs.lines.join('\n')).not.toContain(token);
  });

  it('handles a batch of 1000 matches, one token reported twice, and revokes the live key among them', async () => {
    const live = await createKey('in a large batch');
    const strangers = Array.from({ length: 998 }, () => match(generateSecret('sk')));
    const matches = [match(live.secret), ...strangers, match(live.secret, { source: 'commit' })];
    const response = await deliver(api, JSON.stringify(matches), github);
    expect(response.status).toBe(200);
    const labels = (await response.json()) as { token_hash: string; label: string }[];
    expect(labels.map(({ label }) => label)).toEqual([
      'true_positive',
      ...strangers.map(() => 'false_positive'),
      'true_positive',
    ]);
    expect(labels.map(({ token_hash }) => token_hash)).toEqual(matches.map(({ token }) => sha256(token)));
    expect(await verify(live.secret)).toBe('REVOKED');
  });

  it('refuses an unsigned, mis-signed or tampered payload, or an unknown key id, with 401, revoking nothing', async () => {
    const { secret } = await createKey();
    const body = JSON.stringify([match(secret)]);
    const stranger = signingKey(github.id);
    const refusals = [
      deliver(api, body, undefined),
      deliver(api, body, undefined, { 'github-public-key-identifier': github.id }),
      deliver(api, body, stranger),
      deliver(api, body, signingKey('not-a-github-key')),
      deliver(api, body, undefined, {
        'github-public-key-identifier': github.id,
        'github-public-key-signature': signatureOf(JSON.stringify([match(generateSecret('sk'))]), github),
      }),
      deliver(api, body, undefined, {
        'github-public-key-identifier': github.id,
        'github-public-key-signature': 'bm90IGEgc2lnbmF0dXJl',
      }),
    ];
    for (const response of await Promise.all(refusals)) {
      await expectProblem(response, 401, 'unauthorized');
    }
    expect(await verify(secret)).toBe('VALID');
  });

  it('refuses an oversized body or more than 1000 matches with 413, and what is not a list of matches with 400', async () => {
    const { secret } = await createKey();
    const oversized = `${JSON.stringify([match(secret)])}${' '.repeat(1024 * 1024)}`;
    const problem = await expectProblem(await deliver(api, oversized, github), 413, 'payload-too-large');
    expect(problem.detail).toBe('The request body is larger than 1048576 bytes.');
    await expectProblem(
      await deliver(api, JSON.stringify(Array.from({ length: 1001 }, () => match(secret))), github),
      413,
      'payload-too-large',
    );
    const badItem = await expectProblem(
      await deliver(api, JSON.stringify([match(secret), { ...match(secret), token: 42 }, 'text']), github),
      400,
      'invalid-request',
    );
    expect(badItem.errors).toEqual([
      { pointer: '/body/1/token', message: 'must be a string' },
      { pointer: '/body/2', message: 'must be an object' },
    ]);
    await expectProblem(await deliver(api, JSON.stringify(match(secret)), github), 400, 'invalid-request');
    await expectProblem(await deliver(api, `[${JSON.stringify(match(secret))}`, github), 400, 'invalid-request');
    expect(await verify(secret)).toBe('VALID');
  });

  it('refuses a replayed payload with 409 on this instance and on another, and handles a fresh signature of it', async () => {
    const { key, secret } = await createKey();
    const body = JSON.stringify([match(secret)]);
    const headers = {
      'github-public-key-identifier': github.id,
      'github-public-key-signature': signatureOf(body, github),
    };
    expect((await deliver(api, body, github, headers)).status).toBe(200);
    const revokedAt = clock.toISOString();
    advance(60_000);

    const replayed = await expectProblem(await deliver(api, body, github, headers), 409, 'payload-replayed');
    expect(replayed.detail).toBe('This signed payload was already received.');
    const secondStore = await testStore.openSecondInstance();
    otherStores.push(secondStore);
    const { server: second } = await scanningServer('second-instance', [github], secondStore);
    await expectProblem(await deliver(second, body, github, headers), 409, 'payload-replayed');

    // GitHub signs a retried delivery again (ECDSA draws a fresh nonce): that one is handled, with no second revocation.
    const retried = await deliver(api, body, github);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toEqual([
      { token_hash: sha256(secret), token_type: 'apikeys_secret', label: 'true_positive' },
    ]);
    expect(await getKey(key.id)).toMatchObject({ revoked_at: revokedAt, revocation_reason: 'leaked' });
  });

  it("fetches GitHub's keys once, again for a new key id, and at most once a minute for ids it does not know", async () => {
    const { server, document } = await scanningServer('rotating');
    const first = await createKey();
    const second = await createKey();
    expect((await deliver(server, JSON.stringify([match(first.secret)]), github)).status).toBe(200);
    expect((await deliver(server, JSON.stringify([match(generateSecret('sk'))]), github)).status).toBe(200);
    expect(document.fetches).toBe(1);

    // GitHub rotates: the new key is published, and a delivery signed with it arrives.
    const rotated = signingKey('github-key-2');
    document.keys.push(rotated);
    advance(60_000);
    const signedWithNewKey = await deliver(server, JSON.stringify([match(second.secret)]), rotated);
    expect(signedWithNewKey.status).toBe(200);
    expect(document.fetches).toBe(2);
    expect(await verify(second.secret, server)).toBe('REVOKED');

    // Ids nobody publishes cost no fetch within the minute.
    for (const id of ['made-up-1', 'made-up-2', 'made-up-3']) {
      await expectProblem(
        await deliver(server, JSON.stringify([match(first.secret)]), signingKey(id)),
        401,
        'unauthorized',
      );
    }
    expect(document.fetches).toBe(2);
  });

  it("answers 503 with Retry-After while GitHub's keys cannot be fetched, revoking nothing, and works once they can", async () => {
    const { server, document } = await scanningServer('unreachable');
    document.down = true;
    const { secret } = await createKey();
    const body = JSON.stringify([match(secret)]);

    const unavailable = await deliver(server, body, github);
    await expectProblem(unavailable, 503, 'signing-keys-unavailable');
    expect(unavailable.headers.get('retry-after')).toBe('60');
    advance(30_000);
    const again = await deliver(server, body, github);
    await expectProblem(again, 503, 'signing-keys-unavailable');
    expect(again.headers.get('retry-after')).toBe('30');
    expect(document.fetches).toBe(1);
    expect(await verify(secret)).toBe('VALID');

    document.down = false;
    advance(30_000);
    expect((await deliver(server, body, github)).status).toBe(200);
    expect(await verify(secret, server)).toBe('REVOKED');
  });

  it('takes no bearer token and answers other methods with 405', async () => {
    const response = await fetch(`${api.url}${PATH}`);
    await expectProblem(response, 405, 'method-not-allowed');
    expect(response.headers.get('allow')).toBe('POST');
  });
});
