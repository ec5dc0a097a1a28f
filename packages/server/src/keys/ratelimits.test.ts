import { describe, expect, it } from 'vitest';
import { type AppliedLimit, appliedLimits, currentWindow, RatelimitWindows, ratelimitsOf } from './ratelimits.js';

const MINUTE = 60_000;
const AT = Date.parse('2026-06-01T12:00:30.000Z');
const limit = (name: string, max: number, cost = 1, durationMs = MINUTE): AppliedLimit => ({
  name,
  limit: max,
  durationMs,
  cost,
});

describe('appliedLimits', () => {
  const limits = ratelimitsOf([
    { name: 'requests', limit: 60, duration_ms: MINUTE, auto_apply: true },
    { name: 'exports', limit: 5, duration_ms: MINUTE },
  ]);

  it('applies the auto-applied limits at cost 1, and the named ones at their cost, in the key order', () => {
    expect(limits[1]?.auto_apply).toBe(false);
    expect(appliedLimits(limits)).toEqual([limit('requests', 60)]);
    expect(
      appliedLimits(limits, [
        { name: 'exports', cost: 3 },
        { name: 'requests', cost: 0 },
      ]),
    ).toEqual([limit('requests', 60, 0), limit('exports', 5, 3)]);
  });
});

describe('currentWindow', () => {
  it('continues the stored window while it lasts, and starts a fresh one when it ended or the duration changed', () => {
    const stored = { durationMs: MINUTE, start: Date.parse('2026-06-01T12:00:00.000Z'), hits: 7 };
    expect(currentWindow(stored, MINUTE, AT)).toBe(stored);
    expect(currentWindow(stored, MINUTE, AT + MINUTE)).toEqual({
      durationMs: MINUTE,
      start: stored.start + MINUTE,
      hits: 0,
    });
    expect(currentWindow(stored, 2 * MINUTE, AT).hits).toBe(0);
    // A window another instance opened a little ahead of this clock is the one counted in.
    const ahead = { ...stored, start: stored.start + MINUTE };
    expect(currentWindow(ahead, MINUTE, AT)).toBe(ahead);
  });
});

describe('RatelimitWindows', () => {
  it('counts a take in every limit or in none, and answers what is left and when the window resets', () => {
    const windows = new RatelimitWindows();
    const limits = [limit('requests', 3), limit('exports', 1)];
    expect(windows.take('lineage', limits, AT, false)).toMatchObject({
      taken: true,
      states: [
        { name: 'requests', limit: 3, remaining: 2, reset_at: '2026-06-01T12:01:00.000Z' },
        { name: 'exports', limit: 1, remaining: 0, reset_at: '2026-06-01T12:01:00.000Z' },
      ],
    });
    const refused = windows.take('lineage', limits, AT, false);
    // Refused outright: nothing held, so nothing to wait for.
    expect(refused.taken === false && refused.settled).toBeUndefined();
    expect(refused.states.map((state) => state.remaining)).toEqual([2, 0]);
    expect(windows.take('lineage', [limit('requests', 3)], AT, false).states[0]?.remaining).toBe(1);
    // Another lineage counts in windows of its own.
    expect(windows.take('other', limits, AT, false).taken).toBe(true);
  });

  it('holds a provisional take until it is confirmed, or gives its places back when released', () => {
    const windows = new RatelimitWindows();
    const requests = [limit('requests', 1)];
    const held = windows.take('lineage', requests, AT, true);
    if (!held.taken) {
      throw new Error('the first take fits');
    }
    expect(held.states[0]?.remaining).toBe(0);
    // Only the held place stands in the way: wait for it, rather than refuse.
    const waiting = windows.take('lineage', requests, AT, true);
    expect(waiting.taken).toBe(false);
    expect(waiting.taken === false && waiting.settled).toBeInstanceOf(Promise);
    expect(held.release()[0]?.remaining).toBe(1);
    const next = windows.take('lineage', requests, AT, true);
    expect(next.taken).toBe(true);
    if (next.taken) {
      next.confirm();
    }
    // Confirmed: the window is full for good, and a take is refused outright.
    const full = windows.take('lineage', requests, AT, true);
    expect(full.taken === false && full.settled).toBeUndefined();
  });

  it('wakes a take waiting on held places when they settle', async () => {
    const windows = new RatelimitWindows();
    const held = windows.take('lineage', [limit('requests', 1)], AT, true);
    const waiting = windows.take('lineage', [limit('requests', 1)], AT, true);
    let woken = false;
    void (waiting.taken === false ? waiting.settled : undefined)?.then(() => {
      woken = true;
    });
    await Promise.resolve();
    expect(woken).toBe(false);
    if (held.taken) {
      held.release();
    }
    await Promise.resolve();
    expect(woken).toBe(true);
  });

  it('drops ended windows a few at a time as takes come, keeping the live ones', () => {
    const windows = new RatelimitWindows();
    for (let i = 0; i < 10_000; i++) {
      windows.take(`old-${i}`, [limit('requests', 1)], AT, false);
    }
    windows.take('live', [limit('requests', 1, 1, 3_600_000)], AT, false);
    expect(windows.size).toBe(10_001);
    for (let i = 0; i < 10_000; i++) {
      windows.take(`new-${i}`, [limit('requests', 1)], AT + MINUTE, false);
    }
    // The minute's windows of `old-…` ended and are gone; the hour's window is still counted.
    expect(windows.size).toBe(10_001);
    expect(windows.take('live', [limit('requests', 1, 1, 3_600_000)], AT + MINUTE, false).taken).toBe(false);
  });
});
