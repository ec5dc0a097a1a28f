import type { operations } from '@apikeys/types';
import { invalidRequest } from '../../contract/problems.js';
import { requestPointer } from '../../contract/requestPointer.js';
import { appRecord } from '../appRecord.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';
import { decodeNameCursor, encodeNameCursor, pageOf } from '../pageCursor.js';

// Unlike the key and audit listings' cursors (a time and an id), so that none is taken for another.
const LISTING = JSON.stringify(['apps']);

export const listApps =
  ({ store, cursorSecret, patterns }: OperationDeps): OperationHandler<operations['listApps']> =>
  async ({ query }) => {
    // The request check has filled in the contract's default for limit.
    const { limit, cursor } = query as typeof query & Required<Pick<typeof query, 'limit'>>;
    const after = cursor === undefined ? undefined : decodeNameCursor(cursorSecret, LISTING, cursor, patterns.appSlug);
    if (cursor !== undefined && after === undefined) {
      throw invalidRequest([{ pointer: requestPointer.query('cursor'), message: 'is not a cursor of this listing' }]);
    }
    // One app more than the page holds tells whether there is a next page.
    const apps = await store.findApps({ after, limit: limit + 1 });
    const { page, next_cursor } = pageOf(apps, limit, (last) => encodeNameCursor(cursorSecret, LISTING, last.slug));
    return { status: 200, body: { data: page.map(appRecord), next_cursor } };
  };
