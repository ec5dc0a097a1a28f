export { createApiKeysClient } from './createApiKeysClient.js';
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
  VerificationResult,
  VerifyApiKeyRequest,
} from './generated/openapi.js';
export { operationScopes } from './generated/operationScopes.js';

import type { VerificationResult } from './generated/openapi.js';
/** @deprecated The contract's schema is now named `VerificationResult`; this name stays so that code written against it still compiles. */
export type VerifyApiKeyResponse = VerificationResult;
// ApiKeysClient and the query type of every operation with one (ListApiKeysQuery, …), generated.
export type * from './generated/operations.js';
export type { ProblemType } from './generated/problemTypes.js';
export type { RetryOptions } from './retry.js';
export type { ApiKeysClientOptions, IdempotentRequestOptions, RequestOptions } from './transport.js';
// The events' types only: the verifier is `@apikeys/client/webhooks`, so that this entry keeps
// importing nothing but openapi-fetch and runs in a browser unbundled.
export type { WebhookEvent, WebhookEventType, WebhookHeaders } from './webhooks.js';
