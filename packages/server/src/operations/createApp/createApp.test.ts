import type { App } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { addServiceToken } from '../../../test/support/serviceTokens.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

describe.each(storeKinds)('createApp on $kind', ({ open }) => {
  const api = lifecycleServer(open);
  const create = (body: unknown, init: Parameters<typeof api.server.call>[3] = {}) =>
    api.server.call('POST', '/api-auth/apps', body, init);

  /** Sends a create that must be refused, and checks that no app and no event was added. */
  async function refused(body: unknown, status: number, type: string, init = {}) {
    const apps = await api.store.findApps();
    const events = await api.store.workspaceAuditEvents({ limit: 100 });
    const problem = await expectProblem(await create(body, init), status, type);
    expect(await api.store.findApps()).toEqual(apps);
    expect(await api.store.workspaceAuditEvents({ limit: 100 })).toEqual(events);
    return problem;
  }

  it('registers the app, stores what it answers, and writes its app_created event with the request id', async () => {
    const response = await create({ slug: 'shop-api', key_prefix: 'shop', display_name: 'Shop' });
    expect(response.status).toBe(201);
    const app = (await response.json()) as App;
    expect(app).toEqual({ slug: 'shop-api', key_prefix: 'shop', display_name: 'Shop', created_at: NOW.toISOString() });
    expect(await api.store.findApp('shop-api')).toEqual({
      slug: 'shop-api',
      keyPrefix: 'shop',
      displayName: 'Shop',
      createdAt: app.created_at,
    });
    const [event] = await api.store.workspaceAuditEvents({ limit: 1 });
    expect(event).toMatchObject({
      action: 'app_created',
      actor: 'env-token-1',
      operation: 'createApp',
      requestId: response.headers.get('x-request-id'),
      appSlug: 'shop-api',
    });
    // Its keys start with its prefix.
    expect((await api.createKey({ name: 'first' }, 'shop-api')).secret).toMatch(/^shop_/);

    const bare = await create({ slug: 'bare-api', key_prefix: 'bare' });
    expect(await bare.json()).toMatchObject({ slug: 'bare-api', display_name: null });
  });

  it('replays a create retried with its Idempotency-Key and registers one app', async () => {
    const headers = { 'idempotency-key': 'create-app-0123456789' };
    const first = await create({ slug: 'retried-api', key_prefix: 'rt' }, { headers });
    const again = await create({ slug: 'retried-api', key_prefix: 'rt' }, { headers });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
  });

  it('refuses a taken slug with 409, the prefix apt and bad fields with 400, and changes nothing', async () => {
    const taken = await refused({ slug: 'internal-api', key_prefix: 'other' }, 409, 'app-already-exists');
    expect(taken.detail).toBe("An API auth app named 'internal-api' already exists");
    const apt = await refused({ slug: 'token-api', key_prefix: 'apt' }, 400, 'invalid-request');
    expect(apt.errors).toEqual([{ pointer: '/body/key_prefix', message: 'apt is kept for service tokens' }]);
    const closed = await refused({ slug: 'x-api', key_prefix: 'x', owner: 'me' }, 400, 'invalid-request');
    expect(closed.errors?.map((error) => error.pointer)).toEqual(['/body/owner']);
    await refused({ slug: 'Bad_Slug', key_prefix: 'x' }, 400, 'invalid-request');
    await refused({ slug: 'blank-api', key_prefix: 'b', display_name: ' ' }, 400, 'invalid-request');
  });

  it('answers 401 without a token and 403 without apps:manage', async () => {
    await refused({ slug: 'anon-api', key_prefix: 'a' }, 401, 'unauthorized', { token: null });
    const reader = await addServiceToken(api.store, 'create-app-reader', ['keys:read']);
    const problem = await refused({ slug: 'anon-api', key_prefix: 'a' }, 403, 'insufficient-scope', { token: reader });
    expect(problem.detail).toContain('requires: apps:manage.');
  });
});
