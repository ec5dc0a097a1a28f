import type { Problem } from './generated/openapi.js';

/**
 * The problem document an ApiKeysError carries: the contract's Problem, or one the client made
 * from a body that was not a problem document of this API, whose `type` is then RFC 9457's
 * `about:blank`. The kinds this version of the API answers with are the union `ProblemType`.
 */
export type ApiKeysProblem = Problem;

/** The first thing wrong goes into the message too, so that a log line says which field it was. */
function messageOf(status: number, problem: ApiKeysProblem): string {
  const [first, ...more] = problem.errors ?? [];
  const where = first
    ? ` ${first.pointer || '(the request)'}: ${first.message}${more.length > 0 ? ` (and ${more.length} more)` : ''}`
    : '';
  return `${status} ${problem.title}: ${problem.detail}${where}`;
}

/**
 * The API answered with a status other than 2xx. `problem` is the RFC 9457 problem document the
 * contract promises; when the body is something else (a proxy's HTML page, an empty body), it is
 * a problem made from the status and whatever text came back.
 */
export class ApiKeysError extends Error {
  override readonly name = 'ApiKeysError';
  readonly status: number;
  readonly problem: ApiKeysProblem;
  readonly headers: Headers;
  /** How many requests the client made before giving up (more than 1 after retries). */
  attempts = 1;

  constructor(status: number, problem: ApiKeysProblem, headers: Headers) {
    super(messageOf(status, problem));
    this.status = status;
    this.problem = problem;
    this.headers = headers;
  }

  get type(): ApiKeysProblem['type'] {
    return this.problem.type;
  }
}

/** No answer came back: the connection failed, or the request went over its timeout. The request may or may not have reached the server. */
export class ApiKeysNetworkError extends Error {
  override readonly name: string = 'ApiKeysNetworkError';
  /** How many requests the client made before giving up (more than 1 after retries). */
  attempts = 1;
}

/** No answer came back within `timeoutMs`. */
export class ApiKeysTimeoutError extends ApiKeysNetworkError {
  override readonly name = 'ApiKeysTimeoutError';
}

// Only this API's problem documents (its urn:apikeys:problem: types, or about:blank) are taken as
// they are, so that `type` is always one callers can branch on; a gateway's own problem document
// is text like any other body.
function isProblem(value: unknown): value is ApiKeysProblem {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.type === 'string' &&
    (candidate.type === 'about:blank' || candidate.type.startsWith('urn:apikeys:problem:')) &&
    typeof candidate.title === 'string' &&
    typeof candidate.status === 'number'
  );
}

export function problemFrom(status: number, statusText: string, body: unknown): ApiKeysProblem {
  if (isProblem(body)) {
    return { ...body, detail: typeof body.detail === 'string' ? body.detail : body.title };
  }
  const text = typeof body === 'string' ? body.trim() : body === undefined ? '' : JSON.stringify(body);
  return {
    type: 'about:blank',
    title: statusText || `HTTP ${status}`,
    status,
    detail: text ? text.slice(0, 500) : `The server answered ${status} without a problem document.`,
  };
}
