import type { operations } from '@apikeys/types';
import { ProblemError } from '../../contract/problems.js';
import { AppExistsError } from '../../store/keyStore.js';
import { appRecord, refuseServiceTokenPrefix } from '../appRecord.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';

export const createApp =
  ({ store, now }: OperationDeps): OperationHandler<operations['createApp']> =>
  async ({ body, audit }) => {
    refuseServiceTokenPrefix(body.key_prefix);
    try {
      const app = await store.addApp(
        { slug: body.slug, keyPrefix: body.key_prefix, displayName: body.display_name ?? null },
        now(),
        audit,
      );
      return { status: 201, body: appRecord(app) };
    } catch (error) {
      if (error instanceof AppExistsError) {
        throw new ProblemError('app-already-exists', error.message);
      }
      throw error;
    }
  };
