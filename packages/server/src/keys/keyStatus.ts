import type { ApiKey, KeyStatus } from '@apikeys/types';

type Timestamps = Pick<ApiKey, 'revoked_at' | 'expires_at'>;

/**
 * A key's status is not stored: it follows from its timestamps and the time of asking. A
 * rotated key's revoked_at lies in the future during its grace period, so it stays active until then.
 */
export function statusOf(key: Timestamps, now: Date): KeyStatus {
  const time = now.getTime();
  if (key.revoked_at !== null && Date.parse(key.revoked_at) <= time) {
    return 'revoked';
  }
  if (key.expires_at !== null && Date.parse(key.expires_at) <= time) {
    return 'expired';
  }
  return 'active';
}

/** The record as the contract answers it, with its status as of `now`. */
export function withStatus<Key extends Timestamps>(key: Key, now: Date): Key & { status: KeyStatus } {
  return { ...key, status: statusOf(key, now) };
}
