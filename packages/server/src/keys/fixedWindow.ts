export interface WindowLimit {
  /** Hits allowed per key in one window. */
  limit: number;
  windowMs: number;
}

/** A key's hits in its current window, this one included, and when that window ends (epoch ms). */
export interface WindowCount {
  hits: number;
  resetAt: number;
}

/** Where a rate limit counts: this process's memory, or a database the instances share. */
export interface WindowCounter {
  count(key: string, time: number): WindowCount | Promise<WindowCount>;
}

/**
 * Counts hits per key in fixed windows, in this process's memory, for at most `maxKeys` keys, so
 * that a flood of keys (addresses, say) cannot grow it without bound. The map is kept in the order
 * the windows opened: ended windows are dropped from its front as new ones open, and when it is
 * full of live windows the oldest goes (its key starts again from zero, the price of the bound).
 */
export class FixedWindowCounter implements WindowCounter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: WindowLimit,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts one hit; answers the seconds to wait when the key is over its limit. */
  hit(key: string, time: number): { over: false } | { over: true; retryAfter: number } {
    const window = this.current(key, time) ?? this.open(key, time);
    window.count++;
    return this.verdict(window, time);
  }

  /** Counts one hit; answers the hits in the key's window so far and when it ends. */
  count(key: string, time: number): WindowCount {
    const window = this.current(key, time) ?? this.open(key, time);
    window.count++;
    return { hits: window.count, resetAt: window.start + this.limit.windowMs };
  }

  /** The same answer as hit() would give, without counting. */
  check(key: string, time: number): { over: false } | { over: true; retryAfter: number } {
    const window = this.current(key, time);
    return window ? this.verdict({ ...window, count: window.count + 1 }, time) : { over: false };
  }

  private current(key: string, time: number) {
    const window = this.windows.get(key);
    return window && time - window.start < this.limit.windowMs ? window : undefined;
  }

  /** How many keys it holds now. */
  get size(): number {
    return this.windows.size;
  }

  private open(key: string, time: number) {
    this.windows.delete(key);
    for (const [other, window] of this.windows) {
      if (this.windows.size < this.maxKeys && time - window.start < this.limit.windowMs) {
        break;
      }
      this.windows.delete(other);
    }
    const window = { start: time, count: 0 };
    this.windows.set(key, window);
    return window;
  }

  private verdict(window: { start: number; count: number }, time: number) {
    if (window.count <= this.limit.limit) {
      return { over: false } as const;
    }
    return {
      over: true,
      retryAfter: Math.max(1, Math.ceil((window.start + this.limit.windowMs - time) / 1000)),
    } as const;
  }
}
