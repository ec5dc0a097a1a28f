import type { operations } from '@apikeys/types';
import { invalidRequest } from '../../contract/problems.js';
import { requestPointer } from '../../contract/requestPointer.js';
import { workspaceAuditEvent } from '../../store/auditEvents.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';
import { decodeCursor, encodeCursor, pageOf } from '../pageCursor.js';

// Unlike an app's audit trail's cursor (it names the app and a key filter), so that neither is taken for the other.
const LISTING = JSON.stringify(['workspace-audit-events']);

export const listWorkspaceAuditEvents =
  ({ store, cursorSecret }: OperationDeps): OperationHandler<operations['listWorkspaceAuditEvents']> =>
  async ({ query }) => {
    // The request check has filled in the contract's default for limit.
    const { limit, cursor } = query as typeof query & Required<Pick<typeof query, 'limit'>>;
    const position = cursor === undefined ? undefined : decodeCursor(cursorSecret, LISTING, cursor);
    if (cursor !== undefined && !position) {
      throw invalidRequest([{ pointer: requestPointer.query('cursor'), message: 'is not a cursor of this listing' }]);
    }
    // One event more than the page holds tells whether there is a next page.
    const events = await store.workspaceAuditEvents({
      after: position && { occurredAt: position.createdAt, id: position.id },
      limit: limit + 1,
    });
    const { page, next_cursor } = pageOf(events, limit, (last) =>
      encodeCursor(cursorSecret, LISTING, { createdAt: last.occurredAt, id: last.id }),
    );
    return { status: 200, body: { data: page.map(workspaceAuditEvent), next_cursor } };
  };
