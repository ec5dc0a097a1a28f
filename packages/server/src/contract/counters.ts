import type { ContractDocument } from './document.js';
import type { ContractRoute } from './routes.js';

// The counters are declared in the contract (`x-counters` at its root, `x-counter` on each
// operation that counts into one), so that a new operation is counted by saying so in the spec.

export interface ContractCounter {
  /** The metric's name, `apikeys_keys_created_total`. */
  name: string;
  help: string;
  /** Its one label: `operation` (the counting operationId) or a field of the answer's body. */
  label: string;
  /** The operations that count into it. */
  operationIds: readonly string[];
}

function declared(document: ContractDocument): Record<string, { help?: unknown; label?: unknown }> {
  const counters = (document as Record<string, unknown>)['x-counters'] ?? {};
  if (typeof counters !== 'object' || counters === null) {
    throw new Error("The contract's x-counters is not a map of counters");
  }
  return counters as Record<string, { help?: unknown; label?: unknown }>;
}

/** Every counter the contract declares, with the operations that name it; a name it lacks fails here, at start. */
export function contractCounters(document: ContractDocument, routes: readonly ContractRoute[]): ContractCounter[] {
  const counters = declared(document);
  const named = routes.flatMap((route) => {
    const name = (route.operation as Record<string, unknown>)['x-counter'];
    if (name === undefined) {
      return [];
    }
    if (typeof name !== 'string' || !(name in counters)) {
      throw new Error(`${route.operationId}'s x-counter names no counter declared in x-counters`);
    }
    return [{ name, operationId: route.operationId }];
  });
  return Object.entries(counters).map(([name, { help, label }]) => {
    if (typeof help !== 'string' || typeof label !== 'string') {
      throw new Error(`The contract's counter ${name} has no help or no label`);
    }
    const operationIds = named.filter((each) => each.name === name).map((each) => each.operationId);
    return { name, help, label, operationIds };
  });
}
