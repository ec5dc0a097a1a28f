import type { Request, RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import { constantTimeEqual } from '../../keys/secret.js';
import { type ServerMetrics, UNKNOWN_ROUTE } from '../../observability/metrics.js';
import { ProblemError } from '../problem.js';

/** The operationId of the contract operation a request is for, if any (registerOperations.ts decides it as Express routes). */
export type OperationOf = (method: string, path: string) => { operationId: string } | undefined;

// Decided from the method and path rather than from the route Express matched: an answer given
// before the route (401, 429, 400 from the validator) still counts for its operation.
function operationLabel(req: Request, operationOf: OperationOf): string {
  const operation = operationOf(req.method, req.path);
  if (operation) {
    return operation.operationId;
  }
  const path: unknown = req.route?.path;
  const routePath = Array.isArray(path) ? path[0] : path;
  return typeof routePath === 'string' ? `${req.baseUrl}${routePath}` : UNKNOWN_ROUTE;
}

/** Counts and times every answer, by operation and status. */
export function requestMetrics(metrics: ServerMetrics, operationOf: OperationOf): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const labels = { operation: operationLabel(req, operationOf), status: String(res.statusCode) };
      metrics.requests.inc(labels);
      metrics.requestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

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
