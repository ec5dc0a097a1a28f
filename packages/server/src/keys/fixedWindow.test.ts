import { describe, expect, it } from 'vitest';
import { FixedWindowCounter } from './fixedWindow.js';

describe('FixedWindowCounter', () => {
  const limit = { limit: 2, windowMs: 60_000 };

  it('refuses a key past its limit until its window ends', () => {
    const counter = new FixedWindowCounter(limit);
    expect(counter.hit('a', 0)).toEqual({ over: false });
    expect(counter.hit('a', 1000)).toEqual({ over: false });
    expect(counter.check('a', 2000)).toEqual({ over: true, retryAfter: 58 });
    expect(counter.hit('b', 2000)).toEqual({ over: false });
    expect(counter.hit('a', 60_000)).toEqual({ over: false });
  });

  it('holds at most maxKeys keys under a flood of new ones within one window, dropping the oldest', () => {
    const counter = new FixedWindowCounter(limit, 1000);
    for (let i = 0; i < 100_000; i++) {
      counter.hit(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, i);
    }
    expect(counter.size).toBe(1000);
    // The newest keys are still counted, the oldest were let go.
    counter.hit('10.1.134.159', 100_000);
    expect(counter.check('10.1.134.159', 100_000).over).toBe(true);
    expect(counter.check('10.0.0.0', 100_000).over).toBe(false);
  });

  it('drops ended windows as new ones open, so that a quiet flood leaves nothing behind', () => {
    const counter = new FixedWindowCounter(limit, 1000);
    for (let i = 0; i < 500; i++) {
      counter.hit(`a${i}`, 0);
    }
    counter.hit('later', limit.windowMs);
    expect(counter.size).toBe(1);
  });

  it('keeps a key whose window opens again behind the newer ones', () => {
    const counter = new FixedWindowCounter(limit, 2);
    counter.hit('a', 0);
    counter.hit('b', 30_000);
    counter.hit('a', 60_000);
    counter.hit('c', 61_000);
    // b (opened at 30 s) was the oldest live window, so it went; a, reopened at 60 s, stayed.
    counter.hit('a', 61_000);
    expect(counter.check('a', 61_000).over).toBe(true);
    expect(counter.size).toBe(2);
  });
});
