export {
  type ApiKeysClient,
  createApiKeysClient,
  type IdempotentRequestOptions,
  type ListApiKeysQuery,
  type ListAuditEventsQuery,
} from './createApiKeysClient.js';
export { ApiKeysError, ApiKeysNetworkError, type ApiKeysProblem, ApiKeysTimeoutError } from './errors.js';
// The contract's own types (generated into this package, so that it installs alone), as consumers
// need them to write their calls and read the answers.
export type {
  ApiKey,
  ApiKeyList,
  ApiKeyWithSecret,
  AuditAction,
  AuditChange,
  AuditEvent,
  AuditEventList,
  CreateApiKeyRequest,
  KeyStatus,
  Problem,
  RevokeApiKeyRequest,
  RotateApiKeyRequest,
  UpdateApiKeyRequest,
  ValidationError,
  VerificationCode,
  VerifyApiKeyRequest,
  VerifyApiKeyResponse,
} from './generated/openapi.js';
export { operationScopes } from './generated/operationScopes.js';
export type { ProblemType } from './generated/problemTypes.js';
export type { RetryOptions } from './retry.js';
export type { ApiKeysClientOptions, RequestOptions } from './transport.js';
