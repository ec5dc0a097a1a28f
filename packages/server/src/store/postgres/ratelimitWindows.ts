import {
  type AppliedLimit,
  currentWindow,
  type RatelimitState,
  type StoredWindow,
  stateOf,
  windowStart,
} from '../../keys/ratelimits.js';
import { step, type Work } from '../shared/sql.js';
import type { ForgottenWindows } from '../shared/sqlKeyStore.js';

// The stored window continues while it lasts (one of an instance whose clock is ahead included)
// and while the limit's duration is the same; otherwise this verification starts a new one, as
// currentWindow() (keys/ratelimits.ts) decides in memory.
const SAME_WINDOW = 'w.duration_ms = excluded.duration_ms AND w.window_start >= excluded.window_start';

/**
 * Counts @cost in the limit's window when it fits: one statement, so that the row orders
 * concurrent verifications (other instances' included) and none is admitted past the limit. No
 * row: it does not fit (FIND_WINDOW says how full the window is).
 */
const TAKE_WINDOW = `INSERT INTO key_ratelimit_windows AS w (usage_id, name, duration_ms, window_start, hits)
  SELECT @usage_id::uuid, @name::text, @duration_ms::bigint, @window_start::bigint, @cost::bigint WHERE @cost::bigint <= @limit::bigint
  ON CONFLICT (usage_id, name) DO UPDATE SET
    hits = CASE WHEN ${SAME_WINDOW} THEN w.hits + excluded.hits ELSE excluded.hits END,
    window_start = CASE WHEN ${SAME_WINDOW} THEN w.window_start ELSE excluded.window_start END,
    duration_ms = excluded.duration_ms
  WHERE NOT (${SAME_WINDOW}) OR w.hits + excluded.hits <= @limit::bigint
  RETURNING duration_ms, window_start, hits`;

const FIND_WINDOW = `SELECT duration_ms, window_start, hits FROM key_ratelimit_windows
  WHERE usage_id = @usage_id::uuid AND name = @name::text`;

/** PostgreSQL answers a bigint as text. */
interface WindowRow {
  duration_ms: string | number;
  window_start: string | number;
  hits: string | number;
}

const toWindow = (row: WindowRow): StoredWindow => ({
  durationMs: Number(row.duration_ms),
  start: Number(row.window_start),
  hits: Number(row.hits),
});

/** What counting did: whether every limit took it, each window after it, and before it (to answer if undone). */
export interface WindowsTaken {
  taken: boolean;
  states: RatelimitState[];
  statesBefore: RatelimitState[];
}

/**
 * Within a transaction: counts a verification at `at` in each limit's window, in name order (so
 * that two transactions lock the rows in one order and cannot deadlock), stopping at the first
 * that does not fit; the caller then rolls back. States are in the order given.
 */
export function* takeWindows(usageId: string, limits: readonly AppliedLimit[], at: number): Work<WindowsTaken> {
  const windows = new Map<string, StoredWindow>();
  let taken = true;
  for (const limit of [...limits].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const params = {
      usage_id: usageId,
      name: limit.name,
      duration_ms: limit.durationMs,
      window_start: windowStart(limit.durationMs, at),
      cost: limit.cost,
      limit: limit.limit,
    };
    const row = yield* step.get<WindowRow>(TAKE_WINDOW, params);
    if (!row) {
      taken = false;
      break;
    }
    windows.set(limit.name, toWindow(row));
  }
  const states: RatelimitState[] = [];
  const statesBefore: RatelimitState[] = [];
  for (const limit of limits) {
    const counted = windows.get(limit.name);
    if (counted) {
      states.push(stateOf(limit, counted));
      statesBefore.push(stateOf(limit, { ...counted, hits: counted.hits - limit.cost }));
      continue;
    }
    // Refused: the windows as they stand (this transaction's counts are rolled back).
    const row = yield* step.get<WindowRow>(FIND_WINDOW, { usage_id: usageId, name: limit.name });
    const state = stateOf(limit, currentWindow(row && toWindow(row), limit.durationMs, at));
    states.push(state);
    statesBefore.push(state);
  }
  if (!taken) {
    return { taken, states: statesBefore, statesBefore };
  }
  return { taken, states, statesBefore };
}

/** The windows of a deleted app's lineages, or of the limits a lineage no longer has. */
export function* forgetWindows(forget: ForgottenWindows): Work<void> {
  if ('appSlug' in forget) {
    yield* step.run(
      `DELETE FROM key_ratelimit_windows WHERE usage_id IN (SELECT usage_id FROM api_keys WHERE app_slug = @app_slug)`,
      { app_slug: forget.appSlug },
    );
    return;
  }
  // Names are letters, digits and `_.:-` (RatelimitName): safe in an array literal.
  yield* step.run(
    'DELETE FROM key_ratelimit_windows WHERE usage_id = @usage_id::uuid AND name = ANY (@names::text[])',
    {
      usage_id: forget.usageId,
      names: `{${forget.names.join(',')}}`,
    },
  );
}
