import type { OpenAPIV3_1 } from 'openapi-types';
import type { ContractDocument } from './document.js';
import { requiredScopes } from './scopes.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export interface ContractRoute {
  method: (typeof METHODS)[number];
  /** The contract's path, `/api-auth/apps/{appName}/keys`. */
  path: string;
  operationId: string;
  operation: OpenAPIV3_1.OperationObject;
  /** The path item's parameters, which every operation at the path shares. */
  pathParameters: readonly OpenAPIV3_1.ParameterObject[];
  /** The operation declares the Idempotency-Key header. */
  idempotent: boolean;
  /** The scopes its security requirement names: alternatives, each to be held whole. */
  scopes: readonly (readonly string[])[];
}

/** A request's operation, and the path's parameters as sent (still percent-encoded). */
export interface OperationMatch {
  route: ContractRoute;
  /** The route's path as Express writes it, `/api-auth/apps/:appName/keys`: what the request log names. */
  expressPath: string;
  rawParams: Record<string, string>;
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

/** Every operation the contract declares, with its method and path. */
export function contractRoutes(document: ContractDocument): ContractRoute[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item?.[method];
      return operation?.operationId
        ? [
            {
              method,
              path,
              operationId: operation.operationId,
              operation,
              pathParameters: (item?.parameters ?? []) as OpenAPIV3_1.ParameterObject[],
              idempotent: declaresIdempotencyKey(operation),
              scopes: requiredScopes(document, operation),
            },
          ]
        : [];
    }),
  );
}

/**
 * The operation a request is for, decided as Express would route it (case-sensitive, a trailing
 * slash allowed), once per request and before its body is read. Fixed segments are tried before
 * parameters, so `/keys/verify` is never taken for `/keys/{keyId}`.
 */
export function operationMatcher(
  routes: readonly ContractRoute[],
): (method: string, path: string) => OperationMatch | undefined {
  const matchers = [...routes]
    .sort((a, b) => parameterCount(a.path) - parameterCount(b.path))
    .map((route) => ({
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

/**
 * The methods served at a path, as an `Allow` header (`GET, HEAD, POST, OPTIONS`), or undefined
 * for a path the contract lacks: the contract's, HEAD wherever GET is (RFC 9110), and OPTIONS.
 */
export function allowedMethods(routes: readonly ContractRoute[]): (path: string) => string | undefined {
  const paths = [...new Set(routes.map((route) => route.path))].map((path) => ({
    pattern: pathPattern(path),
    allow: [
      ...routes
        .filter((route) => route.path === path)
        .flatMap((route) => (route.method === 'get' ? ['GET', 'HEAD'] : [route.method.toUpperCase()])),
      'OPTIONS',
    ].join(', '),
  }));
  return (path) => paths.find(({ pattern }) => pattern.test(path))?.allow;
}
