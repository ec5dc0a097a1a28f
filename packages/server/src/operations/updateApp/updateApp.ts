import type { operations } from '@apikeys/types';
import type { AppChanges } from '../../keys/types.js';
import { appHasKeys, appRecord, refuseServiceTokenPrefix } from '../appRecord.js';
import { appNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';

export const updateApp =
  ({ store, now }: OperationDeps): OperationHandler<operations['updateApp']> =>
  async ({ params: { appName }, body, audit }) => {
    refuseServiceTokenPrefix(body.key_prefix);
    const changes: AppChanges = {
      ...(body.display_name === undefined ? {} : { displayName: body.display_name }),
      ...(body.key_prefix === undefined ? {} : { keyPrefix: body.key_prefix }),
    };
    const updated = await store.changeApp(appName, changes, now(), audit);
    if (updated) {
      return { status: 200, body: appRecord(updated) };
    }
    // Nothing was written: say why.
    const app = await store.findApp(appName);
    if (!app) {
      throw appNotFound(appName);
    }
    throw appHasKeys(
      `App '${appName}' has keys issued under the prefix '${app.keyPrefix}', which therefore cannot change.`,
    );
  };
