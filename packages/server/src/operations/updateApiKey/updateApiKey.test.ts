import { randomUUID } from 'node:crypto';
import type { ApiKey } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';
import { hashSecret } from '../../keys/secret.js';

const full = {
  name: 'full key',
  permissions: ['users:read', 'users:write'],
  metadata: { team: 'a', tags: ['x'] },
  owner: 'team-a',
  environment: 'production',
  expires_at: '2026-12-31T23:59:59Z',
};

describe.each(storeKinds)('updateApiKey on $kind', ({ open }) => {
  const api = lifecycleServer(open);
  const update = (id: string, body: unknown, appName = 'internal-api') =>
    api.server.call('PATCH', api.keyPath(appName, id), body);

  /** Sends an update that must be refused, and checks the key did not change. */
  async function refused(id: string, body: unknown, status: number, type: string) {
    const before = await api.getKey(id);
    const problem = await expectProblem(await update(id, body), status, type);
    expect(await api.getKey(id)).toEqual(before);
    return problem;
  }

  it('changes only the fields sent, stores exactly what it answers, and keeps the secret', async () => {
    const { key, secret } = await api.createKey(full);
    const response = await update(key.id, { name: 'renamed' });
    expect(response.status).toBe(200);
    const updated = (await response.json()) as ApiKey;
    expect(updated).toEqual({ ...key, name: 'renamed' });
    const { status: _status, ...record } = updated;
    expect((await api.store.findKeyBySecretHash(hashSecret(secret)))?.key).toEqual(record);
    expect((await api.verify(secret)).code).toBe('VALID');
  });

  it('replaces permissions and metadata whole, and null clears owner, environment and expires_at', async () => {
    const { key, secret } = await api.createKey(full);
    const updated = (await (
      await update(key.id, {
        permissions: ['orders:read'],
        metadata: { only: true },
        owner: null,
        environment: null,
        expires_at: null,
      })
    ).json()) as ApiKey;
    expect(updated).toEqual({
      ...key,
      permissions: ['orders:read'],
      metadata: { only: true },
      owner: null,
      environment: null,
      expires_at: null,
    });
    expect((await api.verify(secret, ['users:read'])).code).toBe('INSUFFICIENT_PERMISSIONS');
    expect((await api.verify(secret, ['orders:read'])).code).toBe('VALID');
  });

  it('normalises a new expiry to UTC, and an expired key can be given a later one', async () => {
    const { key, secret } = await api.createKey({ name: 'short-lived', expires_at: '2026-06-01T13:00:00Z' });
    api.advance(2 * 3600_000);
    expect((await api.getKey(key.id)).status).toBe('expired');
    const updated = (await (await update(key.id, { expires_at: '2027-01-01T02:00:00+02:00' })).json()) as ApiKey;
    expect(updated).toMatchObject({ expires_at: '2027-01-01T00:00:00.000Z', status: 'active' });
    expect((await api.verify(secret)).code).toBe('VALID');
  });

  it('refuses an empty body, an unknown field and the limits of create, and changes nothing', async () => {
    const { key } = await api.createKey(full);
    const empty = await refused(key.id, {}, 400, 'invalid-request');
    expect(empty.errors?.[0]?.pointer).toBe('/body');
    const unknown = await refused(key.id, { name: 'x', app_slug: 'billing-api' }, 400, 'invalid-request');
    expect(unknown.errors).toEqual([{ pointer: '/body/app_slug', message: 'is not a field of this request' }]);
    const limits = await refused(
      key.id,
      { name: '', permissions: ['no colon'], environment: 'Prod', owner: ' ' },
      400,
      'invalid-request',
    );
    expect([...new Set(limits.errors?.map((error) => error.pointer))].sort()).toEqual([
      '/body/environment',
      '/body/name',
      '/body/owner',
      '/body/permissions/0',
    ]);
    const past = await refused(key.id, { expires_at: '2020-01-01T00:00:00Z' }, 400, 'invalid-request');
    expect(past.errors).toEqual([{ pointer: '/body/expires_at', message: 'must lie in the future' }]);
    const big = await refused(key.id, { metadata: { blob: 'x'.repeat(5000) } }, 400, 'invalid-request');
    expect(big.errors).toEqual([
      { pointer: '/body/metadata', message: 'must serialise to at most 4096 bytes of JSON' },
    ]);
  });

  it('refuses to change a revoked key with 409', async () => {
    const { key } = await api.createKey(full);
    expect((await api.server.call('POST', api.keyPath('internal-api', key.id, 'revoke'), {})).status).toBe(200);
    const problem = await refused(key.id, { name: 'too late' }, 409, 'key-revoked');
    expect(problem.detail).toContain(key.id);
  });

  it("answers 404 for another app's key or an unknown id, and changes nothing", async () => {
    const billing = await api.createKey({ name: 'billing key' }, 'billing-api');
    await expectProblem(await update(billing.key.id, { name: 'moved' }), 404, 'key-not-found');
    await expectProblem(await update(randomUUID(), { name: 'ghost' }), 404, 'key-not-found');
    expect(await api.getKey(billing.key.id, 'billing-api')).toEqual(billing.key);
  });
});
