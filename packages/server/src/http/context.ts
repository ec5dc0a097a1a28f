import type { ValidatedRequest } from '../contract/requestCheck.js';
import type { OperationMatch } from '../contract/routes.js';
import type { Principal } from '../keys/types.js';
import type { RecordedAnswer } from './idempotency.js';

// What the request stages leave for the ones after them, declared once for Express's
// `res.locals`: each stage's module says which of these it sets.
declare global {
  namespace Express {
    interface Locals {
      /** requestId.ts: the caller's X-Request-Id when it has a safe shape, else a new UUID. */
      requestId: string;
      /** match.ts: the contract operation the method and path name, if any. */
      operation?: OperationMatch | undefined;
      /** auth.ts: the bearer token that was accepted, and whose it is. */
      token?: string;
      principal?: Principal;
      /** validate.ts: the parameters and body as checked, coerced and filled in. */
      validated?: Omit<ValidatedRequest, 'body'>;
      /** secretScanning/githubSecretScanning.ts: the delivery's signature headers, checked before its body is read. */
      githubSignature?: { keyId: string; signature: string };
      /** dispatch.ts: the route whose handler ran, as Express writes it (`/api-auth/apps/:appName/keys`). */
      route?: string;
      /** dispatch.ts: the operation's answer, for answer.ts to send. */
      answer?: RecordedAnswer;
    }
  }
}
