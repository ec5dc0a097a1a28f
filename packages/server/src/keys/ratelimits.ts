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
export type Take =
  | {
      taken: true;
      /** Each limit's window afterwards, in the order the limits were given. */
      states: RatelimitState[];
      /** A provisional take's verification was VALID after all: its places count for good. */
      confirm(): void;
      /** A provisional take's verification was refused later (credits): its places go back; the states before it. */
      release(): RatelimitState[];
    }
  | {
      taken: false;
      states: RatelimitState[];
      /**
       * Present when only places held by verifications not yet settled stand in the way: resolves
       * once one of them settles, to try again. Absent: the windows are full.
       */
      settled?: Promise<void>;
    };

/** A window in memory: its settled hits, and the places held by verifications still being decided. */
interface MemoryWindow extends StoredWindow {
  held: number;
  wakes: (() => void)[];
}

// Entries looked at per take for ended windows: enough to keep up with any rate of new ones,
// few enough that no take waits on a sweep of the whole map.
const SWEEP_PER_TAKE = 4;

/**
 * Rate-limit windows in this process's memory, by lineage and limit name (SQLite's: one process
 * serves a SQLite database's verifications; PostgreSQL counts in its database, see
 * store/postgres/ratelimitWindows.ts). A take is all or nothing. One that later checks may still
 * refuse (credits) is provisional: it holds its places until confirmed or released, and a
 * verification that only those places would refuse waits for them to settle instead, so that a
 * refused verification never takes a place from another. Ended windows are dropped a few at a
 * time as takes come.
 */
export class RatelimitWindows {
  private readonly windows = new Map<string, MemoryWindow>();

  take(usageId: string, limits: readonly AppliedLimit[], at: number, provisional: boolean): Take {
    this.sweep(at);
    const windows = limits.map((limit) => this.window(`${usageId}\0${limit.name}`, limit.durationMs, at));
    const states = () =>
      limits.map((limit, index) => {
        const window = windows[index]!;
        return stateOf(limit, { ...window, hits: window.hits + window.held });
      });
    if (limits.some((limit, index) => windows[index]!.hits + limit.cost > limit.limit)) {
      return { taken: false, states: states() };
    }
    const blocking = windows.filter(
      (window, index) => window.hits + window.held + limits[index]!.cost > limits[index]!.limit,
    );
    if (blocking.length > 0) {
      const settled = new Promise<void>((resolve) => {
        for (const window of blocking) {
          window.wakes.push(resolve);
        }
      });
      return { taken: false, states: states(), settled };
    }
    limits.forEach((limit, index) => {
      const window = windows[index]!;
      if (provisional) {
        window.held += limit.cost;
      } else {
        window.hits += limit.cost;
      }
      this.windows.set(`${usageId}\0${limit.name}`, window);
    });
    const taken = states();
    const settle = (counted: boolean) =>
      limits.forEach((limit, index) => {
        const window = windows[index]!;
        window.held -= limit.cost;
        window.hits += counted ? limit.cost : 0;
        for (const wake of window.wakes.splice(0)) {
          wake();
        }
      });
    return {
      taken: true,
      states: taken,
      confirm: () => settle(true),
      release: () => {
        settle(false);
        return states();
      },
    };
  }

  /** The lineage's limits of these names no longer exist: their windows go. */
  forget(usageId: string, names: readonly string[]): void {
    for (const name of names) {
      this.windows.delete(`${usageId}\0${name}`);
    }
  }

  get size(): number {
    return this.windows.size;
  }

  /** The window counted in now: the stored one while it lasts, else a new one (a take still holding the old settles that). */
  private window(key: string, durationMs: number, at: number): MemoryWindow {
    const stored = this.windows.get(key);
    return stored && currentWindow(stored, durationMs, at) === stored
      ? stored
      : { ...currentWindow(undefined, durationMs, at), held: 0, wakes: [] };
  }

  /** Looks at the oldest few entries: an ended one goes, a live one moves to the back. */
  private sweep(at: number): void {
    for (let looked = 0; looked < SWEEP_PER_TAKE && looked < this.windows.size; looked++) {
      const [key, window] = this.windows.entries().next().value!;
      this.windows.delete(key);
      if (window.start + window.durationMs > at) {
        this.windows.set(key, window);
      }
    }
  }
}
