// Generated from spec/openapi.yaml by `pnpm generate`. Do not edit.
// One handler per operationId, from operations/<operationId>/<operationId>.ts.
import { createApiKey } from '../createApiKey/createApiKey.js';
import { createApp } from '../createApp/createApp.js';
import { createServiceToken } from '../createServiceToken/createServiceToken.js';
import { createWebhookEndpoint } from '../createWebhookEndpoint/createWebhookEndpoint.js';
import { deleteApp } from '../deleteApp/deleteApp.js';
import { deleteWebhookEndpoint } from '../deleteWebhookEndpoint/deleteWebhookEndpoint.js';
import { getApiKey } from '../getApiKey/getApiKey.js';
import { getApp } from '../getApp/getApp.js';
import { getCurrentToken } from '../getCurrentToken/getCurrentToken.js';
import { getServiceToken } from '../getServiceToken/getServiceToken.js';
import { getWebhookEndpoint } from '../getWebhookEndpoint/getWebhookEndpoint.js';
import { listApiKeys } from '../listApiKeys/listApiKeys.js';
import { listApps } from '../listApps/listApps.js';
import { listAuditEvents } from '../listAuditEvents/listAuditEvents.js';
import { listServiceTokens } from '../listServiceTokens/listServiceTokens.js';
import { listWebhookDeliveries } from '../listWebhookDeliveries/listWebhookDeliveries.js';
import { listWebhookEndpoints } from '../listWebhookEndpoints/listWebhookEndpoints.js';
import { listWorkspaceAuditEvents } from '../listWorkspaceAuditEvents/listWorkspaceAuditEvents.js';
import { revokeApiKey } from '../revokeApiKey/revokeApiKey.js';
import { revokeServiceToken } from '../revokeServiceToken/revokeServiceToken.js';
import { rotateApiKey } from '../rotateApiKey/rotateApiKey.js';
import { rotateWebhookEndpointSecret } from '../rotateWebhookEndpointSecret/rotateWebhookEndpointSecret.js';
import { updateApiKey } from '../updateApiKey/updateApiKey.js';
import { updateApp } from '../updateApp/updateApp.js';
import { updateWebhookEndpoint } from '../updateWebhookEndpoint/updateWebhookEndpoint.js';
import { verifyApiKey } from '../verifyApiKey/verifyApiKey.js';
import type { OperationDeps, OperationHandlers } from '../operationHandler.js';

/** The handler of every operation in the contract. The return type makes a missing one a compile error. */
export function operationHandlers(deps: OperationDeps): OperationHandlers {
  return {
    createApp: createApp(deps),
    listApps: listApps(deps),
    createServiceToken: createServiceToken(deps),
    listServiceTokens: listServiceTokens(deps),
    getServiceToken: getServiceToken(deps),
    revokeServiceToken: revokeServiceToken(deps),
    getCurrentToken: getCurrentToken(deps),
    listWorkspaceAuditEvents: listWorkspaceAuditEvents(deps),
    getApp: getApp(deps),
    updateApp: updateApp(deps),
    deleteApp: deleteApp(deps),
    createApiKey: createApiKey(deps),
    listApiKeys: listApiKeys(deps),
    verifyApiKey: verifyApiKey(deps),
    getApiKey: getApiKey(deps),
    updateApiKey: updateApiKey(deps),
    revokeApiKey: revokeApiKey(deps),
    rotateApiKey: rotateApiKey(deps),
    listAuditEvents: listAuditEvents(deps),
    createWebhookEndpoint: createWebhookEndpoint(deps),
    listWebhookEndpoints: listWebhookEndpoints(deps),
    getWebhookEndpoint: getWebhookEndpoint(deps),
    updateWebhookEndpoint: updateWebhookEndpoint(deps),
    deleteWebhookEndpoint: deleteWebhookEndpoint(deps),
    rotateWebhookEndpointSecret: rotateWebhookEndpointSecret(deps),
    listWebhookDeliveries: listWebhookDeliveries(deps),
  };
}
