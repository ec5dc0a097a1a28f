import type { CurrentToken } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { addServiceToken } from '../../../test/support/serviceTokens.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem, OTHER_TOKEN } from '../../../test/support/testServer.js';
import { readContract } from '../../contract/contract.js';

describe.each(storeKinds)('getCurrentToken on $kind', ({ open }) => {
  const api = lifecycleServer(open);
  const whoAmI = async (token?: string) => {
    const response = await api.server.call('GET', '/api-auth/token', undefined, token === undefined ? {} : { token });
    expect(response.status).toBe(200);
    return (await response.json()) as CurrentToken;
  };

  it('names a token of APIKEYS_TOKENS as the audit trail does, with every scope', async () => {
    const { scopes } = readContract();
    expect(await whoAmI()).toEqual({ name: 'env-token-1', scopes });
    expect(await whoAmI(OTHER_TOKEN)).toEqual({ name: 'env-token-2', scopes });
  });

  it('answers a service token its own name and scopes, whatever they are: it needs none', async () => {
    const gateway = await addServiceToken(api.store, 'whoami-gateway', ['keys:verify']);
    expect(await whoAmI(gateway)).toEqual({ name: 'whoami-gateway', scopes: ['keys:verify'] });
    const reader = await addServiceToken(api.store, 'whoami-reader', ['audit:read', 'keys:read']);
    expect(await whoAmI(reader)).toEqual({ name: 'whoami-reader', scopes: ['audit:read', 'keys:read'] });
  });

  it('answers 401 without a token, an unknown one, or a revoked one', async () => {
    await expectProblem(
      await api.server.call('GET', '/api-auth/token', undefined, { token: null }),
      401,
      'unauthorized',
    );
    await expectProblem(
      await api.server.call('GET', '/api-auth/token', undefined, { token: 'apt_not-a-token-at-all-0123456789' }),
      401,
      'unauthorized',
    );
    const token = await addServiceToken(api.store, 'whoami-revoked', ['keys:read']);
    await api.store.revokeToken('whoami-revoked', new Date(), { actor: 't', operation: 't', requestId: null });
    await expectProblem(await api.server.call('GET', '/api-auth/token', undefined, { token }), 401, 'unauthorized');
  });
});
