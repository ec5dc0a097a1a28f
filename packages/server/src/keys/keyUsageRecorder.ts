import type { KeyUse } from './types.js';

export interface KeyUsageOptions {
  /** Where uses are written: the key store's recordKeyUses. */
  store: { recordKeyUses(uses: readonly KeyUse[]): Promise<void> };
  now: () => Date;
  /** How long a first use waits to be written, so that uses arriving together share one write. */
  flushAfterMs?: number;
  /** At most one write per key in this interval. */
  minIntervalMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Keeps `last_used_at` off the verification path: uses are written in batches a moment later,
 * and a key already written within the last minute is not written again.
 */
export class KeyUsageRecorder {
  private readonly pending = new Map<string, string>();
  /** When each key's use was last queued; entries older than minIntervalMs are dropped at each flush. */
  private readonly lastQueued = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly flushAfterMs: number;
  private readonly minIntervalMs: number;

  constructor(private readonly options: KeyUsageOptions) {
    this.flushAfterMs = options.flushAfterMs ?? 1000;
    this.minIntervalMs = options.minIntervalMs ?? 60_000;
  }

  record(id: string): void {
    const now = this.options.now();
    const last = this.lastQueued.get(id);
    if (last !== undefined && now.getTime() - last < this.minIntervalMs) {
      return;
    }
    this.lastQueued.set(id, now.getTime());
    this.pending.set(id, now.toISOString());
    // unref: a pending write never keeps the process alive; close() flushes it on shutdown.
    this.timer ??= setTimeout(() => void this.flush(), this.flushAfterMs).unref();
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const uses = [...this.pending].map(([id, usedAt]) => ({ id, usedAt }));
    this.pending.clear();
    const now = this.options.now().getTime();
    for (const [id, queued] of this.lastQueued) {
      if (now - queued >= this.minIntervalMs) {
        this.lastQueued.delete(id);
      }
    }
    if (uses.length === 0) {
      return;
    }
    try {
      await this.options.store.recordKeyUses(uses);
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}
