import type { App, AuditEventList } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { addServiceToken } from '../../../test/support/serviceTokens.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

describe.each(storeKinds)('deleteApp on $kind', ({ open }) => {
  const api = lifecycleServer(open);
  let count = 0;
  async function freshApp(): Promise<string> {
    const slug = `delete-app-${++count}`;
    await api.store.addApp({ slug, keyPrefix: 'del' }, NOW);
    return slug;
  }
  const remove = (slug: string, init: Parameters<typeof api.server.call>[3] = {}) =>
    api.server.call('DELETE', `/api-auth/apps/${slug}`, undefined, init);

  /** Sends a delete that must be refused, and checks that the app, its keys and the trail did not change. */
  async function refused(slug: string, status: number, type: string, init = {}) {
    const before = await api.store.findApp(slug);
    const keys = await api.store.countKeys();
    const events = await api.store.workspaceAuditEvents({ limit: 100 });
    const problem = await expectProblem(await remove(slug, init), status, type);
    expect(await api.store.findApp(slug)).toEqual(before);
    expect(await api.store.countKeys()).toBe(keys);
    expect(await api.store.workspaceAuditEvents({ limit: 100 })).toEqual(events);
    return problem;
  }

  it('deletes an app whose keys are revoked or expired, with them, keeping their audit events', async () => {
    const slug = await freshApp();
    const revoked = await api.createKey({ name: 'revoked' }, slug);
    await api.server.call('POST', api.keyPath(slug, revoked.key.id, 'revoke'), {});
    await api.createKey({ name: 'expiring', expires_at: new Date(NOW.getTime() + 60_000).toISOString() }, slug);
    api.advance(120_000);

    const response = await remove(slug);
    expect(response.status).toBe(200);
    expect((await response.json()) as App).toEqual({
      slug,
      key_prefix: 'del',
      display_name: null,
      created_at: NOW.toISOString(),
    });
    expect(await api.store.findApp(slug)).toBeUndefined();
    expect(await api.store.findKey(slug, revoked.key.id)).toBeUndefined();
    const [event] = await api.store.workspaceAuditEvents({ limit: 1 });
    expect(event).toMatchObject({
      action: 'app_deleted',
      operation: 'deleteApp',
      requestId: response.headers.get('x-request-id'),
      appSlug: slug,
      changes: [
        { field: 'slug', old: slug, new: null },
        { field: 'key_prefix', old: 'del', new: null },
        { field: 'keys_deleted', old: null, new: 2 },
      ],
    });
    // Every operation on it is 404 now, and its secrets are found nowhere.
    await expectProblem(await api.server.call('GET', `/api-auth/apps/${slug}`), 404, 'app-not-found');
    await expectProblem(await api.server.call('GET', api.keys(slug)), 404, 'app-not-found');
    await expectProblem(await api.server.post(slug, { name: 'after' }), 404, 'app-not-found');
    await expectProblem(await remove(slug), 404, 'app-not-found');
    // The keys' events stay: a new app under the slug shows them.
    await api.store.addApp({ slug, keyPrefix: 'del' }, NOW);
    const trail = (await (
      await api.server.call('GET', `/api-auth/apps/${slug}/audit-events`)
    ).json()) as AuditEventList;
    // (All at the same instant: in any order.)
    expect(trail.data.map((each) => each.action).sort()).toEqual(['created', 'created', 'revoked']);
  });

  it('refuses with 409 while a key is live, one in its rotation grace period included, and deletes nothing', async () => {
    const slug = await freshApp();
    const { key } = await api.createKey({ name: 'live' }, slug);
    const live = await refused(slug, 409, 'app-has-keys');
    expect(live.detail).toBe(
      `App '${slug}' has 1 key that is neither revoked nor expired; revoke them before deleting it.`,
    );
    await api.server.call('POST', api.keyPath(slug, key.id, 'rotate'), { grace_period_seconds: 3600 });
    expect((await refused(slug, 409, 'app-has-keys')).detail).toContain('has 2 keys that are');
  });

  it('answers 404 for an unknown app, 401 without a token and 403 without apps:manage', async () => {
    await expectProblem(await remove('no-such-app'), 404, 'app-not-found');
    const slug = await freshApp();
    await refused(slug, 401, 'unauthorized', { token: null });
    const revoker = await addServiceToken(api.store, 'delete-app-revoker', ['keys:revoke']);
    await refused(slug, 403, 'insufficient-scope', { token: revoker });
  });
});
