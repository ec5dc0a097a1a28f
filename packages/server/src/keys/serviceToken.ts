import { generateSecret, hashSecret } from './secret.js';
import type { StoredServiceToken } from './types.js';

/**
 * What every service token starts with. A token has the shape of a key's secret (`apt_`, 43 random
 * base62 characters, a CRC-32 checksum), so the log masking and secret scanners recognise it too.
 */
export const SERVICE_TOKEN_PREFIX = 'apt';

/** The names APIKEYS_TOKENS' tokens go by (`env-token-1`, …): a database token cannot take them. */
export const ENV_TOKEN_NAME_PREFIX = 'env-token-';

export const envTokenName = (index: number) => `${ENV_TOKEN_NAME_PREFIX}${index + 1}`;

/** A new service token: the token, shown once, and what the store keeps (its hash, never the token). */
export function issueServiceToken(
  name: string,
  scopes: readonly string[],
  options: { now: Date; pepper?: string | undefined },
): { token: string; stored: StoredServiceToken } {
  const token = generateSecret(SERVICE_TOKEN_PREFIX);
  return {
    token,
    stored: {
      name,
      scopes: [...scopes],
      createdAt: options.now.toISOString(),
      revokedAt: null,
      tokenHash: hashSecret(token, options.pepper),
      hashScheme: options.pepper ? 'hmac-sha256' : 'sha256',
    },
  };
}
