import type { operations } from '@apikeys/types';
import { appRecord } from '../appRecord.js';
import { appNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';

export const getApp =
  ({ store }: OperationDeps): OperationHandler<operations['getApp']> =>
  async ({ params: { appName } }) => {
    const app = await store.findApp(appName);
    if (!app) {
      throw appNotFound(appName);
    }
    return { status: 200, body: appRecord(app) };
  };
