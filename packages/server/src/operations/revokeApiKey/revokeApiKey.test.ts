import { randomUUID } from 'node:crypto';
import type { ApiKey } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

describe.each(storeKinds)('revokeApiKey on $kind', ({ open }) => {
  const api = lifecycleServer(open);
  const revoke = (id: string, body: unknown = {}, appName = 'internal-api') =>
    api.server.call('POST', api.keyPath(appName, id, 'revoke'), body);

  it('revokes the key with its reason, and the very next verification answers REVOKED', async () => {
    const { key, secret } = await api.createKey();
    expect((await api.verify(secret)).code).toBe('VALID');
    const response = await revoke(key.id, { reason: 'Leaked in a build log' });
    expect(response.status).toBe(200);
    const revoked = (await response.json()) as ApiKey;
    expect(revoked).toEqual({
      ...key,
      status: 'revoked',
      revoked_at: NOW.toISOString(),
      revocation_reason: 'Leaked in a build log',
    });
    // The verification above records last_used_at about a second later, maybe after the revocation's answer.
    expect(await api.getKey(key.id)).toEqual({ ...revoked, last_used_at: expect.toBeOneOf([null, NOW.toISOString()]) });
    expect(await api.verify(secret)).toEqual({ valid: false, code: 'REVOKED' });
  });

  it('is idempotent: revoking a revoked key answers 200 with the record unchanged', async () => {
    const { key } = await api.createKey();
    const first = (await (await revoke(key.id, { reason: 'first' })).json()) as ApiKey;
    api.advance(60_000);
    const again = await revoke(key.id, { reason: 'second' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(first);
  });

  it('takes an empty body, leaving the reason null', async () => {
    const { key } = await api.createKey();
    const revoked = (await (await revoke(key.id, {})).json()) as ApiKey;
    expect(revoked).toMatchObject({ status: 'revoked', revocation_reason: null, revoked_at: NOW.toISOString() });
  });

  it('takes no body at all as {}: no Content-Type and no content, or application/json and no content', async () => {
    const bodiless: Record<string, string>[] = [{}, { 'content-type': 'application/json' }];
    for (const headers of bodiless) {
      const { key } = await api.createKey();
      const response = await api.server.call('POST', api.keyPath('internal-api', key.id, 'revoke'), undefined, {
        headers,
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: key.id, status: 'revoked', revocation_reason: null });
    }
  });

  it('refuses a body sent without saying it is JSON (415), and changes nothing', async () => {
    const { key } = await api.createKey();
    const response = await api.server.call('POST', api.keyPath('internal-api', key.id, 'revoke'), undefined, {
      raw: '{"reason":"Leaked"}',
      headers: { 'content-type': 'text/plain' },
    });
    await expectProblem(response, 415, 'unsupported-media-type');
    expect(await api.getKey(key.id)).toEqual(key);
  });

  it("keeps a rotated key's reason when it is revoked in its grace period without a new one", async () => {
    const { key } = await api.createKey();
    const rotate = await api.server.call('POST', api.keyPath('internal-api', key.id, 'rotate'), {
      grace_period_seconds: 3600,
    });
    expect(rotate.status).toBe(201);
    api.advance(1000);
    const revoked = (await (await revoke(key.id, {})).json()) as ApiKey;
    expect(revoked).toMatchObject({
      status: 'revoked',
      revocation_reason: 'rotated',
      revoked_at: new Date(NOW.getTime() + 1000).toISOString(),
    });
    const events = (await (
      await api.server.call('GET', `/api-auth/apps/internal-api/audit-events?key_id=${key.id}`)
    ).json()) as {
      data: { action: string; changes: { field: string }[] }[];
    };
    // Only revoked_at changed, so only it is in the event.
    expect(events.data[0]).toMatchObject({ action: 'revoked', changes: [{ field: 'revoked_at' }] });
    expect(events.data[0]!.changes).toHaveLength(1);

    const other = await api.createKey();
    await api.server.call('POST', api.keyPath('internal-api', other.key.id, 'rotate'), { grace_period_seconds: 3600 });
    expect(await (await revoke(other.key.id, { reason: 'Leaked' })).json()).toMatchObject({
      revocation_reason: 'Leaked',
    });
  });

  it('refuses a reason over 256 characters or an unknown field, and changes nothing', async () => {
    const { key, secret } = await api.createKey();
    const long = await expectProblem(await revoke(key.id, { reason: 'x'.repeat(257) }), 400, 'invalid-request');
    expect(long.errors?.[0]?.pointer).toBe('/body/reason');
    const unknown = await expectProblem(
      await revoke(key.id, { reason: 'ok', revoked_by: 'me' }),
      400,
      'invalid-request',
    );
    expect(unknown.errors).toEqual([{ pointer: '/body/revoked_by', message: 'is not a field of this request' }]);
    expect(await api.getKey(key.id)).toEqual(key);
    expect((await api.verify(secret)).code).toBe('VALID');
  });

  it("answers 404 for another app's key and leaves it active", async () => {
    const billing = await api.createKey({ name: 'billing key' }, 'billing-api');
    await expectProblem(await revoke(billing.key.id), 404, 'key-not-found');
    await expectProblem(await revoke(randomUUID()), 404, 'key-not-found');
    expect((await api.getKey(billing.key.id, 'billing-api')).status).toBe('active');
  });
});
