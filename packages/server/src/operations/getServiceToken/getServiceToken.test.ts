import type { Problem, ServiceToken } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { addServiceToken } from '../../../test/support/serviceTokens.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

describe.each(storeKinds)('getServiceToken on $kind', ({ open }) => {
  const api = lifecycleServer(open);
  const get = (name: string, init: Parameters<typeof api.server.call>[3] = {}) =>
    api.server.call('GET', `/api-auth/service-tokens/${name}`, undefined, init);

  it('answers the token as listServiceTokens lists it, before and after it is revoked, never its secret', async () => {
    const secret = await addServiceToken(api.store, 'shown', ['keys:read', 'keys:verify']);
    const response = await get('shown');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(secret);
    const token = JSON.parse(text) as ServiceToken;
    expect(token).toEqual({
      name: 'shown',
      scopes: ['keys:read', 'keys:verify'],
      status: 'active',
      created_at: NOW.toISOString(),
      revoked_at: null,
    });
    const listed = (await (await api.server.call('GET', '/api-auth/service-tokens')).json()) as {
      data: ServiceToken[];
    };
    expect(listed.data.find((each) => each.name === 'shown')).toEqual(token);

    api.advance(1000);
    expect((await api.server.call('POST', '/api-auth/service-tokens/shown/revoke')).status).toBe(200);
    expect(await (await get('shown')).json()).toEqual({
      ...token,
      status: 'revoked',
      revoked_at: new Date(NOW.getTime() + 1000).toISOString(),
    });
  });

  it('answers 404 for an unknown name (env tokens included), 400 naming a bad name, 401 and 403', async () => {
    const missing = await expectProblem(await get('nobody'), 404, 'token-not-found');
    expect(missing.detail).toBe("No service token is named 'nobody'.");
    await expectProblem(await get('env-token-1'), 404, 'token-not-found');
    const bad = (await expectProblem(await get('Bad_Name'), 400, 'invalid-request')) as Problem;
    expect(bad.errors).toEqual([
      {
        pointer: '/path/tokenName',
        message: 'must be 1-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit',
      },
    ]);
    await addServiceToken(api.store, 'private', ['keys:read']);
    await expectProblem(await get('private', { token: null }), 401, 'unauthorized');
    const reader = await addServiceToken(api.store, 'token-reader', ['keys:read']);
    await expectProblem(await get('private', { token: reader }), 403, 'insufficient-scope');
  });
});
