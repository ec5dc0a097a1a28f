import type { App } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { addServiceToken } from '../../../test/support/serviceTokens.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

describe.each(storeKinds)('updateApp on $kind', ({ open }) => {
  const api = lifecycleServer(open);
  let count = 0;
  async function freshApp(): Promise<string> {
    const slug = `update-app-${++count}`;
    await api.store.addApp({ slug, keyPrefix: 'up', displayName: 'Before' }, NOW);
    return slug;
  }
  const update = (slug: string, body: unknown, init: Parameters<typeof api.server.call>[3] = {}) =>
    api.server.call('PATCH', `/api-auth/apps/${slug}`, body, init);

  /** Sends an update that must be refused, and checks that the app and the trail did not change. */
  async function refused(slug: string, body: unknown, status: number, type: string, init = {}) {
    const before = await api.store.findApp(slug);
    const events = await api.store.workspaceAuditEvents({ limit: 100 });
    const problem = await expectProblem(await update(slug, body, init), status, type);
    expect(await api.store.findApp(slug)).toEqual(before);
    expect(await api.store.workspaceAuditEvents({ limit: 100 })).toEqual(events);
    return problem;
  }

  it('changes the fields sent, stores what it answers, and writes an app_updated event of what changed', async () => {
    const slug = await freshApp();
    const response = await update(slug, { display_name: null, key_prefix: 'new' });
    expect(response.status).toBe(200);
    const app = (await response.json()) as App;
    expect(app).toEqual({ slug, key_prefix: 'new', display_name: null, created_at: NOW.toISOString() });
    expect(await api.store.findApp(slug)).toEqual({
      slug,
      keyPrefix: 'new',
      displayName: null,
      createdAt: app.created_at,
    });
    const [event] = await api.store.workspaceAuditEvents({ limit: 1 });
    expect(event).toMatchObject({
      action: 'app_updated',
      operation: 'updateApp',
      requestId: response.headers.get('x-request-id'),
      appSlug: slug,
      changes: [
        { field: 'key_prefix', old: 'up', new: 'new' },
        { field: 'display_name', old: 'Before', new: null },
      ],
    });
    // The new prefix is what the next key gets, at once.
    expect((await api.createKey({ name: 'first' }, slug)).secret).toMatch(/^new_/);
  });

  it('keeps the prefix once the app has a key (409), but lets the display name and the same prefix through', async () => {
    const slug = await freshApp();
    const { key } = await api.createKey({ name: 'k' }, slug);
    await api.server.call('POST', api.keyPath(slug, key.id, 'revoke'), {});
    const problem = await refused(slug, { key_prefix: 'other', display_name: 'After' }, 409, 'app-has-keys');
    expect(problem.detail).toBe(`App '${slug}' has keys issued under the prefix 'up', which therefore cannot change.`);
    const same = await update(slug, { key_prefix: 'up', display_name: 'After' });
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ key_prefix: 'up', display_name: 'After' });
  });

  it('refuses an empty body, the prefix apt and unknown fields with 400, and answers 404 for an unknown app', async () => {
    const slug = await freshApp();
    await refused(slug, {}, 400, 'invalid-request');
    const apt = await refused(slug, { key_prefix: 'apt' }, 400, 'invalid-request');
    expect(apt.errors).toEqual([{ pointer: '/body/key_prefix', message: 'apt is kept for service tokens' }]);
    await refused(slug, { slug: 'renamed' }, 400, 'invalid-request');
    await refused(slug, { display_name: '' }, 400, 'invalid-request');
    await expectProblem(await update('no-such-app', { display_name: 'x' }), 404, 'app-not-found');
  });

  it('answers 401 without a token and 403 without apps:manage', async () => {
    const slug = await freshApp();
    await refused(slug, { display_name: 'x' }, 401, 'unauthorized', { token: null });
    const writer = await addServiceToken(api.store, 'update-app-writer', ['keys:update']);
    await refused(slug, { display_name: 'x' }, 403, 'insufficient-scope', { token: writer });
  });
});
