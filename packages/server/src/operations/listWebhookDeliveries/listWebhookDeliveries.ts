import type { operations } from '@apikeys/types';
import { invalidRequest } from '../../contract/problems.js';
import { requestPointer } from '../../contract/requestPointer.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';
import { decodeCursor, encodeCursor, pageOf } from '../pageCursor.js';
import { endpointNotFound } from '../webhookEndpointRules.js';

export const listWebhookDeliveries =
  ({ store, cursorSecret }: OperationDeps): OperationHandler<operations['listWebhookDeliveries']> =>
  async ({ params: { appName, endpointId }, query }) => {
    // The request check has filled in the contract's default for limit.
    const { limit, status, cursor } = query as typeof query & Required<Pick<typeof query, 'limit'>>;
    const listing = JSON.stringify(['webhook-deliveries', appName, endpointId, status ?? null]);
    const position = cursor === undefined ? undefined : decodeCursor(cursorSecret, listing, cursor);
    if (cursor !== undefined && !position) {
      throw invalidRequest([{ pointer: requestPointer.query('cursor'), message: 'is not a cursor of this listing' }]);
    }
    if (!(await store.findWebhookEndpoint(appName, endpointId))) {
      throw await endpointNotFound(store, appName, endpointId);
    }
    // One delivery more than the page holds tells whether there is a next page.
    const deliveries = await store.webhookDeliveries({ endpointId, status, after: position, limit: limit + 1 });
    const { page, next_cursor } = pageOf(deliveries, limit, (last) =>
      encodeCursor(cursorSecret, listing, { createdAt: last.created_at, id: last.id }),
    );
    return { status: 200, body: { data: page, next_cursor } };
  };
