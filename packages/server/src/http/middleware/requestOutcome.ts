import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../../logger.js';
import { type ServerMetrics, UNKNOWN_ROUTE } from '../../observability/metrics.js';

// A caller's request id is kept only in the shapes tracing systems use (a UUID, or 16-64 hex
// digits): anything else, a token sent there by mistake say, is replaced rather than logged.
const REQUEST_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,64})$/i;

/** The contract operation a request is for, if any (operationDispatcher.ts decides it as Express would route it). */
export type OperationOf = (method: string, path: string) => { route: { operationId: string } } | undefined;

// The route that answered, as Express writes it (`/api-auth/apps/:appName/keys`), when one did:
// the operation dispatcher's (res.locals.route), or one of Express's own routes (`/healthz`).
function routeOf(req: Request, locals: Record<string, unknown>): string | undefined {
  if (typeof locals.route === 'string') {
    return locals.route;
  }
  const path: unknown = req.route?.path;
  const routePath = Array.isArray(path) ? path[0] : path;
  return typeof routePath === 'string' ? `${req.baseUrl}${routePath}` : undefined;
}

export interface RequestOutcomeOptions {
  logger: Logger;
  metrics: ServerMetrics;
  operationOf: OperationOf;
}

/**
 * Gives every request an id (the caller's X-Request-Id when it has a safe shape), echoed in the
 * answer, and decides its contract operation once (`res.locals.operation`), before anything else
 * runs. When the answer ends, one listener logs one line and counts and times it.
 *
 * The line holds method, route, path and outcome only: headers, query strings and bodies (which
 * carry credentials and secrets) are never logged, and the path goes through the logger's
 * masking. The metrics' operation label is decided from the method and path rather than from the
 * route Express matched, so an answer given before the route (401, 429, 400 from the validator)
 * still counts for its operation; anything else is its route, or `unknown`.
 */
export function requestOutcome({ logger, metrics, operationOf }: RequestOutcomeOptions): RequestHandler {
  // prom-client hashes a label object on every call: keep each operation and status's children.
  const observers = new Map<string, { count(): void; time(seconds: number): void }>();
  const observer = (operation: string, status: number) => {
    const key = `${operation} ${status}`;
    let found = observers.get(key);
    if (!found) {
      const labels = { operation, status: String(status) };
      const counter = metrics.requests.labels(labels);
      const histogram = metrics.requestDuration.labels(labels);
      found = { count: () => counter.inc(), time: (seconds) => histogram.observe(seconds) };
      observers.set(key, found);
    }
    return found;
  };
  const pino = logger.pino;

  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const operation = operationOf(req.method, req.path);
    res.locals.operation = operation;

    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.statusCode;
      const route = routeOf(req, res.locals);
      // An answer cut short (the client went away) is logged as an error, and not counted.
      const finished = res.writableFinished;
      if (finished) {
        const counted = observer(operation?.route.operationId ?? route ?? UNKNOWN_ROUTE, status);
        counted.count();
        counted.time(seconds);
      }
      const fields = {
        requestId,
        method: req.method,
        ...(route ? { route } : {}),
        path: req.path,
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
      };
      if (!finished || status >= 500) {
        pino.error(fields, 'request');
      } else {
        pino.info(fields, 'request');
      }
    });
    next();
  };
}
