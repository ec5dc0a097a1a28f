// Generated from spec/openapi.yaml by `pnpm generate`. Do not edit.
/** Every kind of problem this version of the API answers with. */
export type ProblemType =
  /** 400 Invalid request */
  | "urn:apikeys:problem:invalid-request"
  /** 401 Unauthorized */
  | "urn:apikeys:problem:unauthorized"
  /** 403 Insufficient scope */
  | "urn:apikeys:problem:insufficient-scope"
  /** 404 App not found */
  | "urn:apikeys:problem:app-not-found"
  /** 404 Key not found */
  | "urn:apikeys:problem:key-not-found"
  /** 404 Service token not found */
  | "urn:apikeys:problem:token-not-found"
  /** 404 Webhook endpoint not found */
  | "urn:apikeys:problem:webhook-endpoint-not-found"
  /** 404 Not found */
  | "urn:apikeys:problem:not-found"
  /** 405 Method not allowed */
  | "urn:apikeys:problem:method-not-allowed"
  /** 408 Request timeout */
  | "urn:apikeys:problem:request-timeout"
  /** 409 Key revoked */
  | "urn:apikeys:problem:key-revoked"
  /** 409 Key expired */
  | "urn:apikeys:problem:key-expired"
  /** 409 Key already rotated */
  | "urn:apikeys:problem:key-already-rotated"
  /** 409 App already exists */
  | "urn:apikeys:problem:app-already-exists"
  /** 409 App has keys */
  | "urn:apikeys:problem:app-has-keys"
  /** 409 Token name taken */
  | "urn:apikeys:problem:token-name-taken"
  /** 409 Too many webhook endpoints */
  | "urn:apikeys:problem:webhook-endpoint-limit"
  /** 409 Idempotency key in use */
  | "urn:apikeys:problem:idempotency-key-in-use"
  /** 409 Payload replayed */
  | "urn:apikeys:problem:payload-replayed"
  /** 413 Payload too large */
  | "urn:apikeys:problem:payload-too-large"
  /** 415 Unsupported media type */
  | "urn:apikeys:problem:unsupported-media-type"
  /** 422 Idempotency key reused */
  | "urn:apikeys:problem:idempotency-key-reused"
  /** 429 Too many requests */
  | "urn:apikeys:problem:rate-limited"
  /** 431 Request header fields too large */
  | "urn:apikeys:problem:request-header-fields-too-large"
  /** 500 Internal server error */
  | "urn:apikeys:problem:internal-error"
  /** 503 Signing keys unavailable */
  | "urn:apikeys:problem:signing-keys-unavailable";
