import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import type { ApiKey } from '../../src/index.js';

// Transport behaviour the API itself cannot show: a loopback HTTP server that records what
// arrives and answers as a misbehaving proxy or a hung upstream would.
export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | undefined;
export const seen: Seen[] = [];

export async function upstream(answer: (res: ServerResponse, request: Seen) => void): Promise<string> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const request = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(request);
      answer(res, request);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops the upstream, so that the next connection is refused. */
export async function stopUpstream(): Promise<void> {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
}

afterEach(async () => {
  seen.length = 0;
  await stopUpstream();
});

export const record = (id: string): ApiKey => ({
  id,
  app_slug: 'internal-api',
  name: 'x',
  key_prefix: 'sk',
  key_suffix: 'aaaa',
  permissions: [],
  metadata: {},
  owner: null,
  environment: null,
  expires_at: null,
  created_at: '2026-01-01T00:00:00.000Z',
  status: 'active',
  revoked_at: null,
  revocation_reason: null,
  last_used_at: null,
  rotated_from: null,
  rotated_to: null,
  credits: null,
  ratelimits: [],
});
export const created = { key: record('2f6c1d3e-8b4a-4c5d-9e7f-0a1b2c3d4e5f'), secret: `sk_${'a'.repeat(49)}` };
export const answer201 = (res: ServerResponse) => {
  res.writeHead(201, { 'content-type': 'application/json' });
  res.end(JSON.stringify(created));
};
