import type { ContractCounter } from '../contract/counters.js';
import type { OperationHandlers } from '../operations/operationHandler.js';
import type { ServerMetrics } from './metrics.js';

type AnyHandler = (request: never) => Promise<{ body: unknown }>;

/**
 * The handlers, counting what they did into the contract's counters. Wrapped here rather than
 * read from the HTTP answer, so that an idempotent replay, answered without running the
 * handler, counts no second key.
 */
export function countingOutcomes(
  handlers: OperationHandlers,
  counters: readonly ContractCounter[],
  metrics: ServerMetrics,
): OperationHandlers {
  const counting: Record<string, AnyHandler> = { ...handlers };
  for (const { name, label, operationIds } of counters) {
    const counter = metrics.outcomes.get(name)!;
    for (const operationId of operationIds) {
      const handler = counting[operationId]!;
      // Bound to their label values once: prom-client would hash a label object on every call.
      const bound = new Map<string, ReturnType<typeof counter.labels>>();
      const boundTo = (value: string) => {
        let found = bound.get(value);
        if (!found) {
          found = counter.labels({ [label]: value });
          bound.set(value, found);
        }
        return found;
      };
      counting[operationId] = async (request) => {
        const answer = await handler(request);
        const value = label === 'operation' ? operationId : String((answer.body as Record<string, unknown>)[label]);
        boundTo(value).inc();
        return answer;
      };
    }
  }
  return counting as unknown as OperationHandlers;
}
