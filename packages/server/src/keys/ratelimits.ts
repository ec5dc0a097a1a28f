import type { components } from '@apikeys/types';

/** A key's rate limit as its record shows it. */
export type Ratelimit = components['schemas']['Ratelimit'];
/** What createApiKey and updateApiKey take: `auto_apply` may be left out. */
export type RatelimitInput = components['schemas']['RatelimitsInput'][number];
/** A limit's window as a verification left it. */
export type RatelimitState = components['schemas']['RatelimitState'];
/** What a verification names: limits and their costs. */
export type RatelimitRequest = NonNullable<components['schemas']['VerifyApiKeyRequest']['ratelimits']>[number];

/** A limit a verification counts against, and what it costs there. */
export interface AppliedLimit {
  name: string;
  limit: number;
  durationMs: number;
  cost: number;
}

/** A limit's window as counted: its length, when it began (ms since the epoch), what it has admitted. */
export interface StoredWindow {
  durationMs: number;
  start: number;
  hits: number;
}

/** The records' form: fields in the contract's order, `auto_apply` false when left out. */
export const ratelimitsOf = (input: readonly RatelimitInput[]): Ratelimit[] =>
  input.map(({ name, limit, duration_ms, auto_apply }) => ({
    name,
    limit,
    duration_ms,
    // The request check fills in the contract's default; callers other than HTTP may leave it out.
    auto_apply: auto_apply ?? false,
  }));

/**
 * The limits a verification counts against, in the key's order: the auto-applied ones (cost 1
 * unless named) and the ones it names. Every name requested must be one of the key's (the
 * operation checks that first).
 */
export function appliedLimits(
  limits: readonly Ratelimit[],
  requested: readonly RatelimitRequest[] = [],
): AppliedLimit[] {
  const costs = new Map(requested.map(({ name, cost }) => [name, cost ?? 1]));
  return limits
    .filter((limit) => limit.auto_apply || costs.has(limit.name))
    .map((limit) => ({
      name: limit.name,
      limit: limit.limit,
      durationMs: limit.duration_ms,
      cost: costs.get(limit.name) ?? 1,
    }));
}

/** The start of the fixed window of `durationMs` (aligned to the epoch) that `at` falls in. */
export const windowStart = (durationMs: number, at: number) => at - (at % durationMs);

/**
 * The window a verification at `at` counts in, from the one stored (if any): the stored one while
 * it lasts (a window of another instance whose clock is ahead included, so that a skew never
 * admits more), a fresh one when it has ended or the limit's duration changed.
 */
export function currentWindow(stored: StoredWindow | undefined, durationMs: number, at: number): StoredWindow {
  const start = windowStart(durationMs, at);
  return stored && stored.durationMs === durationMs && stored.start >= start ? stored : { durationMs, start, hits: 0 };
}

/** What a window shows a caller: what is left of the limit, and when the next window starts. */
export const stateOf = (limit: AppliedLimit, window: StoredWindow): RatelimitState => ({
  name: limit.name,
  limit: limit.limit,
  remaining: Math.max(0, limit.limit - window.hits),
  reset_at: new Date(window.start + window.durationMs).toISOString(),
});

/** What counting a verification against its limits did: all or none of them counted it. */
export interface Take {
  taken: boolean;
  /** Each limit's window afterwards, in the order the limits were given. */
  states: RatelimitState[];
  /**
   * Undoes a take that counted (a later check refused the verification) in the windows it
   * counted in (a window that has ended since is left alone): the states as they were before it.
   */
  release(): RatelimitState[];
}

const ENTRY_FLOOR = 1024;

/**
 * Rate-limit windows in this process's memory, by lineage and limit name (SQLite's: one process
 * serves a SQLite database; PostgreSQL counts in its database, see postgresUsage.ts). Each take
 * is all or nothing, so that a verification refused by one limit counts in none, and can be
 * released when a later check (credits) refuses it. Ended windows are dropped as the map grows.
 */
export class RatelimitWindows {
  private readonly windows = new Map<string, StoredWindow>();
  private sweepAt = ENTRY_FLOOR;

  take(usageId: string, limits: readonly AppliedLimit[], at: number): Take {
    const windows = limits.map((limit) =>
      currentWindow(this.windows.get(`${usageId}\0${limit.name}`), limit.durationMs, at),
    );
    const taken = limits.every((limit, index) => windows[index]!.hits + limit.cost <= limit.limit);
    const states = () => limits.map((limit, index) => stateOf(limit, windows[index]!));
    if (!taken) {
      return { taken, states: states(), release: states };
    }
    limits.forEach((limit, index) => {
      const window = windows[index]!;
      window.hits += limit.cost;
      this.windows.set(`${usageId}\0${limit.name}`, window);
    });
    this.sweep(at);
    return {
      taken,
      states: states(),
      release: () => {
        limits.forEach((limit, index) => {
          windows[index]!.hits -= limit.cost;
        });
        return states();
      },
    };
  }

  get size(): number {
    return this.windows.size;
  }

  private sweep(at: number): void {
    if (this.windows.size < this.sweepAt) {
      return;
    }
    for (const [key, window] of this.windows) {
      if (window.start + window.durationMs <= at) {
        this.windows.delete(key);
      }
    }
    // Twice what is live: the sweeps cost O(1) a take, amortised.
    this.sweepAt = Math.max(ENTRY_FLOOR, 2 * this.windows.size);
  }
}
