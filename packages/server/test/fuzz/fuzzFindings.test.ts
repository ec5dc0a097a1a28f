import type { ApiKey, ApiKeyWithSecret } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../support/lifecycleServer.js';
import { storeKinds } from '../support/stores.js';
import { TOKEN } from '../support/testServer.js';
import { FUZZ_SERVER_OPTIONS } from './fuzzSettings.js';

// What the fuzz suite found, each reduced to the exact request fast-check shrank it to, with what
// the contract (spec/openapi.yaml 2.x) says the answer must be: regression tests for the fixes.

describe.each(storeKinds)('fuzz findings on $kind', ({ open }) => {
  const api = lifecycleServer(open, FUZZ_SERVER_OPTIONS);

  const post = (body: string | Uint8Array<ArrayBuffer>, contentType = 'application/json') =>
    fetch(`${api.server.url}${api.keys('internal-api')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType },
      body,
    });

  async function refusedAndNothingStored(response: Response, before: number) {
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await api.store.countKeys()).toBe(before);
  }

  it('lists the keys of an owner holding U+0000 (GET …/keys?owner=%00): an empty page, not a 500', async () => {
    const response = await api.server.call('GET', `${api.keys('internal-api')}?owner=%00`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: [], next_cursor: null });
  });

  it('answers and stores an expiry with ten fractional digits as the instant sent (.0010000000 is 1 ms, not 10)', async () => {
    const response = await post('{"name":"a","expires_at":"2030-01-01T00:00:00.0010000000Z"}');
    expect(response.status).toBe(201);
    const { key } = (await response.json()) as ApiKeyWithSecret;
    expect(key.expires_at).toBe('2030-01-01T00:00:00.001Z');
    const updated = await api.server.call('PATCH', api.keyPath('internal-api', key.id), {
      expires_at: '2141-12-23T04:36:57.001000000000001Z',
    });
    expect(updated.status).toBe(200);
    expect(((await updated.json()) as ApiKey).expires_at).toMatch(/^2141-12-23T04:36:57\.00[12]Z$/);
  });

  it('refuses an expiry a tenth of a microsecond later than 9999-12-31T23:59:59.999Z', async () => {
    const before = await api.store.countKeys();
    await refusedAndNothingStored(await post('{"name":"a","expires_at":"9999-12-31T23:59:59.9991Z"}'), before);
  });

  it('accepts an expiry a tenth of a microsecond after now (2026-06-01T12:00:00Z), as an active key', async () => {
    const response = await post('{"name":"a","expires_at":"2026-06-01T12:00:00.0001Z"}');
    expect(response.status).toBe(201);
    expect(((await response.json()) as ApiKeyWithSecret).key.status).toBe('active');
  });

  it('refuses a body that is not UTF-8 even when labelled charset=utf-16le', async () => {
    const before = await api.store.countKeys();
    await refusedAndNothingStored(
      await post(new Uint8Array(Buffer.from('{"name":"a"}', 'utf16le')), 'application/json; charset=utf-16le'),
      before,
    );
  });

  it('does not answer a metadata number beyond a double (1e400) as null: it refuses it', async () => {
    const before = await api.store.countKeys();
    const response = await post('{"name":"a","metadata":{"":-1e400}}');
    // Accepting it can only answer something other than what was sent ({"":null}).
    await refusedAndNothingStored(response, before);
  });
});
