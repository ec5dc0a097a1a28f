// Generated from spec/openapi.yaml by `pnpm generate`. Do not edit.
// One handler per operationId, from operations/<operationId>/<operationId>.ts.
import { createApiKey } from '../createApiKey/createApiKey.js';
import { getApiKey } from '../getApiKey/getApiKey.js';
import { listApiKeys } from '../listApiKeys/listApiKeys.js';
import { listAuditEvents } from '../listAuditEvents/listAuditEvents.js';
import { revokeApiKey } from '../revokeApiKey/revokeApiKey.js';
import { rotateApiKey } from '../rotateApiKey/rotateApiKey.js';
import { updateApiKey } from '../updateApiKey/updateApiKey.js';
import { verifyApiKey } from '../verifyApiKey/verifyApiKey.js';
import type { OperationDeps, OperationHandlers } from '../operationHandler.js';

/** The handler of every operation in the contract. The return type makes a missing one a compile error. */
export function operationHandlers(deps: OperationDeps): OperationHandlers {
  return {
    createApiKey: createApiKey(deps),
    listApiKeys: listApiKeys(deps),
    verifyApiKey: verifyApiKey(deps),
    getApiKey: getApiKey(deps),
    updateApiKey: updateApiKey(deps),
    revokeApiKey: revokeApiKey(deps),
    rotateApiKey: rotateApiKey(deps),
    listAuditEvents: listAuditEvents(deps),
  };
}
