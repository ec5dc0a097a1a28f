import { randomUUID } from 'node:crypto';
import type { ApiKeyWithSecret, AuditEvent, AuditEventList } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem, OTHER_TOKEN, TOKEN } from '../../../test/support/testServer.js';
import { issueServiceToken } from '../../keys/serviceToken.js';

describe.each(storeKinds)('listAuditEvents on $kind', ({ open }) => {
  const api = lifecycleServer(open);
  // Each test works in its own app, so that other tests' events do not show up.
  let appCount = 0;
  async function freshApp(): Promise<string> {
    const slug = `audit-app-${++appCount}`;
    await api.store.addApp({ slug, keyPrefix: 'au' }, NOW);
    return slug;
  }
  const eventsPath = (appName: string) => `/api-auth/apps/${appName}/audit-events`;
  async function list(appName: string, query: Record<string, string | number> = {}, token = TOKEN) {
    const search = new URLSearchParams(Object.entries(query).map(([name, value]) => [name, String(value)]));
    const response = await api.server.call(
      'GET',
      `${eventsPath(appName)}${search.size ? `?${search}` : ''}`,
      undefined,
      {
        token,
      },
    );
    expect(response.status).toBe(200);
    return (await response.json()) as AuditEventList;
  }
  /** Sends a change and answers the request id the server gave it, after checking its status. */
  async function change(method: string, path: string, body: unknown, status: number, token = TOKEN) {
    const response = await api.server.call(method, path, body, { token });
    expect(response.status).toBe(status);
    return { requestId: response.headers.get('x-request-id')!, body: (await response.json()) as unknown };
  }
  const addToken = async (name: string, scopes: string[]) => {
    const { token, stored } = issueServiceToken(name, scopes, { now: NOW });
    await api.store.addServiceToken(stored, { actor: 'test', operation: 'test', requestId: null });
    return token;
  };

  it('writes one event per change, naming the actor, the operation, the request id and what changed, newest first', async () => {
    const app = await freshApp();
    const admin = await addToken(`admin-${app}`, ['keys:create', 'keys:update', 'keys:revoke']);
    const created = await change(
      'POST',
      api.keys(app),
      { name: 'audited', permissions: ['users:read'], metadata: { team: 'a' } },
      201,
      admin,
    );
    const { key, secret } = created.body as ApiKeyWithSecret;
    api.advance(1000);
    const updated = await change(
      'PATCH',
      api.keyPath(app, key.id),
      { permissions: ['users:write'], name: 'audited' },
      200,
    );
    api.advance(1000);
    const rotated = await change('POST', api.keyPath(app, key.id, 'rotate'), { grace_period_seconds: 60 }, 201, admin);
    const successor = (rotated.body as ApiKeyWithSecret).key;
    api.advance(1000);
    const revoked = await change('POST', api.keyPath(app, key.id, 'revoke'), { reason: 'done' }, 200, admin);

    const { data, next_cursor } = await list(app);
    expect(next_cursor).toBeNull();
    expect(data.map((event) => [event.action, event.operation, event.actor, event.request_id])).toEqual([
      ['revoked', 'revokeApiKey', `admin-${app}`, revoked.requestId],
      ['rotated', 'rotateApiKey', `admin-${app}`, rotated.requestId],
      // The successor's trail starts with its own `created` event, in the rotation's request.
      ['created', 'rotateApiKey', `admin-${app}`, rotated.requestId],
      ['updated', 'updateApiKey', 'env-token-1', updated.requestId],
      ['created', 'createApiKey', `admin-${app}`, created.requestId],
    ]);
    expect(data.map((event) => event.key_id)).toEqual([key.id, key.id, successor.id, key.id, key.id]);
    expect(data.every((event) => event.app_slug === app)).toBe(true);
    const [revocation, rotation, successorCreation, update, creation] = data as [
      AuditEvent,
      AuditEvent,
      AuditEvent,
      AuditEvent,
      AuditEvent,
    ];
    expect(creation.occurred_at).toBe(key.created_at);
    // What it was created with: no field listed as changed from null to null.
    expect(creation.changes).toEqual([
      { field: 'name', old: null, new: 'audited' },
      { field: 'permissions', old: null, new: ['users:read'] },
      { field: 'metadata', old: null, new: { team: 'a' } },
    ]);
    expect(successorCreation.occurred_at).toBe(successor.created_at);
    expect(successorCreation.changes).toEqual([
      { field: 'name', old: null, new: 'audited' },
      { field: 'permissions', old: null, new: ['users:write'] },
      { field: 'metadata', old: null, new: { team: 'a' } },
    ]);
    // Only what changed: the name sent again is the name it had.
    expect(update.changes).toEqual([{ field: 'permissions', old: ['users:read'], new: ['users:write'] }]);
    const graceEnd = new Date(NOW.getTime() + 2000 + 60_000).toISOString();
    expect(rotation.changes).toEqual([
      { field: 'revoked_at', old: null, new: graceEnd },
      { field: 'revocation_reason', old: null, new: 'rotated' },
      { field: 'rotated_to', old: null, new: successor.id },
    ]);
    expect(revocation.changes).toEqual([
      { field: 'revoked_at', old: graceEnd, new: new Date(NOW.getTime() + 3000).toISOString() },
      { field: 'revocation_reason', old: 'rotated', new: 'done' },
    ]);
    // Never a secret, nor anything derived from one.
    expect(JSON.stringify(data)).not.toContain(secret);
    expect(JSON.stringify(data)).not.toContain((rotated.body as ApiKeyWithSecret).secret);
  });

  it('keeps the request id the caller sent as X-Request-Id', async () => {
    const app = await freshApp();
    const requestId = randomUUID();
    const response = await api.server.call(
      'POST',
      api.keys(app),
      { name: 'traced' },
      { headers: { 'x-request-id': requestId } },
    );
    expect(response.status).toBe(201);
    expect((await list(app)).data.map((event) => event.request_id)).toEqual([requestId]);
  });

  it('writes no event for a refused or failed change, nor for one that changes nothing', async () => {
    const app = await freshApp();
    const { key } = await api.createKey({ name: 'kept', permissions: ['users:read'] }, app);
    const verifier = await addToken(`verifier-${app}`, ['keys:verify']);
    const before = await list(app);
    expect(before.data).toHaveLength(1);

    await change('POST', api.keys(app), { name: 'late', expires_at: '2020-01-01T00:00:00Z' }, 400);
    await change('POST', api.keys(app), { name: 'not allowed' }, 403, verifier);
    await change('PATCH', api.keyPath(app, key.id), { name: 'not allowed' }, 403, verifier);
    await change('PATCH', api.keyPath(app, randomUUID()), { name: 'nobody' }, 404);
    await change('PATCH', api.keyPath(app, key.id), { permissions: ['users:read'] }, 200);
    api.advance(1000);
    await change('POST', api.keyPath(app, key.id, 'revoke'), {}, 200);
    const afterRevoke = await list(app);
    expect(afterRevoke.data.map((event) => event.action)).toEqual(['revoked', 'created']);
    await change('POST', api.keyPath(app, key.id, 'revoke'), { reason: 'again' }, 200);
    await change('PATCH', api.keyPath(app, key.id), { name: 'too late' }, 409);
    await change('POST', api.keyPath(app, key.id, 'rotate'), {}, 409);
    expect(await list(app)).toEqual(afterRevoke);
  });

  it('writes one event for a create retried with its Idempotency-Key', async () => {
    const app = await freshApp();
    const idempotencyKey = randomUUID();
    for (const replayed of ['false', 'true']) {
      const response = await api.server.call(
        'POST',
        api.keys(app),
        { name: 'once' },
        {
          headers: { 'idempotency-key': idempotencyKey },
        },
      );
      expect(response.status).toBe(201);
      expect(response.headers.get('idempotent-replayed')).toBe(replayed);
    }
    expect((await list(app)).data).toHaveLength(1);
  });

  it('pages newest first with cursors bound to the app and the key filter, and filters by key', async () => {
    const app = await freshApp();
    const first = await api.createKey({ name: 'first' }, app);
    api.advance(1000);
    const second = await api.createKey({ name: 'second' }, app);
    for (let i = 0; i < 3; i++) {
      api.advance(1000);
      await change('PATCH', api.keyPath(app, first.key.id), { name: `first ${i}` }, 200);
    }
    const all = await list(app, { limit: 100 });
    expect(all.data).toHaveLength(5);
    const times = all.data.map((event) => event.occurred_at);
    expect(times).toEqual([...times].sort().reverse());

    const seen: AuditEvent[] = [];
    let cursor: string | null = null;
    do {
      const page: AuditEventList = await list(app, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.data);

    const ofFirst = await list(app, { key_id: first.key.id, limit: 3 });
    expect(ofFirst.data.map((event) => event.action)).toEqual(['updated', 'updated', 'updated']);
    const rest = await list(app, { key_id: first.key.id, cursor: ofFirst.next_cursor! });
    expect(rest).toEqual({
      data: [expect.objectContaining({ action: 'created', key_id: first.key.id })],
      next_cursor: null,
    });
    expect((await list(app, { key_id: second.key.id })).data.map((event) => event.key_id)).toEqual([second.key.id]);
    expect((await list(app, { key_id: randomUUID() })).data).toEqual([]);

    // A cursor is bound to its listing: another key filter, another app, or an altered cursor is
    // refused. The MAC's first character is altered: all its bits count, unlike the last one's.
    const [position, signature] = ofFirst.next_cursor!.split('.') as [string, string];
    const altered = `${position}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    for (const query of [
      `key_id=${second.key.id}&cursor=${ofFirst.next_cursor}`,
      `cursor=${ofFirst.next_cursor}`,
      `key_id=${first.key.id}&cursor=${altered}`,
    ]) {
      const problem = await expectProblem(
        await api.server.call('GET', `${eventsPath(app)}?${query}`),
        400,
        'invalid-request',
      );
      expect(problem.errors).toEqual([{ pointer: '/query/cursor', message: 'is not a cursor of this listing' }]);
    }
    // Another app's events are its own.
    expect((await list('billing-api', { key_id: first.key.id })).data).toEqual([]);
  });

  it('needs audit:read, which keys:read does not give; answers 404 for an unknown app and 400 for a bad key_id', async () => {
    const app = await freshApp();
    await api.createKey({ name: 'watched' }, app);
    const reader = await addToken(`reader-${app}`, ['keys:read']);
    const auditor = await addToken(`auditor-${app}`, ['audit:read']);
    const refused = await api.server.call('GET', eventsPath(app), undefined, { token: reader });
    expect((await expectProblem(refused, 403, 'insufficient-scope')).detail).toContain('requires: audit:read.');
    expect((await list(app, {}, auditor)).data).toHaveLength(1);
    expect((await list(app, {}, OTHER_TOKEN)).data).toHaveLength(1);

    await expectProblem(await api.server.call('GET', eventsPath('no-such-app')), 404, 'app-not-found');
    const bad = await expectProblem(
      await api.server.call('GET', `${eventsPath(app)}?key_id=not-a-uuid`),
      400,
      'invalid-request',
    );
    expect(bad.errors?.[0]?.pointer).toBe('/query/key_id');
    await expectProblem(await api.server.call('GET', eventsPath(app), undefined, { token: null }), 401, 'unauthorized');
  });
});
