import type { operations } from '@apikeys/types';
import { ProblemError } from '../../contract/problems.js';
import { issueKey } from '../../keys/issueKey.js';
import { statusOf, withStatus } from '../../keys/keyStatus.js';
import type { KeyRecord } from '../../keys/types.js';
import { keyNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';

/** Why `key` cannot be rotated at `now`, if it cannot. */
function rotationConflict(key: KeyRecord, now: Date): ProblemError | undefined {
  if (key.rotated_to !== null) {
    return new ProblemError('key-already-rotated', `Key '${key.id}' was already rotated to '${key.rotated_to}'.`);
  }
  const status = statusOf(key, now);
  if (status === 'revoked') {
    return new ProblemError('key-revoked', `Key '${key.id}' is revoked and cannot be rotated.`);
  }
  if (status === 'expired') {
    return new ProblemError('key-expired', `Key '${key.id}' has expired; extend its expires_at before rotating it.`);
  }
  return undefined;
}

export const rotateApiKey =
  ({ store, now, pepper }: OperationDeps): OperationHandler<operations['rotateApiKey']> =>
  async ({ params: { appName, keyId }, body, audit }) => {
    const at = now();
    const [old, app] = await Promise.all([store.findKey(appName, keyId, at), store.findApp(appName)]);
    if (!old || !app) {
      throw await keyNotFound(store, appName, keyId);
    }
    const conflict = rotationConflict(old, at);
    if (conflict) {
      throw conflict;
    }

    const { name, permissions, metadata, owner, environment, expires_at, ratelimits } = old;
    const successor = issueKey(
      app,
      { name, permissions, metadata, owner, environment, expires_at, ratelimits },
      // The successor spends from the old key's balance and counts in its windows (the store
      // shares the lineage's): credits and rate limits carried over.
      { now: at, pepper, rotatedFrom: old.id, sharedCredits: old.credits },
    );
    // The request check has filled in the contract's default (0) when none was sent.
    const revokeAt = new Date(at.getTime() + body.grace_period_seconds! * 1000);
    const rotated = await store.rotateKey(appName, keyId, successor.stored, revokeAt, at, audit);
    if (!rotated) {
      // Another request changed the key since it was read; nothing was written.
      const current = await store.findKey(appName, keyId, at);
      throw (
        (current && rotationConflict(current, at)) ??
        new ProblemError('key-already-rotated', `Key '${keyId}' was changed while rotating it.`)
      );
    }
    return {
      status: 201,
      headers: { 'Cache-Control': 'no-store' },
      body: { ...successor.answer, key: withStatus(successor.answer.key, at) },
    };
  };
