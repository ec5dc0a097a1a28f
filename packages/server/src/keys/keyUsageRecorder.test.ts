import { describe, expect, it } from 'vitest';
import { KeyUsageRecorder } from './keyUsageRecorder.js';
import type { KeyUse } from './types.js';

function recorder() {
  const writes: KeyUse[][] = [];
  let clock = new Date('2026-06-01T12:00:00.000Z');
  const usage = new KeyUsageRecorder({
    store: { recordKeyUses: async (uses) => void writes.push([...uses]) },
    now: () => clock,
    flushAfterMs: 60_000,
  });
  return { usage, writes, advance: (ms: number) => (clock = new Date(clock.getTime() + ms)) };
}

describe('last-used batching', () => {
  it('writes the uses of many keys in one batch, each key once', async () => {
    const { usage, writes } = recorder();
    for (const id of ['a', 'b', 'a', 'c', 'b']) {
      usage.record(id);
    }
    await usage.flush();
    expect(writes).toEqual([
      [
        { id: 'a', usedAt: '2026-06-01T12:00:00.000Z' },
        { id: 'b', usedAt: '2026-06-01T12:00:00.000Z' },
        { id: 'c', usedAt: '2026-06-01T12:00:00.000Z' },
      ],
    ]);
  });

  it('writes a key again only a minute after its last write, and nothing when nothing was used', async () => {
    const { usage, writes, advance } = recorder();
    usage.record('a');
    await usage.flush();
    advance(59_999);
    usage.record('a');
    await usage.flush();
    expect(writes).toHaveLength(1);
    advance(1);
    usage.record('a');
    await usage.flush();
    expect(writes).toEqual([
      [{ id: 'a', usedAt: '2026-06-01T12:00:00.000Z' }],
      [{ id: 'a', usedAt: '2026-06-01T12:01:00.000Z' }],
    ]);
  });

  it('reports a failed write and keeps working', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const usage = new KeyUsageRecorder({
      store: {
        recordKeyUses: async () => {
          if (fail) {
            throw new Error('database down');
          }
        },
      },
      now: () => new Date(),
      onError: (error) => errors.push(error),
    });
    usage.record('a');
    await usage.flush();
    expect(errors).toEqual([new Error('database down')]);
    fail = false;
    usage.record('b');
    await expect(usage.flush()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
  });
});
