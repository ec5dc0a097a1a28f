import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../logger.js';
import { type ServerMetrics, UNKNOWN_ROUTE } from '../../observability/metrics.js';
import '../context.js';

// The route that answered, as Express writes it (`/api-auth/apps/:appName/keys`), when one did:
// the contract operation's, or one of Express's own routes (`/healthz`).
function routeOf(req: Request, res: Response): string | undefined {
  if (res.locals.route) {
    return res.locals.route;
  }
  const path: unknown = req.route?.path;
  const routePath = Array.isArray(path) ? path[0] : path;
  return typeof routePath === 'string' ? `${req.baseUrl}${routePath}` : undefined;
}

export interface AccessLogOptions {
  logger: Logger;
  metrics: ServerMetrics;
}

/**
 * When the answer ends, one listener logs one line and counts and times it.
 *
 * The line holds method, route, path and outcome only: headers, query strings and bodies (which
 * carry credentials and secrets) are never logged, and the path goes through the logger's
 * masking. The metrics' operation label is the operation match.ts found from the method and path
 * rather than the route Express matched, so an answer given before the handler (401, 429, 400)
 * still counts for its operation; anything else is its route, or `unknown`.
 */
export function accessLog({ logger, metrics }: AccessLogOptions): RequestHandler {
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
    res.once('close', () => {
      const { requestId, operation } = res.locals;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.statusCode;
      const route = routeOf(req, res);
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
