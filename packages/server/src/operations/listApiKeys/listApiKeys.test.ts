import type { ApiKey, ApiKeyList } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

describe.each(storeKinds)('listApiKeys on $kind', ({ open }) => {
  const api = lifecycleServer(open);
  // Each test lists its own app, so that keys from other tests do not show up.
  let appCount = 0;
  async function freshApp(): Promise<string> {
    const slug = `list-app-${++appCount}`;
    await api.store.addApp({ slug, keyPrefix: 'lk' }, new Date());
    return slug;
  }
  async function list(appName: string, query: Record<string, string | number> = {}): Promise<ApiKeyList> {
    const search = new URLSearchParams(Object.entries(query).map(([name, value]) => [name, String(value)]));
    const response = await api.server.call('GET', `${api.keys(appName)}${search.size ? `?${search}` : ''}`);
    expect(response.status).toBe(200);
    return (await response.json()) as ApiKeyList;
  }
  async function createKeys(appName: string, count: number, body: Record<string, unknown> = {}): Promise<ApiKey[]> {
    const keys: ApiKey[] = [];
    for (let i = 0; i < count; i++) {
      keys.push((await api.createKey({ name: `key ${i}`, ...body }, appName)).key);
      api.advance(1000);
    }
    return keys;
  }
  async function listAll(appName: string, query: Record<string, string | number> = {}): Promise<ApiKey[]> {
    const seen: ApiKey[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await list(appName, { ...query, ...(cursor ? { cursor } : {}) });
      seen.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    return seen;
  }

  it('lists the active keys newest first, 20 to a page by default, with next_cursor null on the last page', async () => {
    const appName = await freshApp();
    const keys = await createKeys(appName, 22);
    const first = await list(appName);
    expect(first.data).toEqual(keys.slice(2).reverse());
    expect(first.next_cursor).toEqual(expect.any(String));
    const last = await list(appName, { cursor: first.next_cursor! });
    expect(last).toEqual({ data: [keys[1], keys[0]], next_cursor: null });
  });

  it('pages through every key exactly once, keys created in the same millisecond included', async () => {
    const appName = await freshApp();
    const keys: ApiKey[] = [];
    // Five keys share one created_at: the id breaks the tie.
    for (let i = 0; i < 5; i++) {
      keys.push((await api.createKey({ name: `same ms ${i}` }, appName)).key);
    }
    api.advance(1000);
    keys.push(...(await createKeys(appName, 3)));
    const seen = await listAll(appName, { limit: 2 });
    expect(seen.map((key) => key.id).sort()).toEqual(keys.map((key) => key.id).sort());
    expect(new Set(seen.map((key) => key.id)).size).toBe(keys.length);
  });

  it('stays stable while keys are created between pages', async () => {
    const appName = await freshApp();
    const keys = await createKeys(appName, 6);
    const first = await list(appName, { limit: 3 });
    await createKeys(appName, 4);
    const second = await list(appName, { limit: 3, cursor: first.next_cursor! });
    expect([...first.data, ...second.data]).toEqual([...keys].reverse());
    expect(second.next_cursor).toBeNull();
  });

  it('filters by status, environment and owner', async () => {
    const appName = await freshApp();
    const [active, revoked, expired] = await createKeys(appName, 3, { expires_at: '2026-12-31T00:00:00Z' });
    const tagged = (await api.createKey({ name: 'tagged', environment: 'staging', owner: 'team-b' }, appName)).key;
    await api.server.call('PATCH', api.keyPath(appName, expired!.id), { expires_at: '2026-06-01T12:00:05Z' });
    await api.server.call('POST', api.keyPath(appName, revoked!.id, 'revoke'), { reason: 'gone' });
    api.advance(60_000);
    const ids = (page: ApiKeyList) => page.data.map((key) => key.id);
    expect(ids(await list(appName))).toEqual([tagged.id, active!.id]);
    expect(ids(await list(appName, { status: 'active' }))).toEqual([tagged.id, active!.id]);
    expect(await list(appName, { status: 'revoked' })).toMatchObject({
      data: [{ id: revoked!.id, status: 'revoked', revocation_reason: 'gone' }],
    });
    expect(await list(appName, { status: 'expired' })).toMatchObject({
      data: [{ id: expired!.id, status: 'expired' }],
    });
    expect(ids(await list(appName, { status: 'all' }))).toEqual([tagged.id, expired!.id, revoked!.id, active!.id]);
    expect(ids(await list(appName, { environment: 'staging' }))).toEqual([tagged.id]);
    expect(ids(await list(appName, { owner: 'team-b', status: 'all' }))).toEqual([tagged.id]);
    expect(ids(await list(appName, { owner: 'nobody' }))).toEqual([]);
  });

  it('refuses an altered cursor, and a cursor from another app or other filters', async () => {
    const appName = await freshApp();
    const otherApp = await freshApp();
    await createKeys(appName, 3);
    await createKeys(otherApp, 3);
    const { next_cursor } = await list(appName, { limit: 1 });
    const cursor = next_cursor!;
    const [position, mac] = cursor.split('.') as [string, string];
    const forged = `${Buffer.from(JSON.stringify(['2030-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'])).toString('base64url')}.${mac}`;
    const flipped = `${position}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;
    const refusals: [string, Record<string, string | number>][] = [
      [appName, { cursor: forged }],
      [appName, { cursor: flipped }],
      [otherApp, { cursor }],
      [appName, { cursor, status: 'all' }],
      [appName, { cursor, environment: 'staging' }],
    ];
    for (const [app, query] of refusals) {
      const search = new URLSearchParams(Object.entries(query).map(([name, value]) => [name, String(value)]));
      const problem = await expectProblem(
        await api.server.call('GET', `${api.keys(app)}?${search}`),
        400,
        'invalid-request',
      );
      expect(problem.errors).toEqual([{ pointer: '/query/cursor', message: 'is not a cursor of this listing' }]);
    }
    expect((await list(appName, { limit: 1, cursor })).data).toHaveLength(1);
  });

  it('refuses a limit outside 1-100, an unknown status or parameter, and answers 404 for an unknown app', async () => {
    const appName = await freshApp();
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=ten',
      'status=deleted',
      'cursor=not-a-cursor',
      'organization_id=x',
    ]) {
      const problem = await expectProblem(
        await api.server.call('GET', `${api.keys(appName)}?${query}`),
        400,
        'invalid-request',
      );
      expect(problem.errors?.[0]?.pointer).toBe(`/query/${query.split('=')[0]}`);
    }
    await expectProblem(await api.server.call('GET', api.keys('no-such-app')), 404, 'app-not-found');
    expect(await list(appName, { limit: 100 })).toEqual({ data: [], next_cursor: null });
  });
});
