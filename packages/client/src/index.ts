export {
  createApiKeysClient,
  type ApiKey,
  type ApiKeyWithSecret,
  type ApiKeysClient,
  type ApiKeysClientOptions,
  type CreateApiKeyRequest,
  type RequestOptions,
} from './createApiKeysClient.js';
export { ApiKeysError, ApiKeysNetworkError, ApiKeysTimeoutError, type Problem } from './errors.js';
