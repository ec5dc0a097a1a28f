import type { ServiceToken } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { addServiceToken } from '../../../test/support/serviceTokens.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

describe.each(storeKinds)('revokeServiceToken on $kind', ({ open }) => {
  const api = lifecycleServer(open);
  const revoke = (name: string, init: Parameters<typeof api.server.call>[3] = {}) =>
    api.server.call('POST', `/api-auth/service-tokens/${name}/revoke`, undefined, init);
  const events = () => api.store.workspaceAuditEvents({ limit: 100 });

  it('revokes the token at once, stores what it answers, writes one event, and revoking again changes nothing', async () => {
    const token = await addServiceToken(api.store, 'doomed', ['keys:read']);
    expect((await api.server.call('GET', api.keys('internal-api'), undefined, { token })).status).toBe(200);
    const response = await revoke('doomed');
    expect(response.status).toBe(200);
    const revoked = (await response.json()) as ServiceToken;
    expect(revoked).toEqual({
      name: 'doomed',
      scopes: ['keys:read'],
      status: 'revoked',
      created_at: NOW.toISOString(),
      revoked_at: NOW.toISOString(),
    });
    expect((await api.store.allServiceTokens()).find((each) => each.name === 'doomed')).toEqual({
      name: 'doomed',
      scopes: ['keys:read'],
      createdAt: revoked.created_at,
      revokedAt: revoked.revoked_at,
    });
    await expectProblem(
      await api.server.call('GET', api.keys('internal-api'), undefined, { token }),
      401,
      'unauthorized',
    );
    const [event] = await events();
    expect(event).toMatchObject({
      action: 'token_revoked',
      operation: 'revokeServiceToken',
      requestId: response.headers.get('x-request-id'),
      tokenName: 'doomed',
    });

    const before = await events();
    api.advance(5000);
    const again = await revoke('doomed');
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(revoked);
    expect(await events()).toEqual(before);
  });

  it('lets a token revoke itself', async () => {
    const token = await addServiceToken(api.store, 'self-revoker', ['tokens:manage']);
    expect((await revoke('self-revoker', { token })).status).toBe(200);
    await expectProblem(await revoke('self-revoker', { token }), 401, 'unauthorized');
  });

  it('answers 404 for an unknown name (env tokens included), 400 for a bad name, 401 and 403, changing nothing', async () => {
    const before = await api.store.allServiceTokens();
    const missing = await expectProblem(await revoke('nobody'), 404, 'token-not-found');
    expect(missing.detail).toBe("No service token is named 'nobody'.");
    await expectProblem(await revoke('env-token-1'), 404, 'token-not-found');
    await expectProblem(await revoke('Bad_Name'), 400, 'invalid-request');
    const target = await addServiceToken(api.store, 'kept', ['keys:read']);
    void target;
    await expectProblem(await revoke('kept', { token: null }), 401, 'unauthorized');
    const reader = await addServiceToken(api.store, 'revoke-token-reader', ['keys:revoke']);
    await expectProblem(await revoke('kept', { token: reader }), 403, 'insufficient-scope');
    const after = await api.store.allServiceTokens();
    expect(after.filter((each) => each.revokedAt !== null)).toEqual(before.filter((each) => each.revokedAt !== null));
  });
});
