import type { operations } from '@apikeys/types';
import { invalidRequest, ProblemError } from '../../contract/problems.js';
import { newBalance } from '../../keys/credits.js';
import { withStatus } from '../../keys/keyStatus.js';
import { ratelimitsOf } from '../../keys/ratelimits.js';
import type { KeyChanges } from '../../keys/types.js';
import {
  creditProblems,
  expiryProblems,
  metadataProblems,
  normaliseExpiry,
  ratelimitProblems,
} from '../keyFieldRules.js';
import { keyNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';

export const updateApiKey =
  ({ store, now, limits }: OperationDeps): OperationHandler<operations['updateApiKey']> =>
  async ({ params: { appName, keyId }, body, audit }) => {
    const at = now();
    const problems = [
      ...expiryProblems(body.expires_at, at),
      ...metadataProblems(body.metadata, limits),
      ...creditProblems(body.credits),
      ...ratelimitProblems(body.ratelimits),
    ];
    if (problems.length > 0) {
      throw invalidRequest(problems);
    }

    const { credits, ratelimits, ...fields } = body;
    const changes: KeyChanges = {
      ...fields,
      // The lineage's list, replaced whole.
      ...(ratelimits === undefined ? {} : { ratelimits: ratelimitsOf(ratelimits) }),
      ...(body.expires_at === undefined ? {} : { expires_at: normaliseExpiry(body.expires_at) }),
      // A new balance replaces the lineage's, refills counted from now.
      ...(credits === undefined ? {} : { credits: credits && newBalance(credits, at) }),
    };
    const updated = await store.updateKey(appName, keyId, changes, at, audit);
    if (updated) {
      return { status: 200, body: withStatus(updated, at) };
    }
    // Nothing was written: say whether the key is missing or revoked.
    if (!(await store.findKey(appName, keyId, at))) {
      throw await keyNotFound(store, appName, keyId);
    }
    throw new ProblemError('key-revoked', `Key '${keyId}' is revoked and cannot be changed.`);
  };
