import type { OperationHandlers } from '../operations/operationHandler.js';
import type { ServerMetrics } from './metrics.js';

/**
 * The handlers, counting what they did: keys issued and verification codes. Wrapped here
 * rather than read from the HTTP answer, so that an idempotent replay, answered without
 * running the handler, counts no second key.
 */
export function countingOutcomes(handlers: OperationHandlers, metrics: ServerMetrics): OperationHandlers {
  // Bound to their labels once: prom-client would hash a label object on every call.
  const created = metrics.keysCreated.labels({ operation: 'createApiKey' });
  const rotated = metrics.keysCreated.labels({ operation: 'rotateApiKey' });
  const verifications = new Map<string, ReturnType<typeof metrics.verifications.labels>>();
  return {
    ...handlers,
    createApiKey: async (request) => {
      const answer = await handlers.createApiKey(request);
      created.inc();
      return answer;
    },
    rotateApiKey: async (request) => {
      const answer = await handlers.rotateApiKey(request);
      rotated.inc();
      return answer;
    },
    verifyApiKey: async (request) => {
      const answer = await handlers.verifyApiKey(request);
      const { code } = answer.body;
      let counter = verifications.get(code);
      if (!counter) {
        counter = metrics.verifications.labels({ code });
        verifications.set(code, counter);
      }
      counter.inc();
      return answer;
    },
  };
}
