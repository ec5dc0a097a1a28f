// Generated from spec/openapi.yaml by `pnpm generate` (scripts/clientOperations.mjs). Do not edit.
import type { IdempotentRequestOptions, RequestOptions } from '../transport.js';
import type {
  ApiKey,
  ApiKeyList,
  ApiKeyWithSecret,
  App,
  AppList,
  AuditEvent,
  AuditEventList,
  CreateApiKeyRequest,
  CreateAppRequest,
  CreateServiceTokenRequest,
  CreateWebhookEndpointRequest,
  CurrentToken,
  operations,
  RevokeApiKeyRequest,
  RotateApiKeyRequest,
  RotateWebhookEndpointSecretRequest,
  ServiceToken,
  ServiceTokenList,
  ServiceTokenWithSecret,
  UpdateApiKeyRequest,
  UpdateAppRequest,
  UpdateWebhookEndpointRequest,
  VerificationResult,
  VerifyApiKeyRequest,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
  WorkspaceAuditEvent,
  WorkspaceAuditEventList,
} from './openapi.js';

/** The query of `listApps`: `limit`, `cursor`. */
export type ListAppsQuery = NonNullable<operations['listApps']['parameters']['query']>;

/** The query of `listWorkspaceAuditEvents`: `limit`, `cursor`. */
export type ListWorkspaceAuditEventsQuery = NonNullable<operations['listWorkspaceAuditEvents']['parameters']['query']>;

/** The query of `listApiKeys`: `limit`, `cursor`, `status`, `environment`, `owner`. */
export type ListApiKeysQuery = NonNullable<operations['listApiKeys']['parameters']['query']>;

/** The query of `listAuditEvents`: `key_id`, `limit`, `cursor`. */
export type ListAuditEventsQuery = NonNullable<operations['listAuditEvents']['parameters']['query']>;

/** The query of `listWebhookDeliveries`: `limit`, `cursor`, `status`. */
export type ListWebhookDeliveriesQuery = NonNullable<operations['listWebhookDeliveries']['parameters']['query']>;

export interface ApiKeysClient {
  /**
   * One method per operation of the contract, named by its operationId. Each resolves to the parsed
   * answer, rejects with ApiKeysError for any non-2xx answer, and with ApiKeysNetworkError (or
   * ApiKeysTimeoutError) when no answer came.
   */
  apiKeys: {
    /**
     * List API auth apps. Lists the apps by slug (alphabetical), one page at a time.
     *
     * Sends `GET /api-auth/apps`. Retried under the client's retry policy.
     * @param query The query: `limit`, `cursor`.
     * @param options signal, headers, timeoutMs, retry.
     */
    listApps(query?: ListAppsQuery, options?: RequestOptions): Promise<AppList>;
    /**
     * Every item of `listApps` (List API auth apps), fetching page after page until `next_cursor` is null.
     *
     * Sends `GET /api-auth/apps` for each page; the next page is fetched only when you read on.
     * @param query The query without `cursor`: `limit`.
     * @param options For every page: signal, headers, timeoutMs, retry.
     */
    listAllApps(query?: Omit<ListAppsQuery, 'cursor'>, options?: RequestOptions): AsyncIterable<App>;
    /**
     * Register an API auth app. Registers an API auth app: its `slug` (the `appName` of every key operation) and its `key_prefix`, which starts every secret issued for it (`<key_prefix>_…`).
     *
     * Sends `POST /api-auth/apps`. Sends an Idempotency-Key (yours, or one made for this call) with the call and each of its retries. Retried under the client's retry policy.
     * @param request The request body.
     * @param options signal, headers, timeoutMs, retry, idempotencyKey.
     */
    createApp(request: CreateAppRequest, options?: IdempotentRequestOptions): Promise<App>;
    /**
     * List service tokens. Every service token in the database, oldest first, revoked ones included (with their `revoked_at`): their names, scopes and status, never a token or its hash.
     *
     * Sends `GET /api-auth/service-tokens`. Retried under the client's retry policy.
     * @param options signal, headers, timeoutMs, retry.
     */
    listServiceTokens(options?: RequestOptions): Promise<ServiceTokenList>;
    /**
     * Add a service token. Adds a service token with a `name` and the `scopes` it holds, and returns its record together with the token itself (`apt_…`, shaped and checksummed like a key's secret).
     *
     * Sends `POST /api-auth/service-tokens`. Sends an Idempotency-Key (yours, or one made for this call) with the call and each of its retries. Retried under the client's retry policy.
     * @param request The request body.
     * @param options signal, headers, timeoutMs, retry, idempotencyKey.
     */
    createServiceToken(
      request: CreateServiceTokenRequest,
      options?: IdempotentRequestOptions,
    ): Promise<ServiceTokenWithSecret>;
    /**
     * Get a service token. The service token named by `tokenName`, revoked or not: its scopes and status, never the token or its hash.
     *
     * Sends `GET /api-auth/service-tokens/{tokenName}`. Retried under the client's retry policy.
     * @param tokenName The service token's name.
     * @param options signal, headers, timeoutMs, retry.
     */
    getServiceToken(tokenName: string, options?: RequestOptions): Promise<ServiceToken>;
    /**
     * Revoke a service token. Revokes the token for good: every instance refuses it within milliseconds, the calling token included when it revokes itself.
     *
     * Sends `POST /api-auth/service-tokens/{tokenName}/revoke`. Never retried.
     * @param tokenName The service token's name.
     * @param options signal, headers, timeoutMs, retry.
     */
    revokeServiceToken(tokenName: string, options?: RequestOptions): Promise<ServiceToken>;
    /**
     * Who am I. The calling token's name (as the audit trail names its changes: `env-token-<n>` for the n-th of `APIKEYS_TOKENS`) and the scopes it holds.
     *
     * Sends `GET /api-auth/token`. Retried under the client's retry policy.
     * @param options signal, headers, timeoutMs, retry.
     */
    getCurrentToken(options?: RequestOptions): Promise<CurrentToken>;
    /**
     * List the workspace's audit events. The audit trail of what belongs to no app's keys, newest first, one page at a time: service tokens added (`token_added`) and revoked (`token_revoked`), apps registered (`app_created`), changed (`app_updated`) and deleted (`app_deleted`), and their webhook endpoints added (`webhook_endpoint_added`), changed (`webhook_endpoint_updated`), deleted (`webhook_endpoint_deleted`) or given a new secret (`webhook_secret_rotated`), whoever made the change (an API call or the `apikeys` command).
     *
     * Sends `GET /api-auth/audit-events`. Retried under the client's retry policy.
     * @param query The query: `limit`, `cursor`.
     * @param options signal, headers, timeoutMs, retry.
     */
    listWorkspaceAuditEvents(
      query?: ListWorkspaceAuditEventsQuery,
      options?: RequestOptions,
    ): Promise<WorkspaceAuditEventList>;
    /**
     * Every item of `listWorkspaceAuditEvents` (List the workspace's audit events), fetching page after page until `next_cursor` is null.
     *
     * Sends `GET /api-auth/audit-events` for each page; the next page is fetched only when you read on.
     * @param query The query without `cursor`: `limit`.
     * @param options For every page: signal, headers, timeoutMs, retry.
     */
    listAllWorkspaceAuditEvents(
      query?: Omit<ListWorkspaceAuditEventsQuery, 'cursor'>,
      options?: RequestOptions,
    ): AsyncIterable<WorkspaceAuditEvent>;
    /**
     * Get an API auth app. The app named by `appName`; 404 when there is none.
     *
     * Sends `GET /api-auth/apps/{appName}`. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param options signal, headers, timeoutMs, retry.
     */
    getApp(appName: string, options?: RequestOptions): Promise<App>;
    /**
     * Delete an API auth app. Deletes the app for good and answers its record as it was.
     *
     * Sends `DELETE /api-auth/apps/{appName}`. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param options signal, headers, timeoutMs, retry.
     */
    deleteApp(appName: string, options?: RequestOptions): Promise<App>;
    /**
     * Update an API auth app. Changes the fields sent and leaves the others as they are: `display_name` (`null` clears it) and `key_prefix`.
     *
     * Sends `PATCH /api-auth/apps/{appName}`. Never retried.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param request The request body.
     * @param options signal, headers, timeoutMs, retry.
     */
    updateApp(appName: string, request: UpdateAppRequest, options?: RequestOptions): Promise<App>;
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
    verifyApiKey(appName: string, request: VerifyApiKeyRequest, options?: RequestOptions): Promise<VerificationResult>;
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
    /**
     * List webhook endpoints. Every webhook endpoint of the app named by `appName` (at most 20), oldest first, disabled ones included: their URLs, events and state, never a secret.
     *
     * Sends `GET /api-auth/apps/{appName}/webhook-endpoints`. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param options signal, headers, timeoutMs, retry.
     */
    listWebhookEndpoints(appName: string, options?: RequestOptions): Promise<WebhookEndpointList>;
    /**
     * Add a webhook endpoint. Registers a webhook endpoint for the app named by `appName`: the `url` its events are sent to, the `events` it receives (all five when omitted) and an optional `description`.
     *
     * Sends `POST /api-auth/apps/{appName}/webhook-endpoints`. Sends an Idempotency-Key (yours, or one made for this call) with the call and each of its retries. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param request The request body.
     * @param options signal, headers, timeoutMs, retry, idempotencyKey.
     */
    createWebhookEndpoint(
      appName: string,
      request: CreateWebhookEndpointRequest,
      options?: IdempotentRequestOptions,
    ): Promise<WebhookEndpointWithSecret>;
    /**
     * Get a webhook endpoint. Returns the record of one webhook endpoint of the app, never its secret.
     *
     * Sends `GET /api-auth/apps/{appName}/webhook-endpoints/{endpointId}`. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param endpointId The webhook endpoint's `id`, a UUID.
     * @param options signal, headers, timeoutMs, retry.
     */
    getWebhookEndpoint(appName: string, endpointId: string, options?: RequestOptions): Promise<WebhookEndpoint>;
    /**
     * Delete a webhook endpoint. Deletes the endpoint for good and answers its record as it was.
     *
     * Sends `DELETE /api-auth/apps/{appName}/webhook-endpoints/{endpointId}`. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param endpointId The webhook endpoint's `id`, a UUID.
     * @param options signal, headers, timeoutMs, retry.
     */
    deleteWebhookEndpoint(appName: string, endpointId: string, options?: RequestOptions): Promise<WebhookEndpoint>;
    /**
     * Update a webhook endpoint. Changes the fields sent and leaves the others as they are: `url` (checked as for `createWebhookEndpoint`), `events` (replaced whole), `description` (`null` clears it) and `enabled`.
     *
     * Sends `PATCH /api-auth/apps/{appName}/webhook-endpoints/{endpointId}`. Never retried.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param endpointId The webhook endpoint's `id`, a UUID.
     * @param request The request body.
     * @param options signal, headers, timeoutMs, retry.
     */
    updateWebhookEndpoint(
      appName: string,
      endpointId: string,
      request: UpdateWebhookEndpointRequest,
      options?: RequestOptions,
    ): Promise<WebhookEndpoint>;
    /**
     * Rotate a webhook endpoint's secret. Gives the endpoint a new signing secret and returns it with the endpoint's record.
     *
     * Sends `POST /api-auth/apps/{appName}/webhook-endpoints/{endpointId}/rotate-secret`. Sends an Idempotency-Key (yours, or one made for this call) with the call and each of its retries. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param endpointId The webhook endpoint's `id`, a UUID.
     * @param request The request body; `{}` when left out.
     * @param options signal, headers, timeoutMs, retry, idempotencyKey.
     */
    rotateWebhookEndpointSecret(
      appName: string,
      endpointId: string,
      request?: RotateWebhookEndpointSecretRequest,
      options?: IdempotentRequestOptions,
    ): Promise<WebhookEndpointWithSecret>;
    /**
     * List webhook deliveries. The endpoint's deliveries, newest first, one page at a time: one for each event sent (or to be sent) to it, with its status, how many attempts it took so far and how the last one was answered.
     *
     * Sends `GET /api-auth/apps/{appName}/webhook-endpoints/{endpointId}/deliveries`. Retried under the client's retry policy.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param endpointId The webhook endpoint's `id`, a UUID.
     * @param query The query: `limit`, `cursor`, `status`.
     * @param options signal, headers, timeoutMs, retry.
     */
    listWebhookDeliveries(
      appName: string,
      endpointId: string,
      query?: ListWebhookDeliveriesQuery,
      options?: RequestOptions,
    ): Promise<WebhookDeliveryList>;
    /**
     * Every item of `listWebhookDeliveries` (List webhook deliveries), fetching page after page until `next_cursor` is null.
     *
     * Sends `GET /api-auth/apps/{appName}/webhook-endpoints/{endpointId}/deliveries` for each page; the next page is fetched only when you read on.
     * @param appName Slug of the API auth app that owns the key: lower-case letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit.
     * @param endpointId The webhook endpoint's `id`, a UUID.
     * @param query The query without `cursor`: `limit`, `status`.
     * @param options For every page: signal, headers, timeoutMs, retry.
     */
    listAllWebhookDeliveries(
      appName: string,
      endpointId: string,
      query?: Omit<ListWebhookDeliveriesQuery, 'cursor'>,
      options?: RequestOptions,
    ): AsyncIterable<WebhookDelivery>;
  };
}
