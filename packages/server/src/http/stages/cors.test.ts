import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';

describe('CORS', () => {
  const api = lifecycleServer(storeKinds[0].open, { corsOrigins: ['https://console.example'] });
  const keys = api.keys('internal-api');

  it('answers a preflight from an allowed origin before authentication, naming what a page may send', async () => {
    const preflight = await api.server.call('OPTIONS', keys, undefined, {
      token: null,
      headers: { origin: 'https://console.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://console.example');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, POST, PATCH');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Idempotency-Key');
    expect(preflight.headers.get('vary')).toContain('Origin');
  });

  it('lets an allowed page read the headers a client acts on, and gives another origin nothing', async () => {
    const allowed = await api.server.call('GET', keys, undefined, { headers: { origin: 'https://console.example' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-expose-headers')).toContain('X-Request-Id');

    const other = await api.server.call('GET', keys, undefined, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await api.server.call('OPTIONS', keys, undefined, {
      token: null,
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    await expectProblem(preflight, 401, 'unauthorized');
  });
});
