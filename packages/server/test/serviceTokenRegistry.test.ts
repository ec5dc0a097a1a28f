import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../src/keys/secret.js';
import { issueServiceToken } from '../src/keys/serviceToken.js';
import type { KeyStore } from '../src/store/keyStore.js';
import { ServiceTokenRegistry } from '../src/store/serviceTokenRegistry.js';
import { AUDIT, storeKinds, type TestStore } from './support/stores.js';

describe.each(storeKinds)('the service token registry on $kind', ({ open }) => {
  let testStore: TestStore;
  afterEach(async () => {
    await testStore?.dispose();
  });

  it('does not keep accepting a revoked token after a failed read: the next request reads again', async () => {
    testStore = await open();
    const { store } = testStore;
    const { token, stored } = issueServiceToken('gateway', ['keys:verify'], { now: new Date() });
    await store.addServiceToken(stored, AUDIT);
    // The real store, whose reads of the tokens fail while `failing` is set.
    let failing = false;
    const flaky = Object.create(store, {
      liveServiceTokens: {
        value: () => (failing ? Promise.reject(new Error('connection lost')) : store.liveServiceTokens()),
      },
    }) as KeyStore;
    const errors: unknown[] = [];
    const registry = await ServiceTokenRegistry.open(flaky, (error) => errors.push(error));
    const hash = hashSecret(token);
    expect(registry.find(hash)).toEqual({ name: 'gateway', scopes: ['keys:verify'] });

    failing = true;
    await store.revokeToken('gateway', new Date(), AUDIT);
    expect(errors.length).toBeGreaterThan(0);
    // The read that should have dropped it failed: still known, for now.
    expect(registry.find(hash)).toBeDefined();

    failing = false;
    await sleep(1_100);
    registry.find(hash);
    await expect.poll(() => registry.find(hash), { timeout: 2_000 }).toBeUndefined();
  });
});
