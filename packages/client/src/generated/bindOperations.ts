// Generated from spec/openapi.yaml by `pnpm generate` (scripts/clientOperations.mjs). Do not edit.
import type { OperationRuntime } from '../transport.js';
import type { ApiKeysClient } from './operations.js';

type Methods = ApiKeysClient['apiKeys'];

/** Every operation of the contract as a method: a call of the one transport, with its retry and idempotency. */
export function bindOperations({ send, everyPage, idempotencyKey }: OperationRuntime): Methods {
  // GET /api-auth/apps/{appName}/keys: retried (a safe method).
  const listApiKeys: Methods['listApiKeys'] = (appName, query, options) =>
    send(
      options,
      (api, init) => api.GET('/api-auth/apps/{appName}/keys', { params: { path: { appName }, query }, ...init }),
      true,
    );
  const listAllApiKeys: Methods['listAllApiKeys'] = (appName, query, options) =>
    everyPage('listApiKeys', (cursor) => listApiKeys(appName, { ...query, cursor }, options));
  // POST /api-auth/apps/{appName}/keys: retried (it declares Idempotency-Key).
  const createApiKey: Methods['createApiKey'] = (appName, request, options = {}) => {
    const header = { 'Idempotency-Key': idempotencyKey(options) };
    return send(
      options,
      (api, init) =>
        api.POST('/api-auth/apps/{appName}/keys', { params: { path: { appName }, header }, body: request, ...init }),
      true,
    );
  };
  // POST /api-auth/apps/{appName}/keys/verify: retried (x-retryable: true).
  const verifyApiKey: Methods['verifyApiKey'] = (appName, request, options) =>
    send(
      options,
      (api, init) =>
        api.POST('/api-auth/apps/{appName}/keys/verify', { params: { path: { appName } }, body: request, ...init }),
      true,
    );
  // GET /api-auth/apps/{appName}/keys/{keyId}: retried (a safe method).
  const getApiKey: Methods['getApiKey'] = (appName, keyId, options) =>
    send(
      options,
      (api, init) =>
        api.GET('/api-auth/apps/{appName}/keys/{keyId}', { params: { path: { appName, keyId } }, ...init }),
      true,
    );
  // PATCH /api-auth/apps/{appName}/keys/{keyId}: never retried (neither safe, idempotent by key nor x-retryable).
  const updateApiKey: Methods['updateApiKey'] = (appName, keyId, request, options) =>
    send(options, (api, init) =>
      api.PATCH('/api-auth/apps/{appName}/keys/{keyId}', {
        params: { path: { appName, keyId } },
        body: request,
        ...init,
      }),
    );
  // POST /api-auth/apps/{appName}/keys/{keyId}/revoke: retried (x-retryable: true).
  const revokeApiKey: Methods['revokeApiKey'] = (appName, keyId, request = {}, options) =>
    send(
      options,
      (api, init) =>
        api.POST('/api-auth/apps/{appName}/keys/{keyId}/revoke', {
          params: { path: { appName, keyId } },
          body: request,
          ...init,
        }),
      true,
    );
  // POST /api-auth/apps/{appName}/keys/{keyId}/rotate: retried (it declares Idempotency-Key).
  const rotateApiKey: Methods['rotateApiKey'] = (appName, keyId, request = {}, options = {}) => {
    const header = { 'Idempotency-Key': idempotencyKey(options) };
    return send(
      options,
      (api, init) =>
        api.POST('/api-auth/apps/{appName}/keys/{keyId}/rotate', {
          params: { path: { appName, keyId }, header },
          body: request,
          ...init,
        }),
      true,
    );
  };
  // GET /api-auth/apps/{appName}/audit-events: retried (a safe method).
  const listAuditEvents: Methods['listAuditEvents'] = (appName, query, options) =>
    send(
      options,
      (api, init) =>
        api.GET('/api-auth/apps/{appName}/audit-events', { params: { path: { appName }, query }, ...init }),
      true,
    );
  const listAllAuditEvents: Methods['listAllAuditEvents'] = (appName, query, options) =>
    everyPage('listAuditEvents', (cursor) => listAuditEvents(appName, { ...query, cursor }, options));

  return {
    listApiKeys,
    listAllApiKeys,
    createApiKey,
    verifyApiKey,
    getApiKey,
    updateApiKey,
    revokeApiKey,
    rotateApiKey,
    listAuditEvents,
    listAllAuditEvents,
  };
}
