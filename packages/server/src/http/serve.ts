import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { ClientErrorAnswer } from './clientError.js';

export interface RunningServer {
  server: Server;
  url: string;
  /**
   * Stops accepting connections and resolves when every in-flight request has been answered, or
   * when the grace period is over: then the connections still open are closed, whatever their
   * clients are doing.
   */
  close(): Promise<void>;
}

export interface ConnectionLimits {
  /** A client must send its request headers within this time (a silent connection is closed after it). */
  headersTimeoutMs: number;
  /** ... and its whole request within this time. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this time. */
  keepAliveTimeoutMs: number;
  /** How long close() waits for requests in flight before closing their connections. */
  shutdownGraceMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  shutdownGraceMs: 10_000,
};

/** An app that says how to answer what Node's HTTP parser refuses (the API's app does: app.ts). */
export type ServedApp = Express & { answerClientError?: ClientErrorAnswer };

export async function listen(
  app: ServedApp,
  port: number,
  host = '127.0.0.1',
  limits: Partial<ConnectionLimits> = {},
): Promise<RunningServer> {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, shutdownGraceMs } = {
    ...DEFAULT_CONNECTION_LIMITS,
    ...limits,
  };
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      // Node checks the two timeouts above on this interval (30 s by default), which would let a
      // silent connection stay three times longer than configured. The header timeout counts from
      // the connection's start, so a connection that never sends a byte is closed by it too.
      connectionsCheckingInterval: Math.min(1000, headersTimeoutMs),
    },
    app,
  );
  if (app.answerClientError) {
    server.on('clientError', app.answerClientError);
  }

  server.listen(port, host);
  await once(server, 'listening');
  let closing = false;
  const answering = new Set<ServerResponse>();
  // Keep-alive clients learn that their connection ends with this answer, instead of being reset by the next request.
  const lastAnswer = (res: ServerResponse) => {
    if (!res.headersSent) {
      res.setHeader('Connection', 'close');
    }
  };
  server.on('request', (_req, res) => {
    answering.add(res);
    if (closing) {
      lastAnswer(res);
    }
    res.on('close', () => answering.delete(res));
    // A keep-alive connection whose last request finishes after close() began would otherwise
    // linger until the client drops it.
    res.on('finish', () => {
      if (closing) {
        setImmediate(() => server.closeIdleConnections());
      }
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing = true;
        for (const res of answering) {
          lastAnswer(res);
        }
        const grace = setTimeout(() => server.closeAllConnections(), shutdownGraceMs).unref();
        server.close((error) => {
          clearTimeout(grace);
          if (error) {
            reject(error);
          } else {
            resolve();
          }
        });
        // Idle keep-alive connections would hold close() open; busy ones finish their request first.
        server.closeIdleConnections();
      }),
  };
}
