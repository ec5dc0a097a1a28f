import { randomUUID } from 'node:crypto';
import type { ApiKeyWithSecret } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';
import { hashSecret, hasValidChecksum } from '../../keys/secret.js';

const settings = {
  name: 'rotating key',
  permissions: ['users:read', 'orders:*'],
  metadata: { owner: 'backend-service', n: 1 },
  owner: 'team-a',
  environment: 'production',
  expires_at: '2026-12-31T23:59:59Z',
};

describe.each(storeKinds)('rotateApiKey on $kind', ({ open }) => {
  const api = lifecycleServer(open);
  const rotate = (id: string, body: unknown = {}, appName = 'internal-api') =>
    api.server.call('POST', api.keyPath(appName, id, 'rotate'), body);

  async function refused(id: string, body: unknown, status: number, type: string) {
    const before = await api.store.countKeys();
    const old = await api.getKey(id);
    const problem = await expectProblem(await rotate(id, body), status, type);
    expect(await api.store.countKeys()).toBe(before);
    expect(await api.getKey(id)).toEqual(old);
    return problem;
  }

  it('answers 201 with a new key and secret that copy the settings, links both keys, and revokes the old one at once', async () => {
    const old = await api.createKey(settings);
    api.advance(1000);
    const response = await rotate(old.key.id);
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const rotated = (await response.json()) as ApiKeyWithSecret;
    const at = new Date(NOW.getTime() + 1000).toISOString();
    expect(rotated.key).toEqual({
      ...old.key,
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      key_suffix: rotated.secret.slice(-4),
      created_at: at,
      rotated_from: old.key.id,
    });
    expect(rotated.key.id).not.toBe(old.key.id);
    expect(hasValidChecksum(rotated.secret)).toBe(true);
    expect(rotated.secret).not.toBe(old.secret);
    const { status: _status, ...record } = rotated.key;
    expect((await api.store.findKeyBySecretHash(hashSecret(rotated.secret)))?.key).toEqual(record);

    expect(await api.getKey(old.key.id)).toEqual({
      ...old.key,
      status: 'revoked',
      revoked_at: at,
      revocation_reason: 'rotated',
      rotated_to: rotated.key.id,
    });
    expect((await api.verify(old.secret)).code).toBe('REVOKED');
    expect((await api.verify(rotated.secret, ['orders:write'])).code).toBe('VALID');
  });

  it('keeps the old key verifying for the grace period, then revokes it', async () => {
    const old = await api.createKey(settings);
    const rotated = (await (await rotate(old.key.id, { grace_period_seconds: 3600 })).json()) as ApiKeyWithSecret;
    const revokeAt = new Date(NOW.getTime() + 3600_000).toISOString();
    expect(await api.getKey(old.key.id)).toMatchObject({
      status: 'active',
      revoked_at: revokeAt,
      revocation_reason: 'rotated',
      rotated_to: rotated.key.id,
    });
    expect((await api.verify(old.secret)).code).toBe('VALID');
    expect((await api.verify(rotated.secret)).code).toBe('VALID');
    api.advance(3600_000 - 1);
    expect((await api.verify(old.secret)).code).toBe('VALID');
    api.advance(1);
    expect((await api.verify(old.secret)).code).toBe('REVOKED');
    expect((await api.getKey(old.key.id)).status).toBe('revoked');
    expect((await api.verify(rotated.secret)).code).toBe('VALID');
  });

  it('takes no body at all as {}: the default grace period, revoked at once', async () => {
    const old = await api.createKey(settings);
    const response = await api.server.call('POST', api.keyPath('internal-api', old.key.id, 'rotate'));
    expect(response.status).toBe(201);
    const rotated = (await response.json()) as ApiKeyWithSecret;
    expect(await api.getKey(old.key.id)).toMatchObject({ status: 'revoked', rotated_to: rotated.key.id });
    expect((await api.verify(rotated.secret)).code).toBe('VALID');
  });

  it('refuses a key that was already rotated, is revoked or has expired (409), and creates nothing', async () => {
    const old = await api.createKey(settings);
    const rotated = (await (await rotate(old.key.id, { grace_period_seconds: 60 })).json()) as ApiKeyWithSecret;
    const twice = await refused(old.key.id, {}, 409, 'key-already-rotated');
    expect(twice.detail).toContain(rotated.key.id);

    const revoked = await api.createKey(settings);
    expect((await api.server.call('POST', api.keyPath('internal-api', revoked.key.id, 'revoke'), {})).status).toBe(200);
    await refused(revoked.key.id, {}, 409, 'key-revoked');

    const expiring = await api.createKey({ name: 'soon', expires_at: '2026-06-01T12:30:00Z' });
    api.advance(3600_000);
    await refused(expiring.key.id, {}, 409, 'key-expired');
  });

  it('refuses a grace period over a day or an unknown field, and creates nothing', async () => {
    const old = await api.createKey(settings);
    const tooLong = await refused(old.key.id, { grace_period_seconds: 86401 }, 400, 'invalid-request');
    expect(tooLong.errors?.[0]?.pointer).toBe('/body/grace_period_seconds');
    const unknown = await refused(old.key.id, { name: 'new name' }, 400, 'invalid-request');
    expect(unknown.errors).toEqual([{ pointer: '/body/name', message: 'is not a field of this request' }]);
  });

  it("answers 404 for another app's key or an unknown id", async () => {
    const billing = await api.createKey({ name: 'billing key' }, 'billing-api');
    const before = await api.store.countKeys();
    await expectProblem(await rotate(billing.key.id), 404, 'key-not-found');
    await expectProblem(await rotate(randomUUID()), 404, 'key-not-found');
    await expectProblem(await rotate(randomUUID(), {}, 'no-such-app'), 404, 'app-not-found');
    expect(await api.store.countKeys()).toBe(before);
  });

  it('makes exactly one successor when two rotations race', async () => {
    const old = await api.createKey(settings);
    const before = await api.store.countKeys();
    const answers = await Promise.all([rotate(old.key.id), rotate(old.key.id), rotate(old.key.id)]);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([201, 409, 409]);
    expect(await api.store.countKeys()).toBe(before + 1);
  });
});
