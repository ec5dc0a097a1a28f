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

/** One path of the contract, with what operationMatcher and allowedMethods answer for it. */
interface ContractPath {
  pattern: RegExp;
  names: string[];
  expressPath: string;
  byMethod: Map<string, ContractRoute>;
  /** `Allow`: the contract's methods, HEAD wherever GET is (RFC 9110), and OPTIONS. */
  allow: string;
}

/**
 * The contract path a request's path falls under, decided once for both the operation and the
 * 405's `Allow`: as Express would route it (case-sensitive, a trailing slash allowed), and with
 * fewer parameters first, as OpenAPI matches concrete paths before templated ones: so
 * `GET …/keys/verify` is a method `/keys/verify` lacks, never `/keys/{keyId}` with the id `verify`.
 */
function pathFinder(
  routes: readonly ContractRoute[],
): (path: string) => { found: ContractPath; match: RegExpExecArray } | undefined {
  const paths = [...new Set(routes.map((route) => route.path))]
    .sort((a, b) => parameterCount(a) - parameterCount(b))
    .map((path): ContractPath => {
      const here = routes.filter((route) => route.path === path);
      return {
        pattern: pathPattern(path),
        names: parameterNames(path),
        expressPath: expressPath(path),
        byMethod: new Map(here.map((route) => [route.method.toUpperCase(), route])),
        allow: [
          ...here.flatMap((route) => (route.method === 'get' ? ['GET', 'HEAD'] : [route.method.toUpperCase()])),
          'OPTIONS',
        ].join(', '),
      };
    });
  return (path) => {
    for (const found of paths) {
      const match = found.pattern.exec(path);
      if (match) {
        return { found, match };
      }
    }
    return undefined;
  };
}

/** The operation a request is for (see pathFinder), once per request and before its body is read. */
export function operationMatcher(
  routes: readonly ContractRoute[],
): (method: string, path: string) => OperationMatch | undefined {
  const find = pathFinder(routes);
  return (method, path) => {
    const at = find(path);
    const route = at?.found.byMethod.get(method);
    if (!at || !route) {
      return undefined;
    }
    const rawParams = Object.fromEntries(at.found.names.map((name, i) => [name, at.match[i + 1]!]));
    return { route, expressPath: at.found.expressPath, rawParams };
  };
}

/** The methods served at a path, as an `Allow` header (`GET, HEAD, POST, OPTIONS`), or undefined for a path the contract lacks. */
export function allowedMethods(routes: readonly ContractRoute[]): (path: string) => string | undefined {
  const find = pathFinder(routes);
  return (path) => find(path)?.found.allow;
}
