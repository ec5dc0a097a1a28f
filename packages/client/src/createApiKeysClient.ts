import createClient from 'openapi-fetch';
import type { components, paths } from '@apikeys/types';
import { ApiKeysError, ApiKeysNetworkError, ApiKeysTimeoutError, problemFrom } from './errors.js';

export type CreateApiKeyRequest = components['schemas']['CreateApiKeyRequest'];
export type ApiKeyWithSecret = components['schemas']['ApiKeyWithSecret'];
export type ApiKey = components['schemas']['ApiKey'];

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
}

export interface RequestOptions {
  /** Cancels the request; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Headers for this request only, e.g. `{ Prefer: 'code=404' }` against the mock. */
  headers?: Record<string, string>;
  /** Overrides the client's timeout for this request. */
  timeoutMs?: number;
}

export interface ApiKeysClient {
  apiKeys: {
    /**
     * Creates a key in the app named `appName` and resolves to its record and secret. The
     * secret is shown this once: store it now. Rejects with ApiKeysError for any non-2xx
     * answer, ApiKeysNetworkError (or ApiKeysTimeoutError) when no answer came.
     */
    createApiKey(appName: string, request: CreateApiKeyRequest, options?: RequestOptions): Promise<ApiKeyWithSecret>;
  };
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function createApiKeysClient(options: ApiKeysClientOptions): ApiKeysClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { ...options.headers, Authorization: `Bearer ${options.token}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  return {
    apiKeys: {
      async createApiKey(appName, request, requestOptions = {}) {
        const timeoutMs = requestOptions.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
        const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
        const signals = [requestOptions.signal, timeout].filter((signal): signal is AbortSignal => signal !== undefined);
        let result;
        try {
          result = await client.POST('/api-auth/apps/{appName}/keys', {
            params: { path: { appName } },
            body: request,
            ...(requestOptions.headers ? { headers: requestOptions.headers } : {}),
            ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
          });
        } catch (error) {
          if (requestOptions.signal?.aborted) throw requestOptions.signal.reason;
          if (timeout?.aborted) throw new ApiKeysTimeoutError(`No answer from ${options.baseUrl} within ${timeoutMs} ms`, { cause: error });
          throw new ApiKeysNetworkError(`No answer from ${options.baseUrl}: ${(error as Error).message}`, { cause: error });
        }
        const { data, error, response } = result;
        // openapi-fetch types `error` only for declared statuses; any non-2xx is an error here.
        if (!response.ok || data === undefined) {
          throw new ApiKeysError(response.status, problemFrom(response.status, response.statusText, error), response.headers);
        }
        return data;
      },
    },
  };
}
