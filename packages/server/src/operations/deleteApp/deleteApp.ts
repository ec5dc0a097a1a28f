import type { operations } from '@apikeys/types';
import { appHasKeys, appRecord } from '../appRecord.js';
import { appNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';

export const deleteApp =
  ({ store, now }: OperationDeps): OperationHandler<operations['deleteApp']> =>
  async ({ params: { appName }, audit }) => {
    const outcome = await store.removeApp(appName, now(), audit);
    if (!outcome) {
      throw appNotFound(appName);
    }
    if ('liveKeys' in outcome) {
      const keys = outcome.liveKeys === 1 ? '1 key that is' : `${outcome.liveKeys} keys that are`;
      throw appHasKeys(`App '${appName}' has ${keys} neither revoked nor expired; revoke them before deleting it.`);
    }
    return { status: 200, body: appRecord(outcome.deleted) };
  };
