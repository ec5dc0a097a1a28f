import type { ApiKey, AuditEventList, VerificationResult } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

// Credits at verification (issue 20): spent by VALID verifications only, never below zero,
// refilled at each interval's start by the server's clock, shared by a rotation's two keys.
describe.each(storeKinds)('credits on $kind', ({ open }) => {
  // The token's own rate limit (600 a minute) out of the way of the 1,000 concurrent verifications.
  const api = lifecycleServer(open, { rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
  const DAY = 86_400_000;

  const verify = async (secret: string, body: Record<string, unknown> = {}, appName = 'internal-api') => {
    const response = await api.server.call('POST', `${api.keys(appName)}/verify`, { secret, ...body });
    expect(response.status).toBe(200);
    return (await response.json()) as VerificationResult;
  };
  const remainingOf = async (id: string) => (await api.getKey(id)).credits?.remaining;

  it('spends one credit per VALID verification, then answers USAGE_EXCEEDED and spends nothing', async () => {
    const { key, secret } = await api.createKey({ name: 'metered', credits: { remaining: 2 } });
    expect(key.credits).toEqual({ remaining: 2, refill: null });
    expect(await api.getKey(key.id)).toMatchObject({ credits: { remaining: 2, refill: null } });
    expect(await verify(secret)).toMatchObject({ valid: true, code: 'VALID', credits: { remaining: 1 } });
    const last = await verify(secret);
    expect(last).toMatchObject({
      valid: true,
      code: 'VALID',
      credits: { remaining: 0 },
      key: { credits: { remaining: 0 } },
    });
    expect(await verify(secret)).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED', credits: { remaining: 0 } });
    expect(await remainingOf(key.id)).toBe(0);
  });

  it('spends what a verification costs: 0 checks, more than is left spends nothing', async () => {
    const { key, secret } = await api.createKey({ name: 'costly', credits: { remaining: 5 } });
    expect((await verify(secret, { credits: { cost: 3 } })).credits).toEqual({ remaining: 2 });
    expect(await verify(secret, { credits: { cost: 3 } })).toMatchObject({
      code: 'USAGE_EXCEEDED',
      credits: { remaining: 2 },
    });
    expect(await verify(secret, { credits: { cost: 0 } })).toMatchObject({ code: 'VALID', credits: { remaining: 2 } });
    expect(await remainingOf(key.id)).toBe(2);
  });

  it('spends nothing on a verification refused for another reason, and nothing for a key without credits', async () => {
    const { key, secret } = await api.createKey({
      name: 'scoped',
      permissions: ['users:read'],
      credits: { remaining: 1 },
    });
    expect(await verify(secret, { required_permissions: ['users:write'] })).toMatchObject({
      code: 'INSUFFICIENT_PERMISSIONS',
      credits: { remaining: 1 },
    });
    expect(await remainingOf(key.id)).toBe(1);
    const free = await api.createKey({ name: 'free' });
    expect(free.key.credits).toBeNull();
    expect(await verify(free.secret, { credits: { cost: 1000 } })).toMatchObject({ code: 'VALID', credits: null });
  });

  it('refills monthly on the refill day at 00:00 UTC, on the last day of a month without it', async () => {
    // NOW is 2026-06-01T12:00Z; June has no 31st, so its refill is on the 30th.
    const { key, secret } = await api.createKey({
      name: 'monthly',
      credits: { remaining: 1, refill: { interval: 'monthly', amount: 5, refill_day: 31 } },
    });
    expect(key.credits).toEqual({ remaining: 1, refill: { interval: 'monthly', amount: 5, refill_day: 31 } });
    expect((await verify(secret)).credits).toEqual({ remaining: 0 });
    api.advance(Date.parse('2026-06-29T23:59:59.999Z') - NOW.getTime());
    expect((await verify(secret)).code).toBe('USAGE_EXCEEDED');
    api.advance(1);
    expect(await remainingOf(key.id)).toBe(5);
    expect((await verify(secret)).credits).toEqual({ remaining: 4 });
    // The next refill is July 31st: nothing comes back before it.
    api.advance(Date.parse('2026-07-30T00:00:00.000Z') - Date.parse('2026-06-30T00:00:00.000Z'));
    expect(await remainingOf(key.id)).toBe(4);
  });

  it('refills daily at 00:00 UTC, to the amount (not by it)', async () => {
    const { key, secret } = await api.createKey({
      name: 'daily',
      credits: { remaining: 3, refill: { interval: 'daily', amount: 2 } },
    });
    expect(key.credits?.refill).toEqual({ interval: 'daily', amount: 2, refill_day: null });
    await verify(secret);
    api.advance(12 * 3_600_000);
    expect(await remainingOf(key.id)).toBe(2);
    api.advance(5 * DAY);
    expect(await remainingOf(key.id)).toBe(2);
  });

  it('sets, replaces and removes credits on update, each an audit event with the old and new values', async () => {
    const { key, secret } = await api.createKey({ name: 'changing' });
    const set = await api.server.call('PATCH', api.keyPath('internal-api', key.id), { credits: { remaining: 10 } });
    expect(((await set.json()) as ApiKey).credits).toEqual({ remaining: 10, refill: null });
    expect((await verify(secret)).credits).toEqual({ remaining: 9 });
    const removed = await api.server.call('PATCH', api.keyPath('internal-api', key.id), { credits: null });
    expect(((await removed.json()) as ApiKey).credits).toBeNull();
    expect(await verify(secret)).toMatchObject({ code: 'VALID', credits: null });
    const trail = (await (
      await api.server.call('GET', `/api-auth/apps/internal-api/audit-events?key_id=${key.id}`)
    ).json()) as AuditEventList;
    const creditChanges = trail.data.flatMap((event) => event.changes.filter((change) => change.field === 'credits'));
    expect(creditChanges).toEqual(
      expect.arrayContaining([
        { field: 'credits', old: null, new: { remaining: 10, refill: null } },
        { field: 'credits', old: { remaining: 9, refill: null }, new: null },
      ]),
    );
  });

  it('refuses a refill day on a daily refill, naming it, and creates nothing', async () => {
    const before = await api.store.countKeys();
    const problem = await expectProblem(
      await api.server.post('internal-api', {
        name: 'x',
        credits: { remaining: 1, refill: { interval: 'daily', amount: 1, refill_day: 3 } },
      }),
      400,
      'invalid-request',
    );
    expect(problem.errors?.map((error) => error.pointer)).toEqual(['/body/credits/refill/refill_day']);
    expect(await api.store.countKeys()).toBe(before);
  });

  it('lets a rotated key and its successor spend from one balance during the grace period', async () => {
    const { key, secret } = await api.createKey({ name: 'rotating', credits: { remaining: 3 } });
    const rotated = await api.server.call('POST', api.keyPath('internal-api', key.id, 'rotate'), {
      grace_period_seconds: 3600,
    });
    const successor = (await rotated.json()) as { key: ApiKey; secret: string };
    expect(successor.key.credits).toEqual({ remaining: 3, refill: null });
    expect((await verify(secret)).credits).toEqual({ remaining: 2 });
    expect((await verify(successor.secret)).credits).toEqual({ remaining: 1 });
    expect((await verify(secret)).credits).toEqual({ remaining: 0 });
    expect((await verify(successor.secret)).code).toBe('USAGE_EXCEEDED');
    expect(await remainingOf(successor.key.id)).toBe(0);
  });

  it('is exact under 1,000 concurrent verifications of a key with 100 credits: 100 VALID, never below zero', async () => {
    const { key, secret } = await api.createKey({ name: 'contended', credits: { remaining: 100 } });
    const verdicts = await Promise.all(Array.from({ length: 1000 }, () => verify(secret)));
    const codes = verdicts.map((verdict) => verdict.code);
    expect(codes.filter((code) => code === 'VALID')).toHaveLength(100);
    expect(codes.filter((code) => code === 'USAGE_EXCEEDED')).toHaveLength(900);
    // Each VALID answered a different balance: 99 down to 0, once each.
    const answered = verdicts.filter((verdict) => verdict.valid).map((verdict) => verdict.credits?.remaining);
    expect(new Set(answered).size).toBe(100);
    expect(Math.min(...(answered as number[]))).toBe(0);
    expect(await remainingOf(key.id)).toBe(0);
  });
});
