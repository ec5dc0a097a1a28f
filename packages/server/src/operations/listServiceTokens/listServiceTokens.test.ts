import type { ServiceTokenList } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { addServiceToken } from '../../../test/support/serviceTokens.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

describe.each(storeKinds)('listServiceTokens on $kind', ({ open }) => {
  const api = lifecycleServer(open);

  it('lists every token oldest first, revoked ones with revoked_at, never a token or a hash', async () => {
    const live = await addServiceToken(api.store, 'listed-live', ['keys:verify']);
    const gone = await addServiceToken(api.store, 'listed-gone', ['keys:read', 'audit:read']);
    const revokedAt = new Date(NOW.getTime() + 1000);
    await api.store.revokeToken('listed-gone', revokedAt, { actor: 't', operation: 't', requestId: null });
    const response = await api.server.call('GET', '/api-auth/service-tokens');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text) as ServiceTokenList).toEqual({
      data: [
        // Created at the same instant: by name.
        {
          name: 'listed-gone',
          scopes: ['keys:read', 'audit:read'],
          status: 'revoked',
          created_at: NOW.toISOString(),
          revoked_at: revokedAt.toISOString(),
        },
        {
          name: 'listed-live',
          scopes: ['keys:verify'],
          status: 'active',
          created_at: NOW.toISOString(),
          revoked_at: null,
        },
      ],
    });
    for (const stored of await api.store.allServiceTokens()) {
      expect(text).not.toContain((stored as { tokenHash?: string }).tokenHash ?? 'no hash in a listing');
    }
    expect(text).not.toContain(live);
    expect(text).not.toContain(gone);
  });

  it('answers 401 without a token and 403 without tokens:manage', async () => {
    await expectProblem(
      await api.server.call('GET', '/api-auth/service-tokens', undefined, { token: null }),
      401,
      'unauthorized',
    );
    const reader = await addServiceToken(api.store, 'list-tokens-reader', ['keys:read', 'apps:manage']);
    await expectProblem(
      await api.server.call('GET', '/api-auth/service-tokens', undefined, { token: reader }),
      403,
      'insufficient-scope',
    );
  });
});
