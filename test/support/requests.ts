import {
  type ContractOperation,
  describeOperation,
  exampleOf,
  jsonBody,
  type NamedExample,
  type Parameter,
  parametersIn,
  successes,
} from './contract.js';

// A small, generic request builder: a request to an operation made from the contract alone (its
// path parameters' and query parameters' examples, its request body's named examples). The one
// thing the examples cannot give is an id the server issued; that is a rule about the contract's
// shape, not a table of operations: a path parameter that is a server-issued id (`format: uuid`,
// such as `{keyId}`) gets the id of a resource freshly created by the operation that POSTs to
// the collection before it (`POST …/keys` for `…/keys/{keyId}`). Two more rules of the same kind
// keep requests that change or register a named resource from colliding with what exists:
// - a path parameter naming the resource an operation reads, changes or removes (the last segment
//   of its path, such as `DELETE …/apps/{appName}` or `GET …/service-tokens/{tokenName}`, or the
//   parameter before a POST's action that answers no 201, such as
//   `POST …/service-tokens/{tokenName}/revoke`) also gets a freshly created resource: an example
//   names one that others use (`internal-api` has keys) or that does not exist (`gateway`);
// - with `uniqueNames`, the body field a creation registers its resource by (the field of the
//   POST's body whose schema is that of the `{parameter}` after the collection's path, such as
//   createApp's `slug` for `/apps/{appName}`) gets a value no earlier request used.

export interface ContractRequest {
  operationId: string;
  method: string;
  /** The path with its parameters filled in (encoded). */
  path: string;
  pathValues: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The body's JSON value, when the operation takes one. */
  body?: unknown;
  /** The name of the request body's example it sends. */
  example?: string;
}

/** A value for a path parameter, or undefined to take its example. */
export type PathValue = (parameter: Parameter, operation: ContractOperation) => Promise<string | undefined>;

export class UnbuildableRequestError extends Error {}

const cannotBuild = (operation: ContractOperation, why: string) =>
  new UnbuildableRequestError(`Cannot build a request for ${describeOperation(operation)}: ${why}.`);

/** The named examples of the operation's JSON request body (none when it takes no body). */
export const requestExamples = (operation: ContractOperation): [string, NamedExample][] =>
  Object.entries(jsonBody(operation.requestBody?.bodies)?.examples ?? {});

/** Whether the parameter is an id the server issues (then its example names nothing that exists). */
export const isIssuedId = (parameter: Parameter) => parameter.in === 'path' && parameter.schema?.format === 'uuid';

/** The body to send instead of the example's value. */
export type BodyValue = (body: unknown, operation: ContractOperation) => unknown;

export interface BuildOptions {
  pathValue?: PathValue;
  bodyValue?: BodyValue;
  /** Which named example of the request body to send; the first when not given. */
  example?: string;
  /** The query: its parameters' examples (the default), or none. */
  query?: 'examples' | 'none';
}

export async function buildRequest(operation: ContractOperation, options: BuildOptions = {}): Promise<ContractRequest> {
  const pathValues: Record<string, string> = {};
  for (const parameter of parametersIn(operation, 'path')) {
    const value = (await options.pathValue?.(parameter, operation)) ?? exampleOf(parameter);
    if (value === undefined) {
      throw cannotBuild(
        operation,
        `its path parameter {${parameter.name}} has no example and no rule gives it a value`,
      );
    }
    pathValues[parameter.name] = String(value);
  }
  const path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(pathValues[name]!));
  const query: Record<string, string> = {};
  const headers: Record<string, string> = {};
  for (const parameter of operation.parameters) {
    if (parameter.in !== 'query' && parameter.in !== 'header') {
      continue;
    }
    const value = exampleOf(parameter);
    if (parameter.required && value === undefined) {
      throw cannotBuild(operation, `its required ${parameter.in} parameter ${parameter.name} has no example`);
    }
    if (parameter.in === 'query' && value !== undefined && options.query !== 'none') {
      query[parameter.name] = String(value);
    }
    if (parameter.in === 'header' && parameter.required && value !== undefined) {
      headers[parameter.name] = String(value);
    }
  }
  const request: ContractRequest = {
    operationId: operation.operationId,
    method: operation.method,
    path,
    pathValues,
    query,
    headers,
  };
  if (operation.requestBody) {
    const examples = requestExamples(operation);
    const chosen = options.example ? examples.find(([name]) => name === options.example) : examples[0];
    if (!chosen) {
      throw cannotBuild(
        operation,
        options.example
          ? `its request body has no named example ${options.example}`
          : 'its request body has no named example',
      );
    }
    request.body = options.bodyValue ? options.bodyValue(chosen[1].value, operation) : chosen[1].value;
    request.example = chosen[0];
  }
  return request;
}

export function urlOf(base: string, request: Pick<ContractRequest, 'path' | 'query'>): string {
  const search = new URLSearchParams(request.query).toString();
  return `${base}${request.path}${search ? `?${search}` : ''}`;
}

export interface SendOptions {
  token?: string | null;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** Sends the request as JSON with a bearer token (none when `token` is null). */
export function sendRequest(base: string, request: ContractRequest, options: SendOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...request.headers,
    ...options.headers,
  };
  return (options.fetch ?? fetch)(urlOf(base, request), {
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
}

/** The operation that creates the resources `{parameter}` names: a POST to the path before it, answering 201. */
export function creatorOf(operations: ContractOperation[], operation: ContractOperation, parameter: Parameter) {
  const at = operation.path.indexOf(`/{${parameter.name}}`);
  const collection = at > 0 ? operation.path.slice(0, at) : undefined;
  return operations.find(
    (each) => each.method === 'POST' && each.path === collection && successes(each).some((r) => r.status === '201'),
  );
}

/** The id in a creation's answer: its own `id`, or the `id` of the one object it holds (`{ key: { id } }`). */
export function issuedId(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null) {
    return undefined;
  }
  const record = answer as Record<string, unknown>;
  if (typeof record.id === 'string') {
    return record.id;
  }
  const held = Object.values(record).filter(
    (value): value is Record<string, unknown> => typeof value === 'object' && value !== null && 'id' in value,
  );
  return held.length === 1 && typeof held[0]!.id === 'string' ? held[0]!.id : undefined;
}

/** The parameter a collection's items are named by: the `{parameter}` right after the creator's path. */
function itemParameterOf(operations: ContractOperation[], creator: ContractOperation): Parameter | undefined {
  for (const operation of operations) {
    const name = operation.path.startsWith(`${creator.path}/{`)
      ? /^\{([^}]+)\}/.exec(operation.path.slice(creator.path.length + 1))?.[1]
      : undefined;
    const parameter = name ? parametersIn(operation, 'path').find((each) => each.name === name) : undefined;
    if (parameter) {
      return parameter;
    }
  }
  return undefined;
}

/** The field of the creator's body its resource is named by: the one with the item parameter's schema. */
export function nameFieldOf(operations: ContractOperation[], creator: ContractOperation): string | undefined {
  const parameter = itemParameterOf(operations, creator);
  const properties = jsonBody(creator.requestBody?.bodies)?.schema?.properties ?? {};
  if (!parameter?.schema || isIssuedId(parameter)) {
    return undefined;
  }
  const wanted = JSON.stringify(parameter.schema);
  return Object.keys(properties).find((field) => JSON.stringify(properties[field]) === wanted);
}

let uniqueCount = 0;

/** The rule for registered names: a creation's name field gets a value no earlier request used. */
export function uniqueNames(operations: ContractOperation[]): BodyValue {
  return (body, operation) => {
    const field = operation.method === 'POST' ? nameFieldOf(operations, operation) : undefined;
    if (!field || typeof body !== 'object' || body === null) {
      return body;
    }
    const record = body as Record<string, unknown>;
    const value = record[field];
    if (typeof value !== 'string') {
      return body;
    }
    uniqueCount += 1;
    const suffix = `-${process.pid.toString(36)}${uniqueCount.toString(36)}`;
    const maxLength = jsonBody(operation.requestBody?.bodies)?.schema?.properties?.[field]?.maxLength ?? 63;
    return { ...record, [field]: `${value.slice(0, maxLength - suffix.length)}${suffix}` };
  };
}

/** Whether the operation reads, changes or removes the resource `{parameter}` names (see the rules above). */
export function actsOn(operation: ContractOperation, parameter: Parameter): boolean {
  const at = operation.path.indexOf(`/{${parameter.name}}`);
  if (parameter.in !== 'path' || at < 0) {
    return false;
  }
  const rest = operation.path.slice(at + parameter.name.length + 3);
  if (rest === '') {
    return true;
  }
  return (
    operation.method === 'POST' && /^\/[^/{]+$/.test(rest) && !successes(operation).some((r) => r.status === '201')
  );
}

/**
 * The rules for issued ids and acted-on names: `{keyId}` (any `format: uuid` path parameter), and a
 * path parameter naming the resource the operation reads, changes or removes (`actsOn`), name a resource
 * created just now with its creator's first named example (its name made unique), sent to `base`
 * with `token`.
 */
export function freshResources(operations: ContractOperation[], base: string, token: string): PathValue {
  const bodyValue = uniqueNames(operations);
  const pathValue: PathValue = async (parameter, operation) => {
    if (!isIssuedId(parameter) && !actsOn(operation, parameter)) {
      return undefined;
    }
    const creator = creatorOf(operations, operation, parameter);
    if (!creator) {
      throw cannotBuild(
        operation,
        `no operation creates the {${parameter.name}} it needs (a POST to the path before it answering 201)`,
      );
    }
    const request = await buildRequest(creator, { pathValue, bodyValue });
    const response = await sendRequest(base, request, { token });
    const answer: unknown = await response.json().catch(() => undefined);
    const field = isIssuedId(parameter) ? undefined : nameFieldOf(operations, creator);
    const id = field ? ((request.body as Record<string, unknown> | undefined)?.[field] as string) : issuedId(answer);
    if (response.status !== 201 || !id) {
      throw cannotBuild(
        operation,
        `${creator.operationId}, which creates its {${parameter.name}}, answered ${response.status} without an id`,
      );
    }
    return id;
  };
  return pathValue;
}
