import { readFileSync } from 'node:fs';
import { repoRoot } from './repo.js';

// The contract's operations as the workspace suites enumerate them: read from the published,
// dereferenced document (`packages/types/openapi.json`), so that an operation added to the spec
// is covered by every suite without editing it. Each suite states what it needs of an operation
// (`needs`), and `requireComplete` fails naming the operation and what it lacks.

export type Schema = {
  type?: string | string[];
  title?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  required?: string[];
  additionalProperties?: boolean | Schema;
  properties?: Record<string, Schema>;
  items?: Schema;
  [extension: `x-${string}`]: unknown;
};

export interface NamedExample {
  summary?: string;
  value: unknown;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, NamedExample>;
}

export interface Body {
  contentType: string;
  schema?: Schema;
  examples: Record<string, NamedExample>;
}

export interface ContractResponse {
  status: string;
  description: string;
  bodies: Body[];
}

export interface CodeSample {
  lang: string;
  label?: string;
  source: string;
}

export interface ContractOperation {
  operationId: string;
  method: string;
  path: string;
  summary?: string;
  description?: string;
  tags: string[];
  /** The scopes of its bearerAuth requirement; undefined when it has no security requirement of its own. */
  scopes: string[] | undefined;
  /** The path item's parameters and its own, in that order (its own replace the path item's). */
  parameters: Parameter[];
  requestBody?: { required: boolean; bodies: Body[] };
  responses: ContractResponse[];
  codeSamples: CodeSample[];
}

export type Document = {
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, unknown> & {
    securitySchemes?: Record<string, { 'x-scopes'?: Record<string, string> }>;
  };
  'x-max-body-bytes'?: number;
  [key: string]: unknown;
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export const publishedFile = `${repoRoot}packages/types/openapi.json`;
export const bundledFile = `${repoRoot}packages/types/openapi.bundled.json`;

/** The published, dereferenced contract, read afresh (callers may change their copy). */
export const readContract = (): Document => JSON.parse(readFileSync(publishedFile, 'utf8')) as Document;

function bodiesOf(content: Record<string, { schema?: Schema; examples?: Record<string, NamedExample> }> | undefined) {
  return Object.entries(content ?? {}).map(([contentType, media]) => ({
    contentType,
    ...(media.schema ? { schema: media.schema } : {}),
    examples: media.examples ?? {},
  }));
}

/** Every operation of the document, in the document's order. */
export function operationsOf(document: Document): ContractOperation[] {
  const operations: ContractOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    const shared = (item.parameters ?? []) as Parameter[];
    for (const method of METHODS) {
      const raw = item[method] as Record<string, unknown> | undefined;
      if (!raw) {
        continue;
      }
      const own = (raw.parameters ?? []) as Parameter[];
      const parameters = [
        ...shared.filter((each) => !own.some((mine) => mine.name === each.name && mine.in === each.in)),
        ...own,
      ];
      const security = raw.security as Record<string, string[]>[] | undefined;
      const requestBody = raw.requestBody as { required?: boolean; content?: Record<string, never> } | undefined;
      const responses = (raw.responses ?? {}) as Record<
        string,
        { description?: string; content?: Record<string, never> }
      >;
      operations.push({
        operationId: (raw.operationId as string | undefined) ?? `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        ...(typeof raw.summary === 'string' ? { summary: raw.summary } : {}),
        ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
        tags: (raw.tags as string[] | undefined) ?? [],
        scopes: security
          ? [...new Set(security.flatMap((requirement) => Object.values(requirement).flat()))]
          : undefined,
        parameters,
        ...(requestBody
          ? { requestBody: { required: requestBody.required === true, bodies: bodiesOf(requestBody.content) } }
          : {}),
        responses: Object.entries(responses).map(([status, response]) => ({
          status,
          description: response.description ?? '',
          bodies: bodiesOf(response.content),
        })),
        codeSamples: (raw['x-codeSamples'] as CodeSample[] | undefined) ?? [],
      });
    }
  }
  return operations;
}

/** The operations of the published contract. */
export const contractOperations = (document: Document = readContract()) => operationsOf(document);

/** The scopes the contract declares (`x-scopes` of its bearerAuth scheme). */
export const declaredScopes = (document: Document = readContract()): string[] =>
  Object.keys(document.components?.securitySchemes?.bearerAuth?.['x-scopes'] ?? {});

// What the suites need of an operation.

export interface Need {
  /** What an operation lacks when it fails this need, completing "lacks …". */
  lacking: string;
  met(operation: ContractOperation): boolean;
}

export const successes = (operation: ContractOperation) => operation.responses.filter((r) => /^2\d\d$/.test(r.status));
export const errorResponses = (operation: ContractOperation) =>
  operation.responses.filter((r) => /^[45]\d\d$/.test(r.status));
export const jsonBody = (bodies: Body[] | undefined) => bodies?.find((body) => body.contentType === 'application/json');
export const parametersIn = (operation: ContractOperation, where: Parameter['in']) =>
  operation.parameters.filter((parameter) => parameter.in === where);
export const exampleOf = (parameter: Parameter): unknown =>
  parameter.example ?? Object.values(parameter.examples ?? {})[0]?.value ?? parameter.schema?.examples?.[0];

/** The problem document an error response shows first: its first named example. */
export const problemExample = (response: ContractResponse) => {
  const body = response.bodies.find((each) => each.contentType === 'application/problem+json');
  return Object.values(body?.examples ?? {})[0]?.value as { type?: string; detail?: string } | undefined;
};

export const needs = {
  summary: { lacking: 'a summary', met: (op) => Boolean(op.summary?.trim()) },
  description: { lacking: 'a description', met: (op) => Boolean(op.description?.trim()) },
  tag: { lacking: 'a tag', met: (op) => op.tags.length > 0 },
  scopes: {
    lacking: 'a security scope (a bearerAuth requirement naming the scopes it needs)',
    // Or none, when it declares no 403 either: any accepted token may call it (getCurrentToken).
    met: (op) => (op.scopes?.length ?? 0) > 0 || !op.responses.some((response) => response.status === '403'),
  },
  requestExample: {
    lacking: 'a named example of its request body',
    met: (op) => !op.requestBody || op.requestBody.bodies.some((body) => Object.keys(body.examples).length > 0),
  },
  successResponse: { lacking: 'a 2xx response', met: (op) => successes(op).length > 0 },
  successExample: {
    lacking: 'a named example of its 2xx response body',
    met: (op) =>
      successes(op).some((r) => r.bodies.length === 0 || r.bodies.some((b) => Object.keys(b.examples).length > 0)),
  },
  problemBodies: {
    lacking: 'an application/problem+json body with a named example (and its type) for every 4xx/5xx response',
    met: (op) => errorResponses(op).every((response) => typeof problemExample(response)?.type === 'string'),
  },
  pathParameterExamples: {
    lacking: 'an example for every path parameter',
    met: (op) => parametersIn(op, 'path').every((parameter) => exampleOf(parameter) !== undefined),
  },
  codeSample: (label: string): Need => ({
    lacking: `a "${label}" code sample (x-codeSamples)`,
    met: (op) => op.codeSamples.some((sample) => (sample.label ?? sample.lang) === label),
  }),
  problemResponse: (status: string): Need => ({
    lacking: `a ${status} problem response`,
    met: (op) => {
      const response = op.responses.find((each) => each.status === status);
      return response !== undefined && typeof problemExample(response)?.type === 'string';
    },
  }),
} satisfies Record<string, Need | ((...args: never[]) => Need)>;

/** What the operation lacks of the needs, as phrases ("a summary", "a 401 problem response"). */
export const lacks = (operation: ContractOperation, wanted: Need[]) =>
  wanted.filter((need) => !need.met(operation)).map((need) => need.lacking);

export const describeOperation = (operation: ContractOperation) =>
  `${operation.operationId} (${operation.method} ${operation.path})`;

/** Fails, naming the operation and everything it lacks, unless the operation meets every need. */
export function requireComplete(operation: ContractOperation, wanted: Need[], suite: string): void {
  const missing = lacks(operation, wanted);
  if (missing.length > 0) {
    throw new Error(
      `The contract is incomplete for ${suite}: operation ${describeOperation(operation)} lacks ${missing.join('; ')}.`,
    );
  }
}

/** The operation whose path template and method match a request (the suites' coverage checks). */
export function operationOfRequest(operations: ContractOperation[], method: string, url: string) {
  const { pathname } = new URL(url, 'http://localhost');
  return operations.find(
    (operation) =>
      operation.method === method.toUpperCase() &&
      new RegExp(`^${operation.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(
        pathname,
      ),
  );
}

/** The operations no recorded request reached, for a coverage check's failure message. */
export function uncoveredOperations(operations: ContractOperation[], reached: Iterable<string>) {
  const seen = new Set(reached);
  return operations.filter((operation) => !seen.has(operation.operationId)).map((operation) => operation.operationId);
}
