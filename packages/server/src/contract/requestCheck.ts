import type { IncomingHttpHeaders } from 'node:http';
import type { ValidationError } from '@apikeys/types';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { OpenAPIV3_1 } from 'openapi-types';
import { contractAjv, errorPath } from './ajv.js';
import type { ContractDocument } from './document.js';
import { invalidRequest, ProblemError } from './problems.js';
import { requestPointer } from './requestPointer.js';
import type { ContractRoute, OperationMatch } from './routes.js';

/** What a request's operation receives once it is checked: decoded, coerced, defaults filled in. */
export interface ValidatedRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

/** A request as the HTTP layer read it. */
export interface RequestParts {
  match: OperationMatch;
  query: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** Checks a request against its operation; throws the ProblemError that refuses it. */
export type RequestCheck = (request: RequestParts) => ValidatedRequest;

type Parameter = OpenAPIV3_1.ParameterObject & { schema: OpenAPIV3_1.SchemaObject };

interface OperationValidator {
  declaredQuery: ReadonlySet<string>;
  declaredHeaders: readonly string[];
  /** The request body's media types, lower-case; none when the operation takes no body. */
  mediaTypes: readonly string[] | undefined;
  /** The contract lets the body be left out (`required: false`): none sent means `{}`. */
  bodyOptional: boolean;
  /** The body's fields, to say which may be given when too few are (an empty PATCH). */
  bodyFields: readonly string[];
  parameters: ValidateFunction;
  body: ValidateFunction | undefined;
}

const parameterLocation = { path: 'params', query: 'query', header: 'headers' } as const;

function operationValidator(
  document: ContractDocument,
  route: ContractRoute,
  compilers: { parameters: Ajv2020; body: Ajv2020 },
): OperationValidator {
  const { operation } = route;
  const parameters = [...route.pathParameters, ...(operation.parameters ?? [])] as Parameter[];
  const groups = {
    params: new Map<string, Parameter>(),
    query: new Map<string, Parameter>(),
    headers: new Map<string, Parameter>(),
  };
  for (const parameter of parameters) {
    const location = parameterLocation[parameter.in as keyof typeof parameterLocation];
    if (!location) {
      throw new Error(`${route.operationId}: parameters in ${parameter.in} are not supported`);
    }
    // Node gives header names in lower case.
    groups[location].set(location === 'headers' ? parameter.name.toLowerCase() : parameter.name, parameter);
  }
  const objectOf = (group: Map<string, Parameter>) => ({
    type: 'object',
    properties: Object.fromEntries([...group].map(([name, parameter]) => [name, parameter.schema])),
    required: [...group].filter(([, parameter]) => parameter.required).map(([name]) => name),
  });
  const requestBody = operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined;
  const bodySchema = requestBody?.content['application/json']?.schema;
  return {
    declaredQuery: new Set(groups.query.keys()),
    declaredHeaders: [...groups.headers.keys()],
    mediaTypes: requestBody && Object.keys(requestBody.content).map((type) => type.toLowerCase()),
    bodyOptional: requestBody !== undefined && !requestBody.required,
    bodyFields: Object.keys((bodySchema as OpenAPIV3_1.SchemaObject | undefined)?.properties ?? {}),
    parameters: compilers.parameters.compile({
      components: document.components,
      type: 'object',
      properties: { params: objectOf(groups.params), query: objectOf(groups.query), headers: objectOf(groups.headers) },
    }),
    body:
      bodySchema &&
      compilers.body.compile({
        components: document.components,
        type: 'object',
        properties: { body: bodySchema },
        required: requestBody.required ? ['body'] : [],
      }),
  };
}

// Ajv's instance paths into what it validates (`/body/name`, `/params/keyId`, `/headers/…`) as
// the contract's pointers (requestPointer.ts): the same, with the request's parts named as there.
function pointerOf(path: string): string {
  const [, where = '', ...rest] = path.split('/');
  const part = { params: 'path', headers: 'header' }[where] ?? where;
  return ['', part, ...rest].join('/');
}

function validationErrorOf(
  error: ErrorObject,
  patterns: ReadonlyMap<string, string>,
  bodyFields: readonly string[],
): ValidationError {
  const { additionalProperty, allowedValues, pattern, limit } = error.params as Record<string, unknown>;
  if (error.keyword === 'minProperties' && error.instancePath === '/body' && bodyFields.length > 0) {
    const fields = bodyFields.join(', ');
    return {
      pointer: requestPointer.body(),
      message: limit === 1 ? `must give at least one of ${fields}` : `must give at least ${limit} of ${fields}`,
    };
  }
  // The pointer names an unknown field; say plainly what is wrong with it.
  const message =
    additionalProperty !== undefined
      ? 'is not a field of this request'
      : error.keyword === 'enum' && Array.isArray(allowedValues)
        ? `${error.message}: ${allowedValues.join(', ')}`
        : error.keyword === 'pattern' && typeof pattern === 'string'
          ? (patterns.get(pattern) ?? error.message ?? 'is invalid')
          : (error.message ?? 'is invalid');
  return { pointer: pointerOf(errorPath(error)), message };
}

const mediaTypeOf = (contentType: string | string[] | undefined) =>
  (Array.isArray(contentType) ? contentType[0] : contentType)?.split(';')[0]?.trim().toLowerCase();

/**
 * Checks each request against its operation in the contract: the path's parameters (decoded),
 * the query (no parameter it does not declare, none empty), the declared headers, the body's
 * media type and the body, with validators Ajv compiles here, once, from the contract.
 */
export function requestCheck(
  document: ContractDocument,
  routes: readonly ContractRoute[],
  patterns: ReadonlyMap<string, string>,
): RequestCheck {
  // Parameters are strings on the wire, coerced to their types; the body is taken as sent. Both
  // get the declared defaults.
  const compilers = {
    parameters: contractAjv({ coerceTypes: true, useDefaults: true }),
    body: contractAjv({ coerceTypes: false, useDefaults: true }),
  };
  const validators = new Map(
    routes.map((route) => [route.operationId, operationValidator(document, route, compilers)]),
  );

  return ({ match, query: given, headers: received, body: sent }) => {
    const validator = validators.get(match.route.operationId)!;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(match.rawParams)) {
      try {
        params[name] = decodeURIComponent(value);
      } catch {
        throw invalidRequest([{ pointer: requestPointer.path(name), message: 'is not valid percent-encoding' }]);
      }
    }
    // Coercion and defaults land in these copies, never in the HTTP layer's own objects.
    const query = { ...given };
    for (const [name, value] of Object.entries(query)) {
      if (!validator.declaredQuery.has(name)) {
        throw invalidRequest([{ pointer: requestPointer.query(name), message: `Unknown query parameter '${name}'` }]);
      }
      if (value === '') {
        throw invalidRequest([
          { pointer: requestPointer.query(name), message: `Empty value found for query parameter '${name}'` },
        ]);
      }
    }
    // No content at all, as `curl -X POST` sends it: for an optional body, that is `{}` (as
    // Stripe and GitHub take a bodiless POST). A body that was sent is judged whatever it is.
    const sentNone =
      received['transfer-encoding'] === undefined &&
      (received['content-length'] === undefined || received['content-length'] === '0');
    const leftOut = validator.bodyOptional && sentNone;
    const body = leftOut ? {} : sent;
    if (validator.mediaTypes && !leftOut) {
      const mediaType = mediaTypeOf(received['content-type']);
      if (!mediaType || !validator.mediaTypes.includes(mediaType)) {
        throw new ProblemError('unsupported-media-type', 'The request body must be application/json.');
      }
    }
    const headers: Record<string, string | string[]> = {};
    for (const name of validator.declaredHeaders) {
      const value = received[name];
      if (value !== undefined) {
        headers[name] = value;
      }
    }
    const parameters = { params, query, headers };
    const data = { body };
    const errors = [
      ...(validator.parameters(parameters) ? [] : (validator.parameters.errors ?? [])),
      ...(!validator.body || validator.body(data) ? [] : (validator.body.errors ?? [])),
    ];
    if (errors.length > 0) {
      throw invalidRequest(errors.map((error) => validationErrorOf(error, patterns, validator.bodyFields)));
    }
    return { params, query, body: data.body };
  };
}
