import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';
import { generateSecret } from '../../keys/secret.js';
import type { KeyStore } from '../../store/keyStore.js';

describe.each(storeKinds)('verifyApiKey on $kind', ({ open }) => {
  const api = lifecycleServer(open);

  it('answers VALID with the key for an active key of the app, with no-store', async () => {
    const { key, secret } = await api.createKey({ name: 'gateway key', permissions: ['users:read'] });
    const verdict = await api.verify(secret);
    expect(verdict).toEqual({
      valid: true,
      code: 'VALID',
      key: { ...key, last_used_at: null },
      credits: null,
      ratelimits: [],
    });
  });

  it('answers NOT_FOUND for an unknown secret and for a key of another app', async () => {
    expect(await api.verify(generateSecret('sk'))).toEqual({ valid: false, code: 'NOT_FOUND' });
    const billing = await api.createKey({ name: 'billing key' }, 'billing-api');
    expect(await api.verify(billing.secret)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect((await api.verify(billing.secret, undefined, 'billing-api')).code).toBe('VALID');
  });

  it('answers EXPIRED once expires_at has passed, and REVOKED once revoked', async () => {
    const expiring = await api.createKey({ name: 'soon', expires_at: '2026-06-01T12:00:01Z' });
    expect((await api.verify(expiring.secret)).code).toBe('VALID');
    api.advance(1000);
    expect(await api.verify(expiring.secret)).toEqual({ valid: false, code: 'EXPIRED' });

    const revoked = await api.createKey();
    await api.server.call('POST', api.keyPath('internal-api', revoked.key.id, 'revoke'), {});
    expect(await api.verify(revoked.secret)).toEqual({ valid: false, code: 'REVOKED' });
  });

  it('matches permissions: users:* grants users:read, but a required wildcard only by itself', async () => {
    const wildcard = await api.createKey({ name: 'wildcard', permissions: ['users:*', 'orders:read'] });
    expect((await api.verify(wildcard.secret, ['users:read', 'users:delete', 'orders:read'])).code).toBe('VALID');
    expect((await api.verify(wildcard.secret, ['users:*'])).code).toBe('VALID');
    const lacking = await api.verify(wildcard.secret, ['orders:write']);
    expect(lacking).toEqual({
      valid: false,
      code: 'INSUFFICIENT_PERMISSIONS',
      key: expect.objectContaining({ id: wildcard.key.id }),
      credits: null,
      ratelimits: [],
    });

    const specific = await api.createKey({ name: 'specific', permissions: ['users:read', 'users:write'] });
    expect((await api.verify(specific.secret, ['users:*'])).code).toBe('INSUFFICIENT_PERMISSIONS');
    expect((await api.verify(specific.secret, ['Users:read'])).code).toBe('INSUFFICIENT_PERMISSIONS');
  });

  it('answers MALFORMED for anything not shaped like a secret or with a wrong checksum', async () => {
    const { secret } = await api.createKey();
    const typo = secret.slice(0, 10) + (secret[10] === 'a' ? 'b' : 'a') + secret.slice(11);
    for (const candidate of ['', 'hello', typo, `${secret}x`, secret.toUpperCase(), `Bearer ${secret}`]) {
      expect(await api.verify(candidate)).toEqual({ valid: false, code: 'MALFORMED' });
    }
  });

  it('refuses a request that is not well-formed with 400', async () => {
    const call = (body: unknown) => api.server.call('POST', `${api.keys('internal-api')}/verify`, body);
    const long = await expectProblem(await call({ secret: 'x'.repeat(513) }), 400, 'invalid-request');
    expect(long.errors?.[0]?.pointer).toBe('/body/secret');
    const missing = await expectProblem(await call({}), 400, 'invalid-request');
    expect(missing.errors?.[0]?.message).toContain('secret');
    const permission = await expectProblem(
      await call({ secret: 'x', required_permissions: ['read'] }),
      400,
      'invalid-request',
    );
    expect(permission.errors?.[0]?.pointer).toBe('/body/required_permissions/0');
  });

  it('answers 404 for an unknown app, except for a MALFORMED secret, which is answered first', async () => {
    const { secret } = await api.createKey();
    await expectProblem(
      await api.server.call('POST', `${api.keys('no-such-app')}/verify`, { secret }),
      404,
      'app-not-found',
    );
    const malformed = await api.server.call('POST', `${api.keys('no-such-app')}/verify`, { secret: 'nope' });
    expect(await malformed.json()).toEqual({ valid: false, code: 'MALFORMED' });
  });
});

describe.each(storeKinds)('verifyApiKey on $kind: what it reads and writes', ({ open }) => {
  let hashLookups = 0;
  let useWrites = 0;
  // The real store, counting the two calls this suite is about.
  const counting = (store: KeyStore): KeyStore =>
    Object.create(store, {
      findKeyBySecretHash: {
        value: (hash: string) => {
          hashLookups++;
          return store.findKeyBySecretHash(hash);
        },
      },
      recordKeyUses: {
        value: (uses: Parameters<KeyStore['recordKeyUses']>[0]) => {
          useWrites++;
          return store.recordKeyUses(uses);
        },
      },
    }) as KeyStore;
  const api = lifecycleServer(async () => {
    const testStore = await open();
    return { ...testStore, store: counting(testStore.store) };
  });

  it('decides MALFORMED without a database lookup', async () => {
    const before = hashLookups;
    for (let i = 0; i < 5; i++) {
      await api.verify(`sk_${'a'.repeat(49)}`);
    }
    expect(hashLookups).toBe(before);
    await api.verify(generateSecret('sk'));
    expect(hashLookups).toBe(before + 1);
  });

  it('sets last_used_at within two seconds of the first use, then writes it at most once a minute', async () => {
    const { key, secret } = await api.createKey({ name: 'used key' });
    const writesBefore = useWrites;
    expect((await api.verify(secret)).code).toBe('VALID');
    await expect
      .poll(async () => (await api.getKey(key.id)).last_used_at, { timeout: 2000, interval: 100 })
      .toBe('2026-06-01T12:00:00.000Z');
    expect(useWrites).toBe(writesBefore + 1);

    api.advance(30_000);
    for (let i = 0; i < 5; i++) {
      await api.verify(secret);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(useWrites).toBe(writesBefore + 1);
    expect((await api.getKey(key.id)).last_used_at).toBe('2026-06-01T12:00:00.000Z');

    api.advance(31_000);
    await api.verify(secret);
    await expect
      .poll(async () => (await api.getKey(key.id)).last_used_at, { timeout: 2000, interval: 100 })
      .toBe('2026-06-01T12:01:01.000Z');
  });
});
