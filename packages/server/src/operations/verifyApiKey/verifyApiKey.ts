import type { operations } from '@apikeys/types';
import { statusOf, withStatus } from '../../keys/keyStatus.js';
import { missingPermissions } from '../../keys/permissions.js';
import { hashSecret, hasValidChecksum } from '../../keys/secret.js';
import { appNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';

const noStore = { 'Cache-Control': 'no-store' };
const STATUS_CODES = { revoked: 'REVOKED', expired: 'EXPIRED' } as const;

export const verifyApiKey =
  ({ store, now, pepper, keyUsage }: OperationDeps): OperationHandler<operations['verifyApiKey']> =>
  async ({ params: { appName }, body: { secret, required_permissions = [] } }) => {
    // The checksum rejects typos and random strings without a database lookup.
    if (!hasValidChecksum(secret)) {
      return { status: 200, headers: noStore, body: { valid: false, code: 'MALFORMED' } };
    }

    const stored = await store.findKeyBySecretHash(hashSecret(secret, pepper));
    // Another app's key is NOT_FOUND too, so that the answer says nothing about other apps.
    if (!stored || stored.key.app_slug !== appName) {
      if (!(await store.findApp(appName))) {
        throw appNotFound(appName);
      }
      return { status: 200, headers: noStore, body: { valid: false, code: 'NOT_FOUND' } };
    }

    const at = now();
    const status = statusOf(stored.key, at);
    if (status !== 'active') {
      return { status: 200, headers: noStore, body: { valid: false, code: STATUS_CODES[status] } };
    }
    const key = withStatus(stored.key, at);
    if (missingPermissions(key.permissions, required_permissions).length > 0) {
      return { status: 200, headers: noStore, body: { valid: false, code: 'INSUFFICIENT_PERMISSIONS', key } };
    }
    keyUsage.record(key.id);
    return { status: 200, headers: noStore, body: { valid: true, code: 'VALID', key } };
  };
