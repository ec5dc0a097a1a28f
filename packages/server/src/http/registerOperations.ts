import type { Express, Request, Response } from 'express';
import type { OpenAPIV3_1 } from 'openapi-types';
import { requiredScopes } from '../keys/scopes.js';
import type { OperationHandlers } from '../operations/operationHandler.js';
import type { AuditContext } from '../store/keyStore.js';
import type { IdempotencyGuard, RecordedAnswer } from './idempotency.js';
import type { Principal } from './middleware/bearerAuth.js';

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
const parameterCount = (path: string) => path.split('{').length - 1;
// A contract path as a regular expression: each parameter one segment, the rest literal.
const pathPattern = (path: string) =>
  path
    .split(/\{\w+\}/)
    .map((text) => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
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

/**
 * The operation a request is for, decided as Express routes it (case-sensitive, a trailing slash
 * allowed), before its body is read: bearer auth checks its scopes with it.
 */
export function contractOperationOf(
  contract: OpenAPIV3_1.Document,
): (method: string, path: string) => ContractRoute | undefined {
  const matchers = fixedSegmentsFirst(contractRoutes(contract)).map((route) => ({
    route,
    pattern: new RegExp(`^${pathPattern(route.path)}/?$`),
  }));
  return (method, path) =>
    matchers.find(({ route, pattern }) => route.method === method.toLowerCase() && pattern.test(path))?.route;
}

// What the routes see of any handler; each handler's own types are checked where the map is built.
type AnyHandler = (request: {
  params: unknown;
  query: unknown;
  body: unknown;
  audit: AuditContext;
}) => Promise<{ status: number; body: unknown; headers?: Record<string, string> }>;

/**
 * Registers one route per operation, from the contract's own paths, so no path is typed twice.
 * The compiler already insists on a handler per operation (OperationHandlers); this also refuses
 * a contract that names an operation the handlers lack, or the other way round. An operation
 * that declares the Idempotency-Key header runs through the idempotency guard.
 */
export function registerOperations(
  app: Express,
  contract: OpenAPIV3_1.Document,
  handlers: OperationHandlers,
  idempotency: IdempotencyGuard,
): void {
  const routes = contractRoutes(contract);
  const declared = new Set(routes.map((route) => route.operationId));
  const unmatched = [
    ...routes.map((route) => route.operationId).filter((id) => !(id in handlers)),
    ...Object.keys(handlers).filter((id) => !declared.has(id)),
  ];
  if (unmatched.length > 0) {
    throw new Error(`The contract and the server's handlers disagree on: ${unmatched.join(', ')}`);
  }

  for (const { method, path, operationId, idempotent } of fixedSegmentsFirst(routes)) {
    const handler = handlers[operationId as keyof OperationHandlers] as AnyHandler;
    app[method](expressPath(path), async (req: Request, res: Response) => {
      const run = async (): Promise<RecordedAnswer> => {
        const audit = {
          actor: (res.locals.principal as Principal).name,
          operation: operationId,
          requestId: res.locals.requestId as string,
        };
        const {
          status,
          body,
          headers = {},
        } = await handler({
          params: req.params,
          query: req.query,
          body: req.body,
          audit,
        });
        return { status, body, headers };
      };
      const answer = idempotent
        ? await idempotency.answer(
            {
              key: req.get('idempotency-key'),
              token: res.locals.token as string,
              operationId,
              params: req.params,
              body: req.body,
            },
            run,
          )
        : await run();
      // A problem replayed for an Idempotency-Key names this request, as every problem does.
      const body =
        answer.status >= 400 ? { ...(answer.body as object), request_id: res.locals.requestId as string } : answer.body;
      res.status(answer.status).set(answer.headers).json(body);
    });
  }
}
