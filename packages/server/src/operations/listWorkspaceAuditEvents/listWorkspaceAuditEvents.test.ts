import type { AuditEventList, ServiceTokenWithSecret, WorkspaceAuditEventList } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { addServiceToken } from '../../../test/support/serviceTokens.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem, TOKEN } from '../../../test/support/testServer.js';

describe.each(storeKinds)('listWorkspaceAuditEvents on $kind', ({ open }) => {
  const api = lifecycleServer(open);
  const path = '/api-auth/audit-events';
  async function list(query = '', token = TOKEN) {
    const response = await api.server.call('GET', `${path}${query}`, undefined, { token });
    expect(response.status).toBe(200);
    return (await response.json()) as WorkspaceAuditEventList;
  }
  /** Sends a change, checks its status, and answers the request id the server gave it. */
  async function change(method: string, url: string, body: unknown, status: number, token = TOKEN) {
    const response = await api.server.call(method, url, body, { token });
    expect(response.status).toBe(status);
    return { requestId: response.headers.get('x-request-id')!, body: (await response.json()) as unknown };
  }

  it('lists the app and token changes, newest first, naming actor, operation, request id and changes', async () => {
    const before = (await list('?limit=100')).data.length;
    const second = NOW.getTime() + 1000;
    const created = await change('POST', '/api-auth/apps', { slug: 'trail-api', key_prefix: 'tr' }, 201);
    api.advance(1000);
    const updated = await change('PATCH', '/api-auth/apps/trail-api', { display_name: 'Trail' }, 200);
    api.advance(1000);
    const added = await change('POST', '/api-auth/service-tokens', { name: 'trail-token', scopes: ['keys:read'] }, 201);
    const { secret } = added.body as ServiceTokenWithSecret;
    api.advance(1000);
    const revoked = await change('POST', '/api-auth/service-tokens/trail-token/revoke', undefined, 200);
    api.advance(1000);
    const deleted = await change('DELETE', '/api-auth/apps/trail-api', undefined, 200);
    // Changes that change nothing, and refused ones, write none.
    await change('POST', '/api-auth/service-tokens/trail-token/revoke', undefined, 200);
    await change('POST', '/api-auth/apps', { slug: 'internal-api', key_prefix: 'x' }, 409);

    const { data, next_cursor } = await list('?limit=100');
    expect(next_cursor).toBeNull();
    expect(data.length - before).toBe(5);
    expect(data.slice(0, 5)).toEqual([
      {
        id: expect.any(String),
        occurred_at: new Date(second + 3000).toISOString(),
        action: 'app_deleted',
        actor: 'env-token-1',
        operation: 'deleteApp',
        request_id: deleted.requestId,
        app_slug: 'trail-api',
        token_name: null,
        changes: [
          { field: 'slug', old: 'trail-api', new: null },
          { field: 'key_prefix', old: 'tr', new: null },
          { field: 'display_name', old: 'Trail', new: null },
          { field: 'keys_deleted', old: null, new: 0 },
        ],
      },
      {
        id: expect.any(String),
        occurred_at: new Date(second + 2000).toISOString(),
        action: 'token_revoked',
        actor: 'env-token-1',
        operation: 'revokeServiceToken',
        request_id: revoked.requestId,
        app_slug: null,
        token_name: 'trail-token',
        changes: [{ field: 'revoked_at', old: null, new: new Date(second + 2000).toISOString() }],
      },
      {
        id: expect.any(String),
        occurred_at: new Date(second + 1000).toISOString(),
        action: 'token_added',
        actor: 'env-token-1',
        operation: 'createServiceToken',
        request_id: added.requestId,
        app_slug: null,
        token_name: 'trail-token',
        changes: [{ field: 'scopes', old: null, new: ['keys:read'] }],
      },
      {
        id: expect.any(String),
        occurred_at: new Date(second).toISOString(),
        action: 'app_updated',
        actor: 'env-token-1',
        operation: 'updateApp',
        request_id: updated.requestId,
        app_slug: 'trail-api',
        token_name: null,
        changes: [{ field: 'display_name', old: null, new: 'Trail' }],
      },
      {
        id: expect.any(String),
        occurred_at: NOW.toISOString(),
        action: 'app_created',
        actor: 'env-token-1',
        operation: 'createApp',
        request_id: created.requestId,
        app_slug: 'trail-api',
        token_name: null,
        changes: [
          { field: 'slug', old: null, new: 'trail-api' },
          { field: 'key_prefix', old: null, new: 'tr' },
        ],
      },
    ]);
    // What is answered is what is stored, and never the token.
    const stored = await api.store.workspaceAuditEvents({ limit: 5 });
    expect(stored.map((each) => [each.id, each.action, each.requestId])).toEqual(
      data.slice(0, 5).map((each) => [each.id, each.action, each.request_id]),
    );
    expect(JSON.stringify(data)).not.toContain(secret);
  });

  it('pages with cursors bound to this listing, and keeps key events out', async () => {
    for (let i = 0; i < 3; i++) {
      await addServiceToken(api.store, `paged-token-${i}`, ['keys:read']);
    }
    const { key } = await api.createKey({ name: 'not in this trail' });
    const all = (await list('?limit=100')).data;
    expect(all.some((each) => (each as { key_id?: unknown }).key_id !== undefined)).toBe(false);
    expect(all.some((each) => each.token_name === null && each.app_slug === 'internal-api')).toBe(false);
    const seen = [];
    let cursor: string | null = null;
    do {
      const page: WorkspaceAuditEventList = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all);

    const { next_cursor } = await list('?limit=1');
    const [position] = next_cursor!.split('.') as [string, string];
    await api.server.call('POST', api.keyPath('internal-api', key.id, 'revoke'), {});
    const appTrail = (await (
      await api.server.call('GET', '/api-auth/apps/internal-api/audit-events?limit=1')
    ).json()) as AuditEventList;
    for (const bad of [`${position}.AAAAAAAAAAAAAAAAAAAAAA`, appTrail.next_cursor!]) {
      const problem = await expectProblem(
        await api.server.call('GET', `${path}?cursor=${bad}`),
        400,
        'invalid-request',
      );
      expect(problem.errors).toEqual([{ pointer: '/query/cursor', message: 'is not a cursor of this listing' }]);
    }
    await expectProblem(await api.server.call('GET', `${path}?limit=0`), 400, 'invalid-request');
  });

  it('needs audit:read, which apps:manage and tokens:manage do not give; 401 without a token', async () => {
    await expectProblem(await api.server.call('GET', path, undefined, { token: null }), 401, 'unauthorized');
    const manager = await addServiceToken(api.store, 'trail-manager', ['apps:manage', 'tokens:manage']);
    const refused = await expectProblem(
      await api.server.call('GET', path, undefined, { token: manager }),
      403,
      'insufficient-scope',
    );
    expect(refused.detail).toContain('requires: audit:read.');
    const auditor = await addServiceToken(api.store, 'trail-auditor', ['audit:read']);
    expect((await list('', auditor)).data.length).toBeGreaterThan(0);
  });
});
