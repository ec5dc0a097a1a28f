import type { operations } from '@apikeys/types';
import { invalidRequest } from '../../contract/problems.js';
import { type Credits, creditsAt } from '../../keys/credits.js';
import { statusOf, withStatus } from '../../keys/keyStatus.js';
import { missingPermissions } from '../../keys/permissions.js';
import { appliedLimits } from '../../keys/ratelimits.js';
import { hashSecret, hasValidChecksum } from '../../keys/secret.js';
import { verificationRatelimitProblems } from '../keyFieldRules.js';
import { appNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';

const noStore = { 'Cache-Control': 'no-store' };
const remainingOf = (credits: Credits | null) => credits && { remaining: credits.remaining };
const STATUS_CODES = { revoked: 'REVOKED', expired: 'EXPIRED' } as const;
const REFUSALS = { rate_limited: 'RATE_LIMITED', usage_exceeded: 'USAGE_EXCEEDED' } as const;

export const verifyApiKey =
  ({ store, now, pepper, keyUsage }: OperationDeps): OperationHandler<operations['verifyApiKey']> =>
  async ({ params: { appName }, body }) => {
    const { secret, required_permissions = [], credits: { cost = 1 } = {}, ratelimits: requested } = body;
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
    // A limit the key does not have is the caller's mistake, whatever the key's state.
    const problems = verificationRatelimitProblems(stored.key.ratelimits, requested);
    if (problems.length > 0) {
      throw invalidRequest(problems);
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
        body: {
          valid: false,
          code: 'INSUFFICIENT_PERMISSIONS',
          key,
          credits: remainingOf(key.credits),
          ratelimits: [],
        },
      };
    }
    // Rate limits, then credits, last: a verification refused for any other reason counts and spends nothing.
    const limits = appliedLimits(key.ratelimits, requested);
    const usage =
      limits.length > 0 || stored.balance
        ? await store.spendUsage({
            usageId: stored.usageId ?? key.id,
            now: at,
            ratelimits: limits,
            credits: stored.balance ? { cost, refill: stored.balance.refill } : undefined,
          })
        : undefined;
    if (usage?.credits && key.credits) {
      key.credits = { ...key.credits, remaining: usage.credits.remaining };
    }
    // A balance gone meanwhile: none.
    const credits = usage?.credits ? { remaining: usage.credits.remaining } : null;
    const ratelimits = usage?.ratelimits ?? [];
    if (usage && usage.outcome !== 'spent') {
      return {
        status: 200,
        headers: noStore,
        body: { valid: false, code: REFUSALS[usage.outcome], key, credits, ratelimits },
      };
    }
    keyUsage.record(key.id);
    return { status: 200, headers: noStore, body: { valid: true, code: 'VALID', key, credits, ratelimits } };
  };
