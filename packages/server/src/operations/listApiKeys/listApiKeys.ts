import type { operations } from '@apikeys/types';
import { invalidRequest } from '../../contract/problems.js';
import { requestPointer } from '../../contract/requestPointer.js';
import { withStatus } from '../../keys/keyStatus.js';
import { appNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';
import { decodeCursor, encodeCursor, pageOf } from '../pageCursor.js';

export const listApiKeys =
  ({ store, now, cursorSecret, patterns }: OperationDeps): OperationHandler<operations['listApiKeys']> =>
  async ({ params: { appName }, query }) => {
    // The request check has filled in the contract's defaults for limit and status.
    const { limit, status, environment, owner, cursor } = query as typeof query &
      Required<Pick<typeof query, 'limit' | 'status'>>;
    const listing = JSON.stringify([appName, status, environment ?? null, owner ?? null]);
    const after = cursor === undefined ? undefined : decodeCursor(cursorSecret, listing, cursor);
    if (cursor !== undefined && !after) {
      throw invalidRequest([{ pointer: requestPointer.query('cursor'), message: 'is not a cursor of this listing' }]);
    }
    if (!(await store.findApp(appName))) {
      throw appNotFound(appName);
    }
    // A filter no key's owner can match (the contract's Owner pattern refuses it: a control
    // character, which PostgreSQL could not even compare) matches nothing.
    if (owner !== undefined && !patterns.owner.test(owner)) {
      return { status: 200, body: { data: [], next_cursor: null } };
    }

    const at = now();
    // One key more than the page holds tells whether there is a next page.
    const keys = await store.listKeys({
      appSlug: appName,
      status,
      environment,
      owner,
      after,
      limit: limit + 1,
      now: at,
    });
    const { page, next_cursor } = pageOf(keys, limit, (last) =>
      encodeCursor(cursorSecret, listing, { createdAt: last.created_at, id: last.id }),
    );
    return { status: 200, body: { data: page.map((key) => withStatus(key, at)), next_cursor } };
  };
