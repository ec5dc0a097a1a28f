import type { ApiKey, AuditEventList, VerificationResult } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

// Rate limits at verification (issue 20): fixed windows per lineage and limit, counted by VALID
// verifications only, all of a verification's limits or none, shared by a rotation's two keys.
describe.each(storeKinds)('rate limits on $kind', ({ open }) => {
  // The token's own rate limit out of the way of the 500 concurrent verifications.
  const api = lifecycleServer(open, { rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
  const MINUTE = 60_000;
  const perMinute = (name: string, limit: number, auto_apply = true) => ({
    name,
    limit,
    duration_ms: MINUTE,
    auto_apply,
  });
  // NOW is 2026-06-01T12:00:00Z: the minute's window ends at 12:01.
  const RESET = '2026-06-01T12:01:00.000Z';

  const verify = async (secret: string, body: Record<string, unknown> = {}) => {
    const response = await api.server.call('POST', `${api.keys('internal-api')}/verify`, { secret, ...body });
    expect(response.status).toBe(200);
    return (await response.json()) as VerificationResult;
  };
  const patch = (id: string, body: Record<string, unknown>) =>
    api.server.call('PATCH', api.keyPath('internal-api', id), body);

  it('counts an auto-applied limit on every verification, then answers RATE_LIMITED until the window ends', async () => {
    const { key, secret } = await api.createKey({ name: 'free tier', ratelimits: [perMinute('requests', 3)] });
    expect(key.ratelimits).toEqual([{ name: 'requests', limit: 3, duration_ms: MINUTE, auto_apply: true }]);
    expect((await api.getKey(key.id)).ratelimits).toEqual(key.ratelimits);
    for (const remaining of [2, 1, 0]) {
      expect(await verify(secret)).toMatchObject({
        valid: true,
        code: 'VALID',
        ratelimits: [{ name: 'requests', limit: 3, remaining, reset_at: RESET }],
      });
    }
    expect(await verify(secret)).toMatchObject({
      valid: false,
      code: 'RATE_LIMITED',
      key: { id: key.id },
      credits: null,
      ratelimits: [{ name: 'requests', limit: 3, remaining: 0, reset_at: RESET }],
    });
    api.advance(MINUTE - 1);
    expect((await verify(secret)).code).toBe('RATE_LIMITED');
    api.advance(1);
    expect(await verify(secret)).toMatchObject({
      code: 'VALID',
      ratelimits: [{ name: 'requests', remaining: 2, reset_at: '2026-06-01T12:02:00.000Z' }],
    });
  });

  it('counts a limit without auto_apply only when a verification names it, by the cost it names', async () => {
    const { secret } = await api.createKey({
      name: 'exports',
      ratelimits: [perMinute('requests', 100), perMinute('exports', 5, false)],
    });
    expect((await verify(secret)).ratelimits).toEqual([
      { name: 'requests', limit: 100, remaining: 99, reset_at: RESET },
    ]);
    expect((await verify(secret, { ratelimits: [{ name: 'exports', cost: 4 }] })).ratelimits).toEqual([
      { name: 'requests', limit: 100, remaining: 98, reset_at: RESET },
      { name: 'exports', limit: 5, remaining: 1, reset_at: RESET },
    ]);
    // Naming an auto-applied limit sets its cost; cost 0 checks without counting.
    expect((await verify(secret, { ratelimits: [{ name: 'requests', cost: 10 }] })).ratelimits).toEqual([
      { name: 'requests', limit: 100, remaining: 88, reset_at: RESET },
    ]);
    expect(
      (
        await verify(secret, {
          ratelimits: [
            { name: 'requests', cost: 0 },
            { name: 'exports', cost: 0 },
          ],
        })
      ).ratelimits,
    ).toEqual([
      { name: 'requests', limit: 100, remaining: 88, reset_at: RESET },
      { name: 'exports', limit: 5, remaining: 1, reset_at: RESET },
    ]);
  });

  it('counts a verification in all its limits or in none: one full window refuses it in every other', async () => {
    const { secret } = await api.createKey({
      name: 'two limits',
      ratelimits: [perMinute('requests', 10), perMinute('exports', 1, false)],
    });
    expect((await verify(secret, { ratelimits: [{ name: 'exports' }] })).code).toBe('VALID');
    expect(await verify(secret, { ratelimits: [{ name: 'exports' }] })).toMatchObject({
      code: 'RATE_LIMITED',
      ratelimits: [
        { name: 'requests', remaining: 9 },
        { name: 'exports', remaining: 0 },
      ],
    });
    // The refused verification did not count in `requests`.
    expect((await verify(secret)).ratelimits).toEqual([{ name: 'requests', limit: 10, remaining: 8, reset_at: RESET }]);
    // Nor when the full window is the last one counted (names in that order): the first is rolled back.
    const last = await api.createKey({ name: 'full last', ratelimits: [perMinute('a', 10), perMinute('z', 1, false)] });
    expect((await verify(last.secret, { ratelimits: [{ name: 'z' }] })).code).toBe('VALID');
    expect((await verify(last.secret, { ratelimits: [{ name: 'z' }] })).code).toBe('RATE_LIMITED');
    expect((await verify(last.secret)).ratelimits).toEqual([{ name: 'a', limit: 10, remaining: 8, reset_at: RESET }]);
  });

  it('refuses a limit the key does not have, or one named twice, naming it, and counts nothing', async () => {
    const { secret } = await api.createKey({ name: 'named', ratelimits: [perMinute('requests', 5)] });
    const call = (ratelimits: unknown) =>
      api.server.call('POST', `${api.keys('internal-api')}/verify`, { secret, ratelimits });
    const unknown = await expectProblem(
      await call([{ name: 'requests' }, { name: 'exports' }]),
      400,
      'invalid-request',
    );
    expect(unknown.errors).toEqual([
      { pointer: '/body/ratelimits/1/name', message: "the key has no rate limit named 'exports'" },
    ]);
    const twice = await expectProblem(await call([{ name: 'requests' }, { name: 'requests' }]), 400, 'invalid-request');
    expect(twice.errors?.map((error) => error.pointer)).toEqual(['/body/ratelimits/1/name']);
    expect((await verify(secret)).ratelimits).toEqual([{ name: 'requests', limit: 5, remaining: 4, reset_at: RESET }]);
  });

  it('counts nothing for a verification refused before the limits, or by the credits after them', async () => {
    const { secret } = await api.createKey({
      name: 'scoped and metered',
      permissions: ['users:read'],
      credits: { remaining: 1 },
      ratelimits: [perMinute('requests', 5)],
    });
    expect(await verify(secret, { required_permissions: ['users:write'] })).toMatchObject({
      code: 'INSUFFICIENT_PERMISSIONS',
      credits: { remaining: 1 },
      ratelimits: [],
    });
    expect(await verify(secret)).toMatchObject({
      code: 'VALID',
      credits: { remaining: 0 },
      ratelimits: [{ name: 'requests', remaining: 4 }],
    });
    expect(await verify(secret)).toMatchObject({
      code: 'USAGE_EXCEEDED',
      credits: { remaining: 0 },
      ratelimits: [{ name: 'requests', remaining: 4 }],
    });
    expect(await verify(secret, { credits: { cost: 0 } })).toMatchObject({
      code: 'VALID',
      ratelimits: [{ name: 'requests', remaining: 3 }],
    });
  });

  it('spends no credits on a RATE_LIMITED verification', async () => {
    const { key, secret } = await api.createKey({
      name: 'limited and metered',
      credits: { remaining: 10 },
      ratelimits: [perMinute('requests', 1)],
    });
    expect((await verify(secret)).credits).toEqual({ remaining: 9 });
    expect(await verify(secret)).toMatchObject({ code: 'RATE_LIMITED', credits: { remaining: 9 } });
    expect((await api.getKey(key.id)).credits?.remaining).toBe(9);
  });

  it('replaces the list on update, a kept limit counting on in its window, each change an audit event', async () => {
    const { key, secret } = await api.createKey({ name: 'changing', ratelimits: [perMinute('requests', 5)] });
    await verify(secret);
    const replaced = await patch(key.id, {
      ratelimits: [perMinute('requests', 3), { name: 'per-second', limit: 1, duration_ms: 1000 }],
    });
    expect(replaced.status).toBe(200);
    expect(((await replaced.json()) as ApiKey).ratelimits).toEqual([
      { name: 'requests', limit: 3, duration_ms: MINUTE, auto_apply: true },
      { name: 'per-second', limit: 1, duration_ms: 1000, auto_apply: false },
    ]);
    // The window of `requests` kept its one verification; a new limit of 3 leaves 1 after this one.
    expect((await verify(secret)).ratelimits).toEqual([{ name: 'requests', limit: 3, remaining: 1, reset_at: RESET }]);
    // A new duration starts a new window.
    await patch(key.id, { ratelimits: [{ name: 'requests', limit: 3, duration_ms: 2 * MINUTE, auto_apply: true }] });
    expect((await verify(secret)).ratelimits).toEqual([
      { name: 'requests', limit: 3, remaining: 2, reset_at: '2026-06-01T12:02:00.000Z' },
    ]);
    const removed = await patch(key.id, { ratelimits: [] });
    expect(((await removed.json()) as ApiKey).ratelimits).toEqual([]);
    expect(await verify(secret)).toMatchObject({ code: 'VALID', ratelimits: [] });
    // A limit removed and given again starts afresh, within the same window.
    await patch(key.id, { ratelimits: [{ name: 'requests', limit: 3, duration_ms: 2 * MINUTE, auto_apply: true }] });
    expect((await verify(secret)).ratelimits).toMatchObject([{ name: 'requests', remaining: 2 }]);
    await patch(key.id, { ratelimits: [] });

    const twoMinutes = [{ name: 'requests', limit: 3, duration_ms: 2 * MINUTE, auto_apply: true }];
    const trail = (await (
      await api.server.call('GET', `/api-auth/apps/internal-api/audit-events?key_id=${key.id}`)
    ).json()) as AuditEventList;
    const changes = trail.data
      .flatMap((event) => event.changes.filter((change) => change.field === 'ratelimits'))
      .reverse();
    expect(changes).toEqual([
      { field: 'ratelimits', old: null, new: [perMinute('requests', 5)] },
      {
        field: 'ratelimits',
        old: [perMinute('requests', 5)],
        new: [perMinute('requests', 3), { name: 'per-second', limit: 1, duration_ms: 1000, auto_apply: false }],
      },
      {
        field: 'ratelimits',
        old: [perMinute('requests', 3), { name: 'per-second', limit: 1, duration_ms: 1000, auto_apply: false }],
        new: twoMinutes,
      },
      // Removed, given again, removed again.
      { field: 'ratelimits', old: twoMinutes, new: [] },
      { field: 'ratelimits', old: [], new: twoMinutes },
      { field: 'ratelimits', old: twoMinutes, new: [] },
    ]);
  });

  it('refuses a name given twice on create, naming the second, and creates nothing', async () => {
    const before = await api.store.countKeys();
    const problem = await expectProblem(
      await api.server.post('internal-api', {
        name: 'x',
        ratelimits: [perMinute('requests', 1), perMinute('requests', 2)],
      }),
      400,
      'invalid-request',
    );
    expect(problem.errors?.map((error) => error.pointer)).toEqual(['/body/ratelimits/1/name']);
    expect(await api.store.countKeys()).toBe(before);
  });

  it('lets a rotated key and its successor count in the same windows during the grace period', async () => {
    const { key, secret } = await api.createKey({ name: 'rotating', ratelimits: [perMinute('requests', 3)] });
    await verify(secret);
    const rotated = await api.server.call('POST', api.keyPath('internal-api', key.id, 'rotate'), {
      grace_period_seconds: 3600,
    });
    const successor = (await rotated.json()) as { key: ApiKey; secret: string };
    expect(successor.key.ratelimits).toEqual(key.ratelimits);
    expect((await verify(successor.secret)).ratelimits).toMatchObject([{ remaining: 1 }]);
    expect((await verify(secret)).ratelimits).toMatchObject([{ remaining: 0 }]);
    expect((await verify(successor.secret)).code).toBe('RATE_LIMITED');
    expect((await verify(secret)).code).toBe('RATE_LIMITED');
    // A change through the successor is the old key's too: both count by the new list at once.
    await patch(successor.key.id, { ratelimits: [perMinute('requests', 4)] });
    expect((await api.getKey(key.id)).ratelimits).toEqual([perMinute('requests', 4)]);
    expect((await verify(secret)).ratelimits).toMatchObject([{ limit: 4, remaining: 0 }]);
    expect((await verify(successor.secret)).code).toBe('RATE_LIMITED');
  });

  it('is exact under 500 concurrent verifications of a limit of 50: 50 VALID', async () => {
    const { secret } = await api.createKey({ name: 'contended', ratelimits: [perMinute('requests', 50)] });
    const verdicts = await Promise.all(Array.from({ length: 500 }, () => verify(secret)));
    const codes = verdicts.map((verdict) => verdict.code);
    expect(codes.filter((code) => code === 'VALID')).toHaveLength(50);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(450);
    const answered = verdicts.filter((verdict) => verdict.valid).map((verdict) => verdict.ratelimits?.[0]?.remaining);
    expect(new Set(answered).size).toBe(50);
  });

  it('is exact with credits and a limit together: 1,000 verifications of 100 credits and 60 a minute give 60 VALID', async () => {
    const { key, secret } = await api.createKey({
      name: 'both',
      credits: { remaining: 100 },
      ratelimits: [perMinute('requests', 60)],
    });
    const verdicts = await Promise.all(Array.from({ length: 1000 }, () => verify(secret)));
    const codes = verdicts.map((verdict) => verdict.code);
    expect(codes.filter((code) => code === 'VALID')).toHaveLength(60);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(940);
    expect((await api.getKey(key.id)).credits?.remaining).toBe(40);
  });

  it('lists a key with its limits', async () => {
    const { key } = await api.createKey({ name: 'listed', ratelimits: [perMinute('requests', 2)] });
    const page = (await (await api.server.call('GET', `${api.keys('internal-api')}?limit=100`)).json()) as {
      data: ApiKey[];
    };
    expect(page.data.find((listed) => listed.id === key.id)?.ratelimits).toEqual([perMinute('requests', 2)]);
  });
});
