import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdempotencyClaim } from '../src/store/idempotencyStore.js';
import { storeKinds, type TestStore } from './support/stores.js';

const T0 = new Date('2026-06-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const claim = (id: string, ms = 0, fingerprint = 'f1'): IdempotencyClaim => ({
  id,
  fingerprint,
  now: at(ms),
  expiresAt: at(ms + 86_400_000),
  staleBefore: at(ms - 120_000),
});

describe.each(storeKinds)('$kind idempotency records', ({ open }) => {
  let testStore: TestStore;
  beforeEach(async () => {
    testStore = await open();
  });
  afterEach(() => testStore.dispose());

  it('lets one request claim a key, shows the others it is running, then its answer', async () => {
    const { store } = testStore;
    expect(await store.claimIdempotencyKey(claim('a'))).toBeUndefined();
    expect(await store.claimIdempotencyKey(claim('a', 10, 'f2'))).toEqual({ fingerprint: 'f1', state: 'running' });
    await store.completeIdempotencyKey('a', at(0), Buffer.from('sealed answer'));
    expect(await store.claimIdempotencyKey(claim('a', 20))).toEqual({
      fingerprint: 'f1',
      state: 'done',
      response: Buffer.from('sealed answer'),
    });
    expect(await store.claimIdempotencyKey(claim('b'))).toBeUndefined();
  });

  it('gives the key up on release, after the lease of a request that never finished, and on expiry', async () => {
    const { store } = testStore;
    await store.claimIdempotencyKey(claim('released'));
    await store.releaseIdempotencyKey('released', at(0));
    expect(await store.claimIdempotencyKey(claim('released', 1))).toBeUndefined();

    await store.claimIdempotencyKey(claim('abandoned'));
    expect((await store.claimIdempotencyKey(claim('abandoned', 119_999)))?.state).toBe('running');
    expect(await store.claimIdempotencyKey(claim('abandoned', 120_000))).toBeUndefined();

    await store.claimIdempotencyKey(claim('done'));
    await store.completeIdempotencyKey('done', at(0), Buffer.from('x'));
    // A finished record is not abandoned: it stays until it expires.
    expect((await store.claimIdempotencyKey(claim('done', 3_600_000)))?.state).toBe('done');
    expect(await store.claimIdempotencyKey(claim('done', 86_400_000))).toBeUndefined();
  });

  it('sweeps expired records and only those', async () => {
    const { store } = testStore;
    await store.claimIdempotencyKey(claim('old'));
    await store.claimIdempotencyKey(claim('new', 3_600_000));
    expect(await store.deleteExpiredIdempotencyKeys(at(86_400_000))).toBe(1);
    expect((await store.claimIdempotencyKey(claim('new', 3_600_001)))?.state).toBe('running');
    expect(await store.deleteExpiredIdempotencyKeys(at(86_400_000))).toBe(0);
  });

  it('lets a request whose claim was taken over neither record nor release it', async () => {
    const { store } = testStore;
    await store.claimIdempotencyKey(claim('slow'));
    expect(await store.claimIdempotencyKey(claim('slow', 120_000, 'f1'))).toBeUndefined();
    // The first request, long after its lease: its answer and its release are both ignored.
    await store.completeIdempotencyKey('slow', at(0), Buffer.from('late answer'));
    await store.releaseIdempotencyKey('slow', at(0));
    expect(await store.claimIdempotencyKey(claim('slow', 120_001))).toEqual({ fingerprint: 'f1', state: 'running' });
    await store.completeIdempotencyKey('slow', at(120_000), Buffer.from('answer'));
    expect(await store.claimIdempotencyKey(claim('slow', 120_002))).toEqual({
      fingerprint: 'f1',
      state: 'done',
      response: Buffer.from('answer'),
    });
  });
});
