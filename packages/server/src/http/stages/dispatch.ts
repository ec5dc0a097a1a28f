import type { RequestHandler } from 'express';
import type { ContractRoute } from '../../contract/routes.js';
import type { AuditContext, Principal } from '../../keys/types.js';
import type { OperationHandlers } from '../../operations/operationHandler.js';
import '../context.js';
import type { IdempotencyGuard, RecordedAnswer } from '../idempotency.js';

// What dispatch sees of any handler; each handler's own types are checked where the map is built.
type AnyHandler = (request: {
  params: unknown;
  query: unknown;
  body: unknown;
  audit: AuditContext;
  principal: Principal;
}) => Promise<{ status: number; body: unknown; headers?: Record<string, string> }>;

/**
 * Runs the handler of the request's operation (res.locals.operation, from the contract's own
 * paths, so no path is typed twice): one step instead of a route per operation. The compiler
 * already insists on a handler per operation (OperationHandlers); this also refuses a contract
 * that names an operation the handlers lack, or the other way round. An operation that declares
 * the Idempotency-Key header runs through the idempotency guard. The answer goes to answer.ts.
 */
export function dispatch(
  routes: readonly ContractRoute[],
  handlers: OperationHandlers,
  idempotency: IdempotencyGuard,
): RequestHandler {
  const declared = new Set(routes.map((route) => route.operationId));
  const unmatched = [
    ...routes.map((route) => route.operationId).filter((id) => !(id in handlers)),
    ...Object.keys(handlers).filter((id) => !declared.has(id)),
  ];
  if (unmatched.length > 0) {
    throw new Error(`The contract and the server's handlers disagree on: ${unmatched.join(', ')}`);
  }

  return async (req, res, next) => {
    const { operation, validated, principal, token, requestId } = res.locals;
    const { operationId, idempotent } = operation!.route;
    const handler = handlers[operationId as keyof OperationHandlers] as AnyHandler;
    res.locals.route = operation!.expressPath;
    const { params, query } = validated!;
    const run = async (): Promise<RecordedAnswer> => {
      const audit = { actor: principal!.name, operation: operationId, requestId };
      const {
        status,
        body,
        headers = {},
      } = await handler({ params, query, body: req.body, audit, principal: principal! });
      return { status, body, headers };
    };
    res.locals.answer = idempotent
      ? await idempotency.answer(
          { key: req.get('idempotency-key'), token: token!, operationId, params, body: req.body },
          run,
        )
      : await run();
    next();
  };
}
