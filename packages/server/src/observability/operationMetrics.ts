import type { OperationHandlers } from '../operations/operationHandler.js';
import type { ServerMetrics } from './metrics.js';

/**
 * The handlers, counting what they did: keys issued and verification codes. Wrapped here
 * rather than read from the HTTP answer, so that an idempotent replay, answered without
 * running the handler, counts no second key.
 */
export function countingOutcomes(handlers: OperationHandlers, metrics: ServerMetrics): OperationHandlers {
  return {
    ...handlers,
    createApiKey: async (request) => {
      const answer = await handlers.createApiKey(request);
      metrics.keysCreated.inc({ operation: 'createApiKey' });
      return answer;
    },
    rotateApiKey: async (request) => {
      const answer = await handlers.rotateApiKey(request);
      metrics.keysCreated.inc({ operation: 'rotateApiKey' });
      return answer;
    },
    verifyApiKey: async (request) => {
      const answer = await handlers.verifyApiKey(request);
      metrics.verifications.inc({ code: answer.body.code });
      return answer;
    },
  };
}
