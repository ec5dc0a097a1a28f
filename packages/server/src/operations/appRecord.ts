import type { App as AppRecord } from '@apikeys/types';
import { invalidRequest, ProblemError } from '../contract/problems.js';
import { requestPointer } from '../contract/requestPointer.js';
import { SERVICE_TOKEN_PREFIX } from '../keys/serviceToken.js';
import type { App } from '../keys/types.js';

/** An app as the contract's App record shows it. */
export const appRecord = (app: App): AppRecord => ({
  slug: app.slug,
  key_prefix: app.keyPrefix,
  display_name: app.displayName,
  created_at: app.createdAt,
});

/**
 * The rule on a key prefix beyond its pattern: `apt` is kept for service tokens, which secret
 * scanning tells apart from keys only by their prefix.
 */
export function refuseServiceTokenPrefix(keyPrefix: string | undefined): void {
  if (keyPrefix === SERVICE_TOKEN_PREFIX) {
    throw invalidRequest([
      { pointer: requestPointer.body('key_prefix'), message: `${SERVICE_TOKEN_PREFIX} is kept for service tokens` },
    ]);
  }
}

export const appHasKeys = (detail: string) => new ProblemError('app-has-keys', detail);
