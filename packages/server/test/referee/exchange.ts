import { Agent, request } from 'node:http';
import type { WireRequest } from './corpus.js';

export interface Answer {
  status: number;
  contentType: string | undefined;
  /** The body, parsed when it is JSON. */
  body: unknown;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** Sends `wire` as it is (duplicate headers, raw path, raw bytes) to `baseUrl` and reads the answer. */
export function send(baseUrl: string, wire: WireRequest): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { ...wire.headers };
    if (wire.body !== undefined) {
      headers['content-length'] = String(Buffer.byteLength(wire.body));
    }
    const req = request(
      { agent, host: url.hostname, port: url.port, method: wire.method, path: wire.path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            // Not JSON: kept as text.
          }
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body });
        });
      },
    );
    // A server that answers before reading the whole body may close the connection under us.
    req.on('error', reject);
    req.end(wire.body);
  });
}

export function closeConnections(): void {
  agent.destroy();
}
