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
    expect(windows.take('lineage', limits, AT)).toMatchObject({
      taken: true,
      states: [
        { name: 'requests', limit: 3, remaining: 2, reset_at: '2026-06-01T12:01:00.000Z' },
        { name: 'exports', limit: 1, remaining: 0, reset_at: '2026-06-01T12:01:00.000Z' },
      ],
    });
    const refused = windows.take('lineage', limits, AT);
    expect(refused.taken).toBe(false);
    expect(refused.states.map((state) => state.remaining)).toEqual([2, 0]);
    expect(windows.take('lineage', [limit('requests', 3)], AT).states[0]?.remaining).toBe(1);
    // Another lineage counts in windows of its own.
    expect(windows.take('other', limits, AT).taken).toBe(true);
  });

  it('gives a released take back to the windows it counted in', () => {
    const windows = new RatelimitWindows();
    const take = windows.take('lineage', [limit('requests', 2, 2)], AT);
    expect(take.states[0]?.remaining).toBe(0);
    expect(take.release()[0]?.remaining).toBe(2);
    expect(windows.take('lineage', [limit('requests', 2, 2)], AT).taken).toBe(true);
  });

  it('drops ended windows as it grows, keeping the live ones', () => {
    const windows = new RatelimitWindows();
    for (let i = 0; i < 10_000; i++) {
      windows.take(`old-${i}`, [limit('requests', 1)], AT);
    }
    windows.take('live', [limit('requests', 1, 1, 3_600_000)], AT);
    for (let i = 0; i < 10_000; i++) {
      windows.take(`new-${i}`, [limit('requests', 1)], AT + MINUTE);
    }
    // The minute's windows of `old-…` ended: swept, and far fewer held than were ever opened.
    expect(windows.size).toBeLessThanOrEqual(10_001);
    expect(windows.take('live', [limit('requests', 1, 1, 3_600_000)], AT + MINUTE).taken).toBe(false);
  });
});
