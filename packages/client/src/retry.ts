import { ApiKeysError, ApiKeysNetworkError } from './errors.js';

export interface RetryOptions {
  /** Requests in all, the first one included. Default 3; 1 makes no retry. */
  maxAttempts?: number;
  /** The ceiling of the first wait; it doubles with each retry up to maxDelayMs. Default 200 ms. */
  baseDelayMs?: number;
  /** Default 5 000 ms. */
  maxDelayMs?: number;
  /** No retry starts later than this after the first request. Default 30 000 ms. */
  deadlineMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5_000, deadlineMs: 30_000 };

const RETRIED_STATUSES = new Set([429, 502, 503, 504]);
const IN_USE = 'urn:apikeys:problem:idempotency-key-in-use';

/** A failure worth another attempt: no answer, a gateway or load problem, or a retry that overtook its first attempt. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ApiKeysNetworkError) {
    return true;
  }
  if (!(error instanceof ApiKeysError)) {
    return false;
  }
  return RETRIED_STATUSES.has(error.status) || (error.status === 409 && error.type === IN_USE);
}

/** Exponential backoff with full jitter: a uniform wait up to base·2^(retry-1), capped. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1)));
}

/** Retry-After in milliseconds (seconds or an HTTP date), when the answer has one. */
export function retryAfterMs(error: unknown, now = Date.now()): number | undefined {
  const value = error instanceof ApiKeysError ? error.headers.get('retry-after') : null;
  if (!value) {
    return undefined;
  }
  if (/^\d+$/.test(value)) {
    return Number(value) * 1000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Waits, unless the caller aborts first. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
