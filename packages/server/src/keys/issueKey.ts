import type { ApiKeyWithSecret } from '@apikeys/types';
import { type CreditBalance, creditsAt } from './credits.js';
import { generateSecret, hashSecret, suffixOf } from './secret.js';
import { TimeOrderedIds } from './timeOrderedIds.js';
import type { App, KeyRecord, StoredKey } from './types.js';

const keyIds = new TimeOrderedIds();

/** What the caller chooses about a new key; everything else is the service's. */
export type KeyFields = Pick<
  KeyRecord,
  'name' | 'permissions' | 'metadata' | 'owner' | 'environment' | 'expires_at' | 'ratelimits'
>;

export interface IssuedKey {
  /** What the store keeps: the record and the secret's hash. */
  stored: StoredKey;
  /** The one-time answer: the record and the secret. */
  answer: Omit<ApiKeyWithSecret, 'key'> & { key: KeyRecord };
}

/** Makes a new key of `app`: a fresh secret, its hash, and the record. Shared by create and rotate. */
export function issueKey(
  app: App,
  fields: KeyFields,
  options: {
    now: Date;
    pepper?: string | undefined;
    rotatedFrom?: string;
    /** A new balance of its own (createApiKey), stored with the key. */
    balance?: CreditBalance | null;
    /** Its credits as the record shows them, when it shares a balance it does not store (a rotation's successor). */
    sharedCredits?: KeyRecord['credits'];
  },
): IssuedKey {
  const secret = generateSecret(app.keyPrefix);
  const key: KeyRecord = {
    id: keyIds.next(options.now.getTime()),
    app_slug: app.slug,
    key_prefix: app.keyPrefix,
    key_suffix: suffixOf(secret),
    ...fields,
    created_at: options.now.toISOString(),
    revoked_at: null,
    revocation_reason: null,
    last_used_at: null,
    rotated_from: options.rotatedFrom ?? null,
    rotated_to: null,
    credits: options.balance ? creditsAt(options.balance, options.now) : (options.sharedCredits ?? null),
    // Last, as the contract orders the record's fields.
    ratelimits: fields.ratelimits,
  };
  return {
    stored: {
      key,
      secretHash: hashSecret(secret, options.pepper),
      hashScheme: options.pepper ? 'hmac-sha256' : 'sha256',
      usageId: key.id,
      balance: options.balance ?? null,
    },
    answer: { key, secret },
  };
}
