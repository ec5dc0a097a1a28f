import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { TOKEN } from '../../../test/support/testServer.js';

describe('the request id', () => {
  const api = lifecycleServer(storeKinds[0].open);

  it("keeps a caller's request id only in a tracing shape, and makes one otherwise", async () => {
    const traceId = randomUUID();
    const kept = await api.server.post('internal-api', { name: 'traced' }, { headers: { 'x-request-id': traceId } });
    expect(kept.headers.get('x-request-id')).toBe(traceId);
    expect(api.server.logs.lastRequest().requestId).toBe(traceId);

    for (const unsafe of [TOKEN, 'Bearer-abc', 'a'.repeat(200), 'line\tbreak']) {
      const response = await api.server.post('internal-api', { name: 'x' }, { headers: { 'x-request-id': unsafe } });
      const given = response.headers.get('x-request-id');
      expect(given).not.toBe(unsafe);
      expect(given).toMatch(/^[0-9a-f-]{36}$/);
      expect(api.server.logs.lastRequest().requestId).toBe(given);
    }
    expect(api.server.logs.lines.join('\n')).not.toContain(TOKEN);
  });

  it("repeats the request id in a problem's request_id", async () => {
    const traceId = randomUUID();
    const refused = await api.server.post('no-such-app', { name: 'x' }, { headers: { 'x-request-id': traceId } });
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ type: 'urn:apikeys:problem:app-not-found', request_id: traceId });
    const unauthenticated = await api.server.post('internal-api', { name: 'x' }, { token: null });
    expect((await unauthenticated.json()) as { request_id: string }).toMatchObject({
      request_id: unauthenticated.headers.get('x-request-id'),
    });
  });
});
