import type { RequestHandler } from 'express';
import type { OpenAPIV3_1 } from 'openapi-types';
import { requiredScopes } from '../keys/scopes.js';
import type { AuditContext } from '../keys/types.js';
import type { OperationHandlers } from '../operations/operationHandler.js';
import type { IdempotencyGuard, RecordedAnswer } from './idempotency.js';
import type { Principal } from './middleware/bearerAuth.js';
import type { ValidatedRequest } from './middleware/requestValidation.js';
import type { ResponseCheck } from './responseValidation.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export interface ContractRoute {
  method: (typeof METHODS)[number];
  /** The contract's path, `/api-auth/apps/{appName}/keys`. */
  path: string;
  operationId: string;
  /** The operation declares the Idempotency-Key header. */
  idempotent: boolean;
  /** The scopes its security requirement names: alternatives, each to be held whole. */
  scopes: readonly (readonly string[])[];
}

const declaresIdempotencyKey = (operation: OpenAPIV3_1.OperationObject) =>
  (operation.parameters ?? []).some(
    (parameter) => 'in' in parameter && parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key',
  );

const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');
const parameterNames = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
const parameterCount = (path: string) => path.split('{').length - 1;
// A contract path as a regular expression: each parameter one segment, the rest literal, and a
// trailing slash allowed (as Express allows it).
const pathPattern = (path: string) =>
  new RegExp(
    `^${path
      .split(/\{\w+\}/)
      .map((text) => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('([^/]+)')}/?$`,
  );
// Fixed segments before parameters, so `/keys/verify` is never taken for `/keys/{keyId}`.
const fixedSegmentsFirst = (routes: ContractRoute[]) =>
  [...routes].sort((a, b) => parameterCount(a.path) - parameterCount(b.path));

/** Every operation the contract declares, with its method and path. */
export function contractRoutes(contract: OpenAPIV3_1.Document): ContractRoute[] {
  return Object.entries(contract.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item?.[method];
      return operation?.operationId
        ? [
            {
              method,
              path,
              operationId: operation.operationId,
              idempotent: declaresIdempotencyKey(operation),
              scopes: requiredScopes(contract, operation),
            },
          ]
        : [];
    }),
  );
}

/** A request's operation, and the path's parameters as sent (still percent-encoded). */
export interface OperationMatch {
  route: ContractRoute;
  /** The route's path as Express writes it, `/api-auth/apps/:appName/keys`: what the request log names. */
  expressPath: string;
  rawParams: Record<string, string>;
}

/**
 * The operation a request is for, decided as Express would route it (case-sensitive, a trailing
 * slash allowed), once per request and before its body is read: bearer auth checks its scopes
 * with it, the metrics count by it, and the dispatcher runs its handler.
 */
export function contractOperationOf(
  contract: OpenAPIV3_1.Document,
): (method: string, path: string) => OperationMatch | undefined {
  const matchers = fixedSegmentsFirst(contractRoutes(contract)).map((route) => ({
    route,
    method: route.method.toUpperCase(),
    expressPath: expressPath(route.path),
    names: parameterNames(route.path),
    pattern: pathPattern(route.path),
  }));
  return (method, path) => {
    for (const matcher of matchers) {
      const match = matcher.method === method ? matcher.pattern.exec(path) : null;
      if (match) {
        const rawParams = Object.fromEntries(matcher.names.map((name, i) => [name, match[i + 1]!]));
        return { route: matcher.route, expressPath: matcher.expressPath, rawParams };
      }
    }
    return undefined;
  };
}

/** The methods the contract has at a path, as an `Allow` header (`GET, POST`), or undefined for a path it lacks. */
export function contractMethodsAt(contract: OpenAPIV3_1.Document): (path: string) => string | undefined {
  const routes = contractRoutes(contract);
  const paths = [...new Set(routes.map((route) => route.path))].map((path) => ({
    pattern: pathPattern(path),
    allow: routes
      .filter((route) => route.path === path)
      .map((route) => route.method.toUpperCase())
      .join(', '),
  }));
  return (path) => paths.find(({ pattern }) => pattern.test(path))?.allow;
}

// What the routes see of any handler; each handler's own types are checked where the map is built.
type AnyHandler = (request: {
  params: unknown;
  query: unknown;
  body: unknown;
  audit: AuditContext;
}) => Promise<{ status: number; body: unknown; headers?: Record<string, string> }>;

/**
 * Runs the handler of the request's operation (found once, in res.locals.operation, from the
 * contract's own paths, so no path is typed twice): one step instead of a route per operation.
 * The compiler already insists on a handler per operation (OperationHandlers); this also refuses
 * a contract that names an operation the handlers lack, or the other way round. An operation
 * that declares the Idempotency-Key header runs through the idempotency guard. A request for no
 * operation goes on to the 404. With `checkResponse` (development, tests), an answer that breaks
 * the contract is not sent: the request fails with a 500.
 */
export function operationDispatcher(
  contract: OpenAPIV3_1.Document,
  handlers: OperationHandlers,
  idempotency: IdempotencyGuard,
  checkResponse?: ResponseCheck,
): RequestHandler {
  const routes = contractRoutes(contract);
  const declared = new Set(routes.map((route) => route.operationId));
  const unmatched = [
    ...routes.map((route) => route.operationId).filter((id) => !(id in handlers)),
    ...Object.keys(handlers).filter((id) => !declared.has(id)),
  ];
  if (unmatched.length > 0) {
    throw new Error(`The contract and the server's handlers disagree on: ${unmatched.join(', ')}`);
  }

  return async (req, res, next) => {
    const operation = res.locals.operation as OperationMatch | undefined;
    if (!operation) {
      next();
      return;
    }
    const { operationId, idempotent } = operation.route;
    const handler = handlers[operationId as keyof OperationHandlers] as AnyHandler;
    res.locals.route = operation.expressPath;
    const { params, query } = res.locals.validated as ValidatedRequest;
    const run = async (): Promise<RecordedAnswer> => {
      const audit = {
        actor: (res.locals.principal as Principal).name,
        operation: operationId,
        requestId: res.locals.requestId as string,
      };
      const { status, body, headers = {} } = await handler({ params, query, body: req.body, audit });
      return { status, body, headers };
    };
    const answer = idempotent
      ? await idempotency.answer(
          {
            key: req.get('idempotency-key'),
            token: res.locals.token as string,
            operationId,
            params,
            body: req.body,
          },
          run,
        )
      : await run();
    // A problem replayed for an Idempotency-Key names this request, as every problem does.
    const body =
      answer.status >= 400 ? { ...(answer.body as object), request_id: res.locals.requestId as string } : answer.body;
    // Written directly: Express's res.json and res.send (content negotiation, ETag, freshness)
    // had nothing to do here and were a visible share of a verification.
    res.statusCode = answer.status;
    for (const [name, value] of Object.entries(answer.headers)) {
      res.setHeader(name, value);
    }
    if (!res.hasHeader('content-type')) {
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
    }
    const breach = checkResponse?.(operationId, answer.status, String(res.getHeader('content-type')), body);
    if (breach) {
      throw new Error(`The answer breaks the contract: ${breach}`);
    }
    const payload = JSON.stringify(body);
    res.setHeader('Content-Length', Buffer.byteLength(payload));
    res.end(payload);
  };
}
