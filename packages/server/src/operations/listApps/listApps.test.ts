import type { AppList } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { addServiceToken } from '../../../test/support/serviceTokens.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

describe.each(storeKinds)('listApps on $kind', ({ open }) => {
  const api = lifecycleServer(open);
  const list = async (query = '') => {
    const response = await api.server.call('GET', `/api-auth/apps${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as AppList;
  };

  it('lists every app by slug, as stored, one page at a time', async () => {
    await api.store.addApp({ slug: 'zoo-api', keyPrefix: 'zoo', displayName: 'Zoo' }, NOW);
    const all = await list();
    expect(all).toEqual({
      data: [
        { slug: 'billing-api', key_prefix: 'bill', display_name: null, created_at: NOW.toISOString() },
        { slug: 'internal-api', key_prefix: 'sk', display_name: null, created_at: NOW.toISOString() },
        { slug: 'zoo-api', key_prefix: 'zoo', display_name: 'Zoo', created_at: NOW.toISOString() },
      ],
      next_cursor: null,
    });
    const first = await list('?limit=2');
    expect(first.data.map((app) => app.slug)).toEqual(['billing-api', 'internal-api']);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await list(`?limit=2&cursor=${first.next_cursor}`);
    expect(second).toEqual({ data: [all.data[2]], next_cursor: null });
  });

  it('refuses an altered cursor or one of another listing with 400', async () => {
    const { next_cursor } = await list('?limit=1');
    const [position, signature] = next_cursor!.split('.') as [string, string];
    const altered = `${Buffer.from('["zzz"]').toString('base64url')}.${signature}`;
    for (const cursor of [altered, `${position}.AAAAAAAAAAAAAAAAAAAAAA`]) {
      const problem = await expectProblem(
        await api.server.call('GET', `/api-auth/apps?cursor=${cursor}`),
        400,
        'invalid-request',
      );
      expect(problem.errors).toEqual([{ pointer: '/query/cursor', message: 'is not a cursor of this listing' }]);
    }
    // A cursor of an app's audit trail is not one of this listing.
    await api.createKey({ name: 'one' });
    await api.createKey({ name: 'two' });
    const events = (await (
      await api.server.call('GET', '/api-auth/apps/internal-api/audit-events?limit=1')
    ).json()) as { next_cursor: string };
    await expectProblem(
      await api.server.call('GET', `/api-auth/apps?cursor=${events.next_cursor}`),
      400,
      'invalid-request',
    );
  });

  it('answers 401 without a token and 403 without apps:manage', async () => {
    await expectProblem(
      await api.server.call('GET', '/api-auth/apps', undefined, { token: null }),
      401,
      'unauthorized',
    );
    const reader = await addServiceToken(api.store, 'list-apps-reader', ['keys:read', 'audit:read']);
    await expectProblem(
      await api.server.call('GET', '/api-auth/apps', undefined, { token: reader }),
      403,
      'insufficient-scope',
    );
  });
});
