// Generated from spec/openapi.yaml by `pnpm generate` (scripts/clientOperations.mjs). Do not edit.
import type { OperationRuntime } from '../transport.js';
import type { ApiKeysClient } from './operations.js';

type Methods = ApiKeysClient['apiKeys'];

/** Every operation of the contract as a method: a call of the one transport, with its retry and idempotency. */
export function bindOperations({ send, everyPage, idempotencyKey }: OperationRuntime): Methods {
  // GET /api-auth/apps: retried (a safe method).
  const listApps: Methods['listApps'] = (query, options) =>
    send(options, (api, init) => api.GET('/api-auth/apps', { params: { query }, ...init }), true);
  const listAllApps: Methods['listAllApps'] = (query, options) =>
    everyPage('listApps', (cursor) => listApps({ ...query, cursor }, options));
  // POST /api-auth/apps: retried (it declares Idempotency-Key).
  const createApp: Methods['createApp'] = (request, options = {}) => {
    const header = { 'Idempotency-Key': idempotencyKey(options) };
    return send(
      options,
      (api, init) => api.POST('/api-auth/apps', { params: { header }, body: request, ...init }),
      true,
    );
  };
  // GET /api-auth/service-tokens: retried (a safe method).
  const listServiceTokens: Methods['listServiceTokens'] = (options) =>
    send(options, (api, init) => api.GET('/api-auth/service-tokens', { ...init }), true);
  // POST /api-auth/service-tokens: retried (it declares Idempotency-Key).
  const createServiceToken: Methods['createServiceToken'] = (request, options = {}) => {
    const header = { 'Idempotency-Key': idempotencyKey(options) };
    return send(
      options,
      (api, init) => api.POST('/api-auth/service-tokens', { params: { header }, body: request, ...init }),
      true,
    );
  };
  // GET /api-auth/service-tokens/{tokenName}: retried (a safe method).
  const getServiceToken: Methods['getServiceToken'] = (tokenName, options) =>
    send(
      options,
      (api, init) => api.GET('/api-auth/service-tokens/{tokenName}', { params: { path: { tokenName } }, ...init }),
      true,
    );
  // POST /api-auth/service-tokens/{tokenName}/revoke: never retried (neither safe, idempotent by key nor x-retryable).
  const revokeServiceToken: Methods['revokeServiceToken'] = (tokenName, options) =>
    send(options, (api, init) =>
      api.POST('/api-auth/service-tokens/{tokenName}/revoke', { params: { path: { tokenName } }, ...init }),
    );
  // GET /api-auth/token: retried (a safe method).
  const getCurrentToken: Methods['getCurrentToken'] = (options) =>
    send(options, (api, init) => api.GET('/api-auth/token', { ...init }), true);
  // GET /api-auth/audit-events: retried (a safe method).
  const listWorkspaceAuditEvents: Methods['listWorkspaceAuditEvents'] = (query, options) =>
    send(options, (api, init) => api.GET('/api-auth/audit-events', { params: { query }, ...init }), true);
  const listAllWorkspaceAuditEvents: Methods['listAllWorkspaceAuditEvents'] = (query, options) =>
    everyPage('listWorkspaceAuditEvents', (cursor) => listWorkspaceAuditEvents({ ...query, cursor }, options));
  // GET /api-auth/apps/{appName}: retried (a safe method).
  const getApp: Methods['getApp'] = (appName, options) =>
    send(options, (api, init) => api.GET('/api-auth/apps/{appName}', { params: { path: { appName } }, ...init }), true);
  // DELETE /api-auth/apps/{appName}: retried (an idempotent method).
  const deleteApp: Methods['deleteApp'] = (appName, options) =>
    send(
      options,
      (api, init) => api.DELETE('/api-auth/apps/{appName}', { params: { path: { appName } }, ...init }),
      true,
    );
  // PATCH /api-auth/apps/{appName}: never retried (neither safe, idempotent by key nor x-retryable).
  const updateApp: Methods['updateApp'] = (appName, request, options) =>
    send(options, (api, init) =>
      api.PATCH('/api-auth/apps/{appName}', { params: { path: { appName } }, body: request, ...init }),
    );
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
  // GET /api-auth/apps/{appName}/webhook-endpoints: retried (a safe method).
  const listWebhookEndpoints: Methods['listWebhookEndpoints'] = (appName, options) =>
    send(
      options,
      (api, init) => api.GET('/api-auth/apps/{appName}/webhook-endpoints', { params: { path: { appName } }, ...init }),
      true,
    );
  // POST /api-auth/apps/{appName}/webhook-endpoints: retried (it declares Idempotency-Key).
  const createWebhookEndpoint: Methods['createWebhookEndpoint'] = (appName, request, options = {}) => {
    const header = { 'Idempotency-Key': idempotencyKey(options) };
    return send(
      options,
      (api, init) =>
        api.POST('/api-auth/apps/{appName}/webhook-endpoints', {
          params: { path: { appName }, header },
          body: request,
          ...init,
        }),
      true,
    );
  };
  // GET /api-auth/apps/{appName}/webhook-endpoints/{endpointId}: retried (a safe method).
  const getWebhookEndpoint: Methods['getWebhookEndpoint'] = (appName, endpointId, options) =>
    send(
      options,
      (api, init) =>
        api.GET('/api-auth/apps/{appName}/webhook-endpoints/{endpointId}', {
          params: { path: { appName, endpointId } },
          ...init,
        }),
      true,
    );
  // DELETE /api-auth/apps/{appName}/webhook-endpoints/{endpointId}: retried (an idempotent method).
  const deleteWebhookEndpoint: Methods['deleteWebhookEndpoint'] = (appName, endpointId, options) =>
    send(
      options,
      (api, init) =>
        api.DELETE('/api-auth/apps/{appName}/webhook-endpoints/{endpointId}', {
          params: { path: { appName, endpointId } },
          ...init,
        }),
      true,
    );
  // PATCH /api-auth/apps/{appName}/webhook-endpoints/{endpointId}: never retried (neither safe, idempotent by key nor x-retryable).
  const updateWebhookEndpoint: Methods['updateWebhookEndpoint'] = (appName, endpointId, request, options) =>
    send(options, (api, init) =>
      api.PATCH('/api-auth/apps/{appName}/webhook-endpoints/{endpointId}', {
        params: { path: { appName, endpointId } },
        body: request,
        ...init,
      }),
    );
  // POST /api-auth/apps/{appName}/webhook-endpoints/{endpointId}/rotate-secret: retried (it declares Idempotency-Key).
  const rotateWebhookEndpointSecret: Methods['rotateWebhookEndpointSecret'] = (
    appName,
    endpointId,
    request = {},
    options = {},
  ) => {
    const header = { 'Idempotency-Key': idempotencyKey(options) };
    return send(
      options,
      (api, init) =>
        api.POST('/api-auth/apps/{appName}/webhook-endpoints/{endpointId}/rotate-secret', {
          params: { path: { appName, endpointId }, header },
          body: request,
          ...init,
        }),
      true,
    );
  };
  // GET /api-auth/apps/{appName}/webhook-endpoints/{endpointId}/deliveries: retried (a safe method).
  const listWebhookDeliveries: Methods['listWebhookDeliveries'] = (appName, endpointId, query, options) =>
    send(
      options,
      (api, init) =>
        api.GET('/api-auth/apps/{appName}/webhook-endpoints/{endpointId}/deliveries', {
          params: { path: { appName, endpointId }, query },
          ...init,
        }),
      true,
    );
  const listAllWebhookDeliveries: Methods['listAllWebhookDeliveries'] = (appName, endpointId, query, options) =>
    everyPage('listWebhookDeliveries', (cursor) =>
      listWebhookDeliveries(appName, endpointId, { ...query, cursor }, options),
    );

  return {
    listApps,
    listAllApps,
    createApp,
    listServiceTokens,
    createServiceToken,
    getServiceToken,
    revokeServiceToken,
    getCurrentToken,
    listWorkspaceAuditEvents,
    listAllWorkspaceAuditEvents,
    getApp,
    deleteApp,
    updateApp,
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
    listWebhookEndpoints,
    createWebhookEndpoint,
    getWebhookEndpoint,
    deleteWebhookEndpoint,
    updateWebhookEndpoint,
    rotateWebhookEndpointSecret,
    listWebhookDeliveries,
    listAllWebhookDeliveries,
  };
}
