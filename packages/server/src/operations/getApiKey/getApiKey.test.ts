import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

describe.each(storeKinds)('getApiKey on $kind', ({ open }) => {
  const api = lifecycleServer(open);

  it('answers 200 with the record exactly as create answered it, without the secret', async () => {
    const created = await api.createKey({
      name: 'billing export',
      permissions: ['users:*'],
      metadata: { a: [1, { b: null }] },
      owner: 'team-a',
      environment: 'staging',
    });
    const response = await api.server.call('GET', api.keyPath('internal-api', created.key.id));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual(created.key);
    expect(text).not.toContain(created.secret);
  });

  it('answers a key of another app exactly like a key that does not exist', async () => {
    const billing = await api.createKey({ name: 'billing key' }, 'billing-api');
    const foreign = await expectProblem(
      await api.server.call('GET', api.keyPath('internal-api', billing.key.id)),
      404,
      'key-not-found',
    );
    const missingId = randomUUID();
    const missing = await expectProblem(
      await api.server.call('GET', api.keyPath('internal-api', missingId)),
      404,
      'key-not-found',
    );
    expect(foreign.detail.replace(billing.key.id, '<id>')).toBe(missing.detail.replace(missingId, '<id>'));
    expect(foreign.title).toBe(missing.title);
  });

  it('answers 404 app-not-found for an unknown app, and 400 for an id that is not a UUID', async () => {
    const unknownApp = await expectProblem(
      await api.server.call('GET', api.keyPath('no-such-app', randomUUID())),
      404,
      'app-not-found',
    );
    expect(unknownApp.detail).toContain("'no-such-app'");
    const badId = await expectProblem(
      await api.server.call('GET', api.keyPath('internal-api', 'not-a-uuid')),
      400,
      'invalid-request',
    );
    expect(badId.errors?.[0]?.pointer).toBe('/path/keyId');
  });

  it('answers 401 without a token', async () => {
    const created = await api.createKey();
    await expectProblem(
      await api.server.call('GET', api.keyPath('internal-api', created.key.id), undefined, { token: null }),
      401,
      'unauthorized',
    );
  });
});
