import { get, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';

const gzip = { 'accept-encoding': 'gzip' };

/** A GET whose body is read as sent (fetch would decode it): status, headers and the raw bytes. */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('security headers', () => {
  const api = lifecycleServer(storeKinds[0].open);

  it("sends helmet's headers and a policy under which nothing the API answers can run or be framed", async () => {
    for (const response of [
      await api.server.call('GET', '/api-auth/apps/internal-api/keys'),
      await api.server.call('GET', '/api-auth/nothing-here'),
      await api.server.call('GET', '/healthz', undefined, { token: null }),
    ]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
      );
    }
  });
});

describe('compression', () => {
  const api = lifecycleServer(storeKinds[0].open);

  it('compresses a long text answer for a client that offers gzip, and says it varies by Accept-Encoding', async () => {
    const plain = await rawGet(`${api.server.url}/openapi.json`, { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const compressed = await rawGet(`${api.server.url}/openapi.json`, gzip);
    expect(compressed.headers['content-encoding']).toBe('gzip');
    expect(compressed.headers.vary).toMatch(/accept-encoding/i);
    expect(compressed.body.length).toBeLessThan(plain.body.length / 5);
    expect(gunzipSync(compressed.body).equals(plain.body)).toBe(true);
  });

  it('never compresses an answer that carries a secret (Cache-Control: no-store), whatever its size', async () => {
    const created = await api.server.call(
      'POST',
      '/api-auth/apps/internal-api/keys',
      { name: 'x'.repeat(128), metadata: { notes: 'y'.repeat(1500) } },
      { headers: gzip },
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.headers.get('content-encoding')).toBeNull();
    expect(Number(created.headers.get('content-length'))).toBeGreaterThan(1024);
  });

  it('lets a browser revalidate the docs and the contract: an ETag, then 304', async () => {
    const first = await rawGet(`${api.server.url}/openapi.json`, {});
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const again = await rawGet(`${api.server.url}/openapi.json`, { 'if-none-match': String(etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });
});
