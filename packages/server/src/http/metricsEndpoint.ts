import type { RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import { ProblemError } from '../contract/problems.js';
import { constantTimeEqual } from '../keys/secret.js';

/**
 * `GET /metrics` in Prometheus' text format. With a token, only `Authorization: Bearer <token>`
 * gets it; without one it is open, as Prometheus scrapes by default: it holds counts and
 * timings, no key, app name or secret.
 */
export function metricsEndpoint(registry: Registry, token: string | undefined): RequestHandler {
  return async (req, res, next) => {
    const presented = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (token !== undefined && !(presented && constantTimeEqual(presented, token))) {
      next(
        new ProblemError('unauthorized', 'A valid bearer token (APIKEYS_METRICS_TOKEN) is required.', {
          headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' },
        }),
      );
      return;
    }
    res.type(registry.contentType).send(await registry.metrics());
  };
}
