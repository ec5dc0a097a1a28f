import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { ContractCounter } from '../contract/counters.js';

/** The label of a request that matched no route: raw paths would make the label set unbounded. */
export const UNKNOWN_ROUTE = 'unknown';

/** One server's metrics, in its own registry (never prom-client's global one), so one process can hold several servers. */
export interface ServerMetrics {
  registry: Registry;
  /** Answers by operation (the contract's operationId, or the server's own route) and status. */
  requests: Counter<'operation' | 'status'>;
  requestDuration: Histogram<'operation' | 'status'>;
  /** The contract's counters (`x-counters`), by name: what its operations did, counted by their handlers. */
  outcomes: ReadonlyMap<string, Counter>;
  /** Each call to the key store (the database, below the verification cache), by method. */
  storeDuration: Histogram<'method'>;
}

export function createMetrics(counters: readonly ContractCounter[]): ServerMetrics {
  const registry = new Registry();
  // Process and runtime metrics, under their usual names: event-loop lag, resident memory, heap, GC, handles.
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'apikeys_http_requests_total',
      help: 'HTTP answers, by operation and status.',
      labelNames: ['operation', 'status'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'apikeys_http_request_duration_seconds',
      help: 'Time from the request to the end of its answer, by operation and status.',
      labelNames: ['operation', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    outcomes: new Map(
      counters.map(({ name, help, label }) => [
        name,
        new Counter({ name, help, labelNames: [label], registers: [registry] }),
      ]),
    ),
    storeDuration: new Histogram({
      name: 'apikeys_store_call_duration_seconds',
      help: 'Time of each call to the key store (SQLite or PostgreSQL), by method.',
      labelNames: ['method'],
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  };
}
