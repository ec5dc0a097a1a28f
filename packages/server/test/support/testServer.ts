import { Writable } from 'node:stream';
import type { Problem } from '@apikeys/types';
import { expect } from 'vitest';
import { createServer, type ServerOptions } from '../../src/compose.js';
import { listen } from '../../src/http/serve.js';
import { createJsonLogger } from '../../src/logger.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const OTHER_TOKEN = 'other-token-0123456789abcdef';

/** Every JSON line the server logged, kept in memory so tests can read them; the test tokens are masked, as main.ts masks the configured ones. */
export function captureLogs(sensitiveValues: readonly string[] = [TOKEN, OTHER_TOKEN]) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return {
    lines,
    logger: createJsonLogger(stream, undefined, sensitiveValues),
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    /** The access log's line of the last request answered. */
    lastRequest: () =>
      lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.msg === 'request')
        .at(-1)!,
  };
}

interface CallOptions {
  token?: string | null;
  headers?: Record<string, string>;
  /** A body sent as is, instead of JSON.stringify(body). */
  raw?: string;
}

/** A real server on a loopback port, validating its responses as in development. */
export async function startTestServer(options: Partial<ServerOptions> & Pick<ServerOptions, 'store'>) {
  const logs = captureLogs();
  const app = await createServer({
    tokens: [TOKEN, OTHER_TOKEN],
    logger: logs.logger,
    validateResponses: true,
    ...options,
  });
  const running = await listen(app, 0);
  /** Any request to the API, with the test token unless told otherwise; a body is sent as JSON. */
  const call = (method: string, path: string, body?: unknown, init: CallOptions = {}) => {
    const token = init.token === undefined ? TOKEN : init.token;
    const hasBody = body !== undefined || init.raw !== undefined;
    return fetch(`${running.url}${path}`, {
      method,
      headers: {
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...init.headers,
      },
      ...(hasBody ? { body: init.raw ?? JSON.stringify(body) } : {}),
    });
  };
  const post = (appName: string, body: unknown, init: CallOptions = {}) =>
    call('POST', `/api-auth/apps/${appName}/keys`, body, init);
  return { ...running, logs, call, post };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/** Asserts a problem+json answer of the given status and type, and returns it. */
export async function expectProblem(response: Response, status: number, type: string): Promise<Problem> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = (await response.json()) as Problem;
  expect(problem).toMatchObject({ type: `urn:apikeys:problem:${type}`, status });
  expect(problem.title).toEqual(expect.any(String));
  expect(problem.detail).toEqual(expect.any(String));
  return problem;
}
