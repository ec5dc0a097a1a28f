import { Writable } from 'node:stream';
import { createServer, type ServerOptions } from '../../src/createServer.js';
import { createJsonLogger } from '../../src/logger.js';
import { listen } from '../../src/serve.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const OTHER_TOKEN = 'other-token-0123456789abcdef';

/** Every JSON line the server logged, kept in memory so tests can read them. */
export function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createJsonLogger(stream), entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** A real server on a loopback port, validating its responses as in development. */
export async function startTestServer(options: Partial<ServerOptions> & Pick<ServerOptions, 'store'>) {
  const logs = captureLogs();
  const app = await createServer({ tokens: [TOKEN, OTHER_TOKEN], logger: logs.logger, validateResponses: true, ...options });
  const running = await listen(app, 0);
  const post = (appName: string, body: unknown, init: { token?: string | null; headers?: Record<string, string>; raw?: string } = {}) => {
    const token = init.token === undefined ? TOKEN : init.token;
    return fetch(`${running.url}/api-auth/apps/${appName}/keys`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...init.headers,
      },
      body: init.raw ?? JSON.stringify(body),
    });
  };
  return { ...running, logs, post };
}
