// Generated from spec/openapi.yaml by `pnpm generate`. Do not edit.
/** The scopes a service token needs for each operation (every one listed, for rotateApiKey both). */
export const operationScopes = {
  createApp: ["apps:manage"],
  listApps: ["apps:manage"],
  createServiceToken: ["tokens:manage"],
  listServiceTokens: ["tokens:manage"],
  getServiceToken: ["tokens:manage"],
  revokeServiceToken: ["tokens:manage"],
  getCurrentToken: [],
  listWorkspaceAuditEvents: ["audit:read"],
  getApp: ["apps:manage"],
  updateApp: ["apps:manage"],
  deleteApp: ["apps:manage"],
  createApiKey: ["keys:create"],
  listApiKeys: ["keys:read"],
  verifyApiKey: ["keys:verify"],
  getApiKey: ["keys:read"],
  updateApiKey: ["keys:update"],
  revokeApiKey: ["keys:revoke"],
  rotateApiKey: ["keys:create","keys:revoke"],
  listAuditEvents: ["audit:read"],
} as const;
