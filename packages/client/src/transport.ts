import createClient, { type Client } from 'openapi-fetch';
import { ApiKeysError, ApiKeysNetworkError, ApiKeysTimeoutError, problemFrom } from './errors.js';
import type { paths } from './generated/openapi.js';
import { backoffDelay, DEFAULT_RETRY, isRetryable, type RetryOptions, retryAfterMs, sleep } from './retry.js';

export interface ApiKeysClientOptions {
  /** Where the API is, e.g. `https://apikeys.internal` or the mock's `http://127.0.0.1:4010`. */
  baseUrl: string;
  /** A service token the server accepts; sent as `Authorization: Bearer <token>`. */
  token: string;
  /** A fetch implementation; the global `fetch` by default. */
  fetch?: typeof fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Give up on a request after this many milliseconds (ApiKeysTimeoutError). Default 10 000; 0 for none. */
  timeoutMs?: number;
  /**
   * How calls that are safe to repeat are retried (as the contract declares: GET and HEAD, the
   * operations with an Idempotency-Key, and those marked `x-retryable`; today every operation but
   * updateApiKey); `false` for never.
   */
  retry?: RetryOptions | false;
}

export interface RequestOptions {
  /** Cancels the request; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Headers for this request only, e.g. `{ Prefer: 'code=404' }` against the mock. */
  headers?: Record<string, string>;
  /** Overrides the client's timeout for this request. */
  timeoutMs?: number;
  /** Overrides the client's retry policy for this request. */
  retry?: RetryOptions | false;
}

export interface IdempotentRequestOptions extends RequestOptions {
  /**
   * The Idempotency-Key sent with the call and with each of its retries; one is made for every
   * call when none is given. Pass your own to make a retry of your own (after a crash, say) safe.
   */
  idempotencyKey?: string;
}

/** What an operation hands openapi-fetch besides its own params and body. */
interface CallInit {
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** The part of openapi-fetch's answer the transport reads. */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * Runs one call of openapi-fetch and gives it a single outcome: the parsed 2xx body, or one of
 * the client's errors. A call marked `repeatable` is retried by the retry policy.
 */
export type Send = <T>(
  requestOptions: RequestOptions | undefined,
  call: (api: Client<paths>, init: CallInit) => Promise<Answer<T>>,
  repeatable?: boolean,
) => Promise<T>;

/** What the generated methods (generated/bindOperations.ts) are bound to. */
export interface OperationRuntime {
  send: Send;
  /** Every item of a listing, page after page, until its `next_cursor` is null. */
  everyPage: <Item>(
    operationId: string,
    page: (cursor: string | undefined) => Promise<{ data: Item[]; next_cursor: string | null }>,
  ) => AsyncIterable<Item>;
  /** The Idempotency-Key of one call: the caller's, or a new one. */
  idempotencyKey: (options: IdempotentRequestOptions) => string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function createTransport(options: ApiKeysClientOptions): Send {
  const api = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { ...options.headers, Authorization: `Bearer ${options.token}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  const once = async <T>(
    requestOptions: RequestOptions,
    call: (api: Client<paths>, init: CallInit) => Promise<Answer<T>>,
  ): Promise<T> => {
    const timeoutMs = requestOptions.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
    const signals = [requestOptions.signal, timeout].filter((signal): signal is AbortSignal => signal !== undefined);
    let answer: Answer<T>;
    try {
      answer = await call(api, {
        ...(requestOptions.headers ? { headers: requestOptions.headers } : {}),
        ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
      });
    } catch (error) {
      if (requestOptions.signal?.aborted) {
        throw requestOptions.signal.reason;
      }
      if (timeout?.aborted) {
        throw new ApiKeysTimeoutError(`No answer from ${options.baseUrl} within ${timeoutMs} ms`, { cause: error });
      }
      throw new ApiKeysNetworkError(`No answer from ${options.baseUrl}: ${(error as Error).message}`, { cause: error });
    }
    const { data, error, response } = answer;
    // openapi-fetch types `error` only for declared statuses; any non-2xx is an error here.
    if (!response.ok || data === undefined) {
      throw new ApiKeysError(
        response.status,
        problemFrom(response.status, response.statusText, error),
        response.headers,
      );
    }
    return data;
  };

  return async (requestOptions = {}, call, repeatable = false) => {
    const chosen = requestOptions.retry ?? options.retry;
    const policy = repeatable && chosen !== false ? { ...DEFAULT_RETRY, ...chosen } : undefined;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(requestOptions, call);
      } catch (error) {
        const wait =
          policy && attempt < policy.maxAttempts && isRetryable(error)
            ? (retryAfterMs(error) ?? backoffDelay(attempt, policy))
            : undefined;
        if (wait === undefined || Date.now() - started + wait > policy!.deadlineMs) {
          if ((error instanceof ApiKeysError || error instanceof ApiKeysNetworkError) && attempt > 1) {
            error.attempts = attempt;
            error.message += ` (after ${attempt} attempts)`;
          }
          throw error;
        }
        await sleep(wait, requestOptions.signal);
      }
    }
  };
}
