import type { ServiceTokenWithSecret } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { addServiceToken } from '../../../test/support/serviceTokens.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';
import { readContract } from '../../contract/contract.js';
import { componentSchema } from '../../contract/document.js';
import { hashSecret } from '../../keys/secret.js';

describe('the contract', () => {
  it('lets a token be created with exactly the scopes x-scopes declares', () => {
    const { document, scopes } = readContract();
    expect(componentSchema(document, 'Scope').enum).toEqual(scopes);
  });
});

describe.each(storeKinds)('createServiceToken on $kind', ({ open }) => {
  const api = lifecycleServer(open);
  const create = (body: unknown, init: Parameters<typeof api.server.call>[3] = {}) =>
    api.server.call('POST', '/api-auth/service-tokens', body, init);

  /** Sends a create that must be refused, and checks that no token and no event was added. */
  async function refused(body: unknown, status: number, type: string, init = {}) {
    const tokens = await api.store.allServiceTokens();
    const events = await api.store.workspaceAuditEvents({ limit: 100 });
    const problem = await expectProblem(await create(body, init), status, type);
    expect(await api.store.allServiceTokens()).toEqual(tokens);
    expect(await api.store.workspaceAuditEvents({ limit: 100 })).toEqual(events);
    return problem;
  }

  it('adds the token, answers it once with no-store, stores only its hash, and the server accepts it at once', async () => {
    const response = await create({ name: 'minted', scopes: ['keys:read', 'audit:read'] });
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { token, secret } = (await response.json()) as ServiceTokenWithSecret;
    expect(token).toEqual({
      name: 'minted',
      scopes: ['keys:read', 'audit:read'],
      status: 'active',
      created_at: NOW.toISOString(),
      revoked_at: null,
    });
    expect(secret).toMatch(/^apt_[0-9A-Za-z]{49}$/);
    const stored = (await api.store.liveServiceTokens()).find((each) => each.name === 'minted');
    expect(stored).toEqual({
      name: 'minted',
      scopes: token.scopes,
      createdAt: token.created_at,
      revokedAt: null,
      tokenHash: hashSecret(secret),
      hashScheme: 'sha256',
    });
    const [event] = await api.store.workspaceAuditEvents({ limit: 1 });
    expect(event).toMatchObject({
      action: 'token_added',
      actor: 'env-token-1',
      operation: 'createServiceToken',
      requestId: response.headers.get('x-request-id'),
      tokenName: 'minted',
    });
    expect((await api.server.call('GET', api.keys('internal-api'), undefined, { token: secret })).status).toBe(200);
    await expectProblem(
      await api.server.post('internal-api', { name: 'x' }, { token: secret }),
      403,
      'insufficient-scope',
    );
  });

  it('lets a token grant only the scopes it holds itself (403 naming the others)', async () => {
    const manager = await addServiceToken(api.store, 'token-manager', ['tokens:manage', 'keys:read']);
    const narrower = await create({ name: 'narrower', scopes: ['keys:read'] }, { token: manager });
    expect(narrower.status).toBe(201);
    const problem = await refused(
      { name: 'wider', scopes: ['keys:read', 'keys:create', 'audit:read'] },
      403,
      'insufficient-scope',
      { token: manager },
    );
    expect(problem.detail).toBe("The token 'token-manager' cannot grant scopes it lacks: keys:create, audit:read.");
    const one = await refused({ name: 'wider', scopes: ['apps:manage'] }, 403, 'insufficient-scope', {
      token: manager,
    });
    expect(one.detail).toBe("The token 'token-manager' cannot grant a scope it lacks: apps:manage.");
  });

  it('never reuses a name, a revoked token’s included (409), and refuses env-token-* and bad bodies with 400', async () => {
    await addServiceToken(api.store, 'taken', ['keys:read']);
    await api.store.revokeToken('taken', NOW, { actor: 'test', operation: 'test', requestId: null });
    const taken = await refused({ name: 'taken', scopes: ['keys:verify'] }, 409, 'token-name-taken');
    expect(taken.detail).toBe(
      "A service token named 'taken' already exists (names are never reused, revoked tokens' included)",
    );
    const env = await refused({ name: 'env-token-1', scopes: ['keys:read'] }, 400, 'invalid-request');
    expect(env.errors).toEqual([{ pointer: '/body/name', message: 'must not start with env-token-' }]);
    await refused({ name: 'fresh', scopes: ['keys:everything'] }, 400, 'invalid-request');
    await refused({ name: 'fresh', scopes: [] }, 400, 'invalid-request');
    await refused({ name: 'fresh', scopes: ['keys:read', 'keys:read'] }, 400, 'invalid-request');
    await refused({ name: 'Fresh', scopes: ['keys:read'] }, 400, 'invalid-request');
    await refused({ name: 'fresh', scopes: ['keys:read'], token: 'mine' }, 400, 'invalid-request');
  });

  it('replays a create retried with its Idempotency-Key, secret included, and adds one token', async () => {
    const headers = { 'idempotency-key': 'create-token-0123456789' };
    const first = await create({ name: 'retried', scopes: ['keys:verify'] }, { headers });
    const again = await create({ name: 'retried', scopes: ['keys:verify'] }, { headers });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
  });

  it('answers 401 without a token and 403 without tokens:manage', async () => {
    await refused({ name: 'anon', scopes: ['keys:read'] }, 401, 'unauthorized', { token: null });
    const reader = await addServiceToken(api.store, 'create-token-reader', ['keys:read']);
    const problem = await refused({ name: 'anon', scopes: ['keys:read'] }, 403, 'insufficient-scope', {
      token: reader,
    });
    expect(problem.detail).toContain('requires: tokens:manage.');
  });
});
