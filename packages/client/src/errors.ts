import type { components } from '@apikeys/types';

export type Problem = components['schemas']['Problem'];

/**
 * The API answered with a status other than 2xx. `problem` is the RFC 9457 problem document the
 * contract promises; when the body is something else (a proxy's HTML page, an empty body), it is
 * a problem made from the status and whatever text came back.
 */
export class ApiKeysError extends Error {
  override readonly name = 'ApiKeysError';
  readonly status: number;
  readonly problem: Problem;
  readonly headers: Headers;

  constructor(status: number, problem: Problem, headers: Headers) {
    super(`${status} ${problem.title}: ${problem.detail}`);
    this.status = status;
    this.problem = problem;
    this.headers = headers;
  }

  get type(): string {
    return this.problem.type;
  }
}

/** No answer came back: the connection failed, or the request went over its timeout. The request may or may not have reached the server. */
export class ApiKeysNetworkError extends Error {
  override readonly name: string = 'ApiKeysNetworkError';
}

/** No answer came back within `timeoutMs`. */
export class ApiKeysTimeoutError extends ApiKeysNetworkError {
  override readonly name = 'ApiKeysTimeoutError';
}

function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.type === 'string' && typeof candidate.title === 'string' && typeof candidate.status === 'number';
}

export function problemFrom(status: number, statusText: string, body: unknown): Problem {
  if (isProblem(body)) return { ...body, detail: typeof body.detail === 'string' ? body.detail : body.title };
  const text = typeof body === 'string' ? body.trim() : body === undefined ? '' : JSON.stringify(body);
  return {
    type: 'about:blank',
    title: statusText || `HTTP ${status}`,
    status,
    detail: text ? text.slice(0, 500) : `The server answered ${status} without a problem document.`,
  };
}
