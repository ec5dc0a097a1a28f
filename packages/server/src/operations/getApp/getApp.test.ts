import type { App } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { addServiceToken } from '../../../test/support/serviceTokens.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

describe.each(storeKinds)('getApp on $kind', ({ open }) => {
  const api = lifecycleServer(open);

  it('answers the app as stored', async () => {
    await api.store.addApp({ slug: 'named-api', keyPrefix: 'nm', displayName: 'Named' }, NOW);
    const response = await api.server.call('GET', '/api-auth/apps/named-api');
    expect(response.status).toBe(200);
    expect((await response.json()) as App).toEqual({
      slug: 'named-api',
      key_prefix: 'nm',
      display_name: 'Named',
      created_at: NOW.toISOString(),
    });
  });

  it('answers 404 for an unknown app, 400 for a bad slug, 401 without a token and 403 without apps:manage', async () => {
    const missing = await expectProblem(
      await api.server.call('GET', '/api-auth/apps/no-such-app'),
      404,
      'app-not-found',
    );
    expect(missing.detail).toBe("No API auth app is named 'no-such-app'.");
    await expectProblem(await api.server.call('GET', '/api-auth/apps/Bad_Slug'), 400, 'invalid-request');
    await expectProblem(
      await api.server.call('GET', '/api-auth/apps/internal-api', undefined, { token: null }),
      401,
      'unauthorized',
    );
    const reader = await addServiceToken(api.store, 'get-app-reader', ['keys:read']);
    await expectProblem(
      await api.server.call('GET', '/api-auth/apps/internal-api', undefined, { token: reader }),
      403,
      'insufficient-scope',
    );
  });
});
