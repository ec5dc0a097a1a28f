import type { operations } from '@apikeys/types';
import { invalidRequest } from '../../contract/problems.js';
import { requestPointer } from '../../contract/requestPointer.js';
import { appNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';
import { decodeCursor, encodeCursor, pageOf } from '../pageCursor.js';

export const listAuditEvents =
  ({ store, cursorSecret }: OperationDeps): OperationHandler<operations['listAuditEvents']> =>
  async ({ params: { appName }, query }) => {
    // The request check has filled in the contract's default for limit.
    const { limit, key_id: keyId, cursor } = query as typeof query & Required<Pick<typeof query, 'limit'>>;
    // Unlike a listApiKeys cursor (four parts), so that one is never taken for the other.
    const listing = JSON.stringify(['audit-events', appName, keyId ?? null]);
    const position = cursor === undefined ? undefined : decodeCursor(cursorSecret, listing, cursor);
    if (cursor !== undefined && !position) {
      throw invalidRequest([{ pointer: requestPointer.query('cursor'), message: 'is not a cursor of this listing' }]);
    }
    if (!(await store.findApp(appName))) {
      throw appNotFound(appName);
    }

    // One event more than the page holds tells whether there is a next page.
    const events = await store.keyAuditEvents({
      appSlug: appName,
      keyId,
      after: position && { occurredAt: position.createdAt, id: position.id },
      limit: limit + 1,
    });
    const { page, next_cursor } = pageOf(events, limit, (last) =>
      encodeCursor(cursorSecret, listing, { createdAt: last.occurred_at, id: last.id }),
    );
    return { status: 200, body: { data: page, next_cursor } };
  };
