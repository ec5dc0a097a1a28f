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
} from './generated/openapi.js';
import { type ApiKeysClientOptions, createTransport, type RequestOptions } from './transport.js';

export interface IdempotentRequestOptions extends RequestOptions {
  /**
   * The Idempotency-Key sent with the call and with each of its retries; one is made for every
   * call when none is given. Pass your own to make a retry of your own (after a crash, say) safe.
   */
  idempotencyKey?: string;
}

/** The query of `listApiKeys`: `limit`, `cursor`, `status`, `environment`, `owner`. */
export type ListApiKeysQuery = NonNullable<operations['listApiKeys']['parameters']['query']>;

/** The query of `listAuditEvents`: `key_id`, `limit`, `cursor`. */
export type ListAuditEventsQuery = NonNullable<operations['listAuditEvents']['parameters']['query']>;

export interface ApiKeysClient {
  /**
   * Each method resolves to the parsed answer, rejects with ApiKeysError for any non-2xx answer,
   * and with ApiKeysNetworkError (or ApiKeysTimeoutError) when no answer came.
   */
  apiKeys: {
    /** Creates a key in the app and resolves to its record and secret. The secret is shown this once: store it now. */
    createApiKey(
      appName: string,
      request: CreateApiKeyRequest,
      options?: IdempotentRequestOptions,
    ): Promise<ApiKeyWithSecret>;
    /** One page of the app's keys, newest first; pass `next_cursor` back as `cursor` for the next. */
    listApiKeys(appName: string, query?: ListApiKeysQuery, options?: RequestOptions): Promise<ApiKeyList>;
    /** Every key the query matches, fetching page after page until `next_cursor` is null. */
    listAllApiKeys(
      appName: string,
      query?: Omit<ListApiKeysQuery, 'cursor'>,
      options?: RequestOptions,
    ): AsyncIterable<ApiKey>;
    /** The key's record; a key of another app is a 404, like one that does not exist. */
    getApiKey(appName: string, keyId: string, options?: RequestOptions): Promise<ApiKey>;
    /** Changes the fields sent; `null` clears `owner`, `environment` and `expires_at`. */
    updateApiKey(
      appName: string,
      keyId: string,
      changes: UpdateApiKeyRequest,
      options?: RequestOptions,
    ): Promise<ApiKey>;
    /** Revokes the key for good; revoking a revoked key resolves to its record unchanged. */
    revokeApiKey(
      appName: string,
      keyId: string,
      request?: RevokeApiKeyRequest,
      options?: RequestOptions,
    ): Promise<ApiKey>;
    /** Issues the key's successor and resolves to it with its secret, shown this once. */
    rotateApiKey(
      appName: string,
      keyId: string,
      request?: RotateApiKeyRequest,
      options?: IdempotentRequestOptions,
    ): Promise<ApiKeyWithSecret>;
    /** The verdict on a secret a caller presented: a 200 for any well-formed request, with the verdict in `code`. */
    verifyApiKey(
      appName: string,
      request: VerifyApiKeyRequest,
      options?: RequestOptions,
    ): Promise<VerifyApiKeyResponse>;
    /** One page of the app's audit trail, newest first (needs the `audit:read` scope); `key_id` keeps one key's events. */
    listAuditEvents(appName: string, query?: ListAuditEventsQuery, options?: RequestOptions): Promise<AuditEventList>;
    /** Every audit event the query matches, fetching page after page until `next_cursor` is null. */
    listAllAuditEvents(
      appName: string,
      query?: Omit<ListAuditEventsQuery, 'cursor'>,
      options?: RequestOptions,
    ): AsyncIterable<AuditEvent>;
  };
}

/** Every item of a listing, page after page, until its `next_cursor` is null. */
async function* everyPage<Item>(
  operationId: string,
  page: (cursor: string | undefined) => Promise<{ data: Item[]; next_cursor: string | null }>,
): AsyncIterable<Item> {
  let cursor: string | undefined;
  do {
    const answer = await page(cursor);
    // A server (or the mock, answering one example) that hands back the cursor it was sent would page forever.
    if (answer.next_cursor !== null && answer.next_cursor === cursor) {
      throw new Error(
        `${operationId} answered with the cursor it was sent (${cursor}); stopping instead of paging forever.`,
      );
    }
    yield* answer.data;
    cursor = answer.next_cursor ?? undefined;
  } while (cursor !== undefined);
}

// Unique per call, so that the call's retries, and only they, are recognised as the same request.
const idempotencyKeyOf = (requestOptions: IdempotentRequestOptions) =>
  requestOptions.idempotencyKey ?? globalThis.crypto.randomUUID();

export function createApiKeysClient(options: ApiKeysClientOptions): ApiKeysClient {
  const send = createTransport(options);

  const listApiKeys: ApiKeysClient['apiKeys']['listApiKeys'] = (appName, query, requestOptions) =>
    send(
      requestOptions,
      (api, init) => api.GET('/api-auth/apps/{appName}/keys', { params: { path: { appName }, query }, ...init }),
      true,
    );

  const listAuditEvents: ApiKeysClient['apiKeys']['listAuditEvents'] = (appName, query, requestOptions) =>
    send(
      requestOptions,
      (api, init) =>
        api.GET('/api-auth/apps/{appName}/audit-events', { params: { path: { appName }, query }, ...init }),
      true,
    );

  return {
    apiKeys: {
      createApiKey: (appName, request, requestOptions = {}) => {
        const header = { 'Idempotency-Key': idempotencyKeyOf(requestOptions) };
        return send(
          requestOptions,
          (api, init) =>
            api.POST('/api-auth/apps/{appName}/keys', {
              params: { path: { appName }, header },
              body: request,
              ...init,
            }),
          true,
        );
      },

      listApiKeys,

      listAllApiKeys: (appName, query, requestOptions) =>
        everyPage('listApiKeys', (cursor) => listApiKeys(appName, { ...query, cursor }, requestOptions)),

      getApiKey: (appName, keyId, requestOptions) =>
        send(
          requestOptions,
          (api, init) =>
            api.GET('/api-auth/apps/{appName}/keys/{keyId}', { params: { path: { appName, keyId } }, ...init }),
          true,
        ),

      updateApiKey: (appName, keyId, changes, requestOptions) =>
        send(requestOptions, (api, init) =>
          api.PATCH('/api-auth/apps/{appName}/keys/{keyId}', {
            params: { path: { appName, keyId } },
            body: changes,
            ...init,
          }),
        ),

      // The contract requires a JSON body even when there is nothing to say: `{}`. Revoking is
      // idempotent by contract, so it is retried like the safe calls.
      revokeApiKey: (appName, keyId, request = {}, requestOptions) =>
        send(
          requestOptions,
          (api, init) =>
            api.POST('/api-auth/apps/{appName}/keys/{keyId}/revoke', {
              params: { path: { appName, keyId } },
              body: request,
              ...init,
            }),
          true,
        ),

      rotateApiKey: (appName, keyId, request = {}, requestOptions = {}) => {
        const header = { 'Idempotency-Key': idempotencyKeyOf(requestOptions) };
        return send(
          requestOptions,
          (api, init) =>
            api.POST('/api-auth/apps/{appName}/keys/{keyId}/rotate', {
              params: { path: { appName, keyId }, header },
              body: request,
              ...init,
            }),
          true,
        );
      },

      verifyApiKey: (appName, request, requestOptions) =>
        send(
          requestOptions,
          (api, init) =>
            api.POST('/api-auth/apps/{appName}/keys/verify', { params: { path: { appName } }, body: request, ...init }),
          true,
        ),

      listAuditEvents,

      listAllAuditEvents: (appName, query, requestOptions) =>
        everyPage('listAuditEvents', (cursor) => listAuditEvents(appName, { ...query, cursor }, requestOptions)),
    },
  };
}
