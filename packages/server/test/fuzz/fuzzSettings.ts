import type { Parameters } from 'fast-check';
import type { ServerOptions } from '../../src/compose.js';

// How long the fuzz suite runs. `npm test` runs each property a bounded number of times from a
// fixed seed, so that every run sends the same requests; `pnpm fuzz --runs N --seed S` (scripts/
// fuzz.mjs) sets FUZZ_RUNS and FUZZ_SEED to run the same suite longer or from another seed, and
// `--path P` (FUZZ_PATH) replays one counterexample that fast-check reported.

const positiveInteger = (name: string): number | undefined => {
  const text = process.env[name];
  if (text === undefined || text === '') {
    return undefined;
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < (name === 'FUZZ_SEED' ? -(2 ** 31) : 1)) {
    throw new Error(`${name} must be an integer, not ${JSON.stringify(text)}`);
  }
  return value;
};

const runsOverride = positiveInteger('FUZZ_RUNS');
const replayPath = process.env.FUZZ_PATH || undefined;

/**
 * Whether a run was long enough to expect both valid and invalid requests (and, for verifyApiKey,
 * every verdict): not when replaying one counterexample (FUZZ_PATH) or for a handful of runs.
 */
export const expectsCoverage = (numRuns: number): boolean => replayPath === undefined && numRuns >= 100;

export const FUZZ_SEED = positiveInteger('FUZZ_SEED') ?? 20_260_601;

/** Each property's run count: its default in `npm test`, or FUZZ_RUNS. */
export const fuzzRuns = (defaultRuns: number): number => runsOverride ?? defaultRuns;

export function fuzzParameters(numRuns: number): Parameters<unknown> {
  return {
    seed: FUZZ_SEED,
    numRuns,
    // The failing request and answer are in the error; print them with the counterexample.
    includeErrorInReport: true,
    ...(replayPath ? { path: replayPath, endOnFailure: true } : {}),
  };
}

/** Room for the runs and for shrinking a counterexample (each step is a real request); not an assertion. */
export const fuzzTimeout = (numRuns: number): number => 120_000 + numRuns * 100;

/** The server under fuzz: every request counts against the rate limit, so lift it. */
export const FUZZ_SERVER_OPTIONS: Partial<ServerOptions> = {
  rateLimit: { limit: Number.MAX_SAFE_INTEGER, windowMs: 60_000 },
};
