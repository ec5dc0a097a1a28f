import type { operations } from '@apikeys/types';
import { type Credits, creditsAt } from '../../keys/credits.js';
import { statusOf, withStatus } from '../../keys/keyStatus.js';
import { missingPermissions } from '../../keys/permissions.js';
import { hashSecret, hasValidChecksum } from '../../keys/secret.js';
import { appNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';

const noStore = { 'Cache-Control': 'no-store' };
const remainingOf = (credits: Credits | null) => credits && { remaining: credits.remaining };
const STATUS_CODES = { revoked: 'REVOKED', expired: 'EXPIRED' } as const;

export const verifyApiKey =
  ({ store, now, pepper, keyUsage }: OperationDeps): OperationHandler<operations['verifyApiKey']> =>
  async ({ params: { appName }, body: { secret, required_permissions = [], credits: { cost = 1 } = {} } }) => {
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
    const found = withStatus(stored.key, at);
    // The record may come from the verification cache: its credits as of now, from its balance.
    const key = { ...found, credits: stored.balance ? creditsAt(stored.balance, at) : null };
    if (missingPermissions(key.permissions, required_permissions).length > 0) {
      return {
        status: 200,
        headers: noStore,
        body: { valid: false, code: 'INSUFFICIENT_PERMISSIONS', key, credits: remainingOf(key.credits) },
      };
    }
    // Credits last, so that a verification refused for any other reason spends nothing.
    const spend =
      stored.balance && stored.usageId
        ? await store.spendCredits({ usageId: stored.usageId, cost, refill: stored.balance.refill, now: at })
        : undefined;
    if (spend && key.credits) {
      key.credits = { ...key.credits, remaining: spend.remaining };
    }
    const credits = spend ? { remaining: spend.remaining } : null;
    if (spend && !spend.spent) {
      return { status: 200, headers: noStore, body: { valid: false, code: 'USAGE_EXCEEDED', key, credits } };
    }
    keyUsage.record(key.id);
    return { status: 200, headers: noStore, body: { valid: true, code: 'VALID', key, credits } };
  };
