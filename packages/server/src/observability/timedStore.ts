import type { Histogram } from 'prom-client';
import type { KeyStore } from '../store/keyStore.js';

/**
 * The store, with every method call timed into `duration` under the method's name (the label
 * set is the interface's method names). A call that fails is timed too.
 */
export function timedStore(store: KeyStore, duration: Histogram<'method'>): KeyStore {
  const timed = new Map<PropertyKey, unknown>();
  // As in verificationCache.ts: an empty target, methods run on the store itself.
  return new Proxy({} as KeyStore, {
    get(_empty, property) {
      const value: unknown = Reflect.get(store, property, store);
      if (typeof value !== 'function' || typeof property !== 'string') {
        return value;
      }
      let wrapped = timed.get(property);
      if (wrapped === undefined) {
        // Bound to its label once: prom-client would hash a label object on every call.
        const timer = duration.labels({ method: property });
        wrapped = async (...args: unknown[]) => {
          const end = timer.startTimer();
          try {
            return await value.apply(store, args);
          } finally {
            end();
          }
        };
        timed.set(property, wrapped);
      }
      return wrapped;
    },
  });
}
