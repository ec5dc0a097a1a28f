// Generated from spec/openapi.yaml by `pnpm generate` (scripts/clientOperations.mjs). Do not edit.
import type { IdempotentRequestOptions, RequestOptions } from '../transport.js';
import type {
  ApiKey,
  ApiKeyList,
  ApiKeyWithSecret,
  AuditEvent,
  AuditEventList,
  CreateApiKeyRequest,
  operations,
  RevokeApiKeyRequest,
  RotateApiKeyRequest,
  UpdateApiKeyRequest,
  VerifyApiKeyRequest,
  VerifyApiKeyResponse,
} from './openapi.js';

/** The query of `listApiKeys`: `limit`, `cursor`, `status`, `environment`, `owner`. */
export type ListApiKeysQuery = NonNullable<operations['listApiKeys']['parameters']['query']>;

/** The query of `listAuditEvents`: `key_id`, `limit`, `cursor`. */
export type ListAuditEventsQuery = NonNullable<operations['listAuditEvents']['parameters']['query']>;

export interface ApiKeysClient {
  /**
   * One method per operation of the contract, named by its operationId. Each resolves to the parsed
   * answer, rejects with ApiKeysError for any non-2xx answer, and with ApiKeysNetworkError (or
   * ApiKeysTimeoutError) when no answer came.
   */
  apiKeys: {
    /**
     * List API keys. Lists the keys of the app named by `appName`, newest first, one page at a time.
     *
     * Sends `GET /api-auth/apps/{appName}/keys`. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param query The query: `limit`, `cursor`, `status`, `environment`, `owner`.
     * @param options signal, headers, timeoutMs, retry.
     */
    listApiKeys(appName: string, query?: ListApiKeysQuery, options?: RequestOptions): Promise<ApiKeyList>;
    /**
     * Every item of `listApiKeys` (List API keys), fetching page after page until `next_cursor` is null.
     *
     * Sends `GET /api-auth/apps/{appName}/keys` for each page; the next page is fetched only when you read on.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param query The query without `cursor`: `limit`, `status`, `environment`, `owner`.
     * @param options For every page: signal, headers, timeoutMs, retry.
     */
    listAllApiKeys(
      appName: string,
      query?: Omit<ListApiKeysQuery, 'cursor'>,
      options?: RequestOptions,
    ): AsyncIterable<ApiKey>;
    /**
     * Create an API key. Creates a key inside the API auth app named by `appName` in the URL and returns the key's record together with its secret.
     *
     * Sends `POST /api-auth/apps/{appName}/keys`. Sends an Idempotency-Key (yours, or one made for this call) with the call and each of its retries. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param request The request body.
     * @param options signal, headers, timeoutMs, retry, idempotencyKey.
     */
    createApiKey(
      appName: string,
      request: CreateApiKeyRequest,
      options?: IdempotentRequestOptions,
    ): Promise<ApiKeyWithSecret>;
    /**
     * Verify an API key. Checks a secret that a caller of your API presented, and answers whether it is a valid key of this app and, with `required_permissions`, whether the key holds all of them.
     *
     * Sends `POST /api-auth/apps/{appName}/keys/verify`. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param request The request body.
     * @param options signal, headers, timeoutMs, retry.
     */
    verifyApiKey(
      appName: string,
      request: VerifyApiKeyRequest,
      options?: RequestOptions,
    ): Promise<VerifyApiKeyResponse>;
    /**
     * Get an API key. Returns the record of one key of the app.
     *
     * Sends `GET /api-auth/apps/{appName}/keys/{keyId}`. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param keyId The key's `id`, a UUID.
     * @param options signal, headers, timeoutMs, retry.
     */
    getApiKey(appName: string, keyId: string, options?: RequestOptions): Promise<ApiKey>;
    /**
     * Update an API key. Changes the fields sent and leaves the others as they are.
     *
     * Sends `PATCH /api-auth/apps/{appName}/keys/{keyId}`. Never retried.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param keyId The key's `id`, a UUID.
     * @param request The request body.
     * @param options signal, headers, timeoutMs, retry.
     */
    updateApiKey(
      appName: string,
      keyId: string,
      request: UpdateApiKeyRequest,
      options?: RequestOptions,
    ): Promise<ApiKey>;
    /**
     * Revoke an API key. Revokes the key for good: from the very next verification it answers `REVOKED` (on other instances sharing the database, within milliseconds).
     *
     * Sends `POST /api-auth/apps/{appName}/keys/{keyId}/revoke`. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param keyId The key's `id`, a UUID.
     * @param request The request body; `{}` when left out.
     * @param options signal, headers, timeoutMs, retry.
     */
    revokeApiKey(
      appName: string,
      keyId: string,
      request?: RevokeApiKeyRequest,
      options?: RequestOptions,
    ): Promise<ApiKey>;
    /**
     * Rotate an API key. Issues a new key with the old key's name, permissions, metadata, owner, environment and expiry, and returns it with its secret.
     *
     * Sends `POST /api-auth/apps/{appName}/keys/{keyId}/rotate`. Sends an Idempotency-Key (yours, or one made for this call) with the call and each of its retries. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param keyId The key's `id`, a UUID.
     * @param request The request body; `{}` when left out.
     * @param options signal, headers, timeoutMs, retry, idempotencyKey.
     */
    rotateApiKey(
      appName: string,
      keyId: string,
      request?: RotateApiKeyRequest,
      options?: IdempotentRequestOptions,
    ): Promise<ApiKeyWithSecret>;
    /**
     * List audit events. The app's audit trail, newest first, one page at a time: one event for every change to one of its keys (`created`, `updated`, `revoked`, `rotated`, and `leaked` when a leak report revoked it), whoever made it: an API call, the `apikeys` command or a leak report.
     *
     * Sends `GET /api-auth/apps/{appName}/audit-events`. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param query The query: `key_id`, `limit`, `cursor`.
     * @param options signal, headers, timeoutMs, retry.
     */
    listAuditEvents(appName: string, query?: ListAuditEventsQuery, options?: RequestOptions): Promise<AuditEventList>;
    /**
     * Every item of `listAuditEvents` (List audit events), fetching page after page until `next_cursor` is null.
     *
     * Sends `GET /api-auth/apps/{appName}/audit-events` for each page; the next page is fetched only when you read on.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param query The query without `cursor`: `key_id`, `limit`.
     * @param options For every page: signal, headers, timeoutMs, retry.
     */
    listAllAuditEvents(
      appName: string,
      query?: Omit<ListAuditEventsQuery, 'cursor'>,
      options?: RequestOptions,
    ): AsyncIterable<AuditEvent>;
  };
}
