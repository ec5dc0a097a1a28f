import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { TOKEN } from '../../../test/support/testServer.js';

describe('the request log', () => {
  const api = lifecycleServer(storeKinds[0].open);

  it('logs the route the contract names, and masks a secret or token pasted into a path', async () => {
    const created = await api.server.post('internal-api', { name: 'logged' });
    expect(api.server.logs.lastRequest()).toMatchObject({
      method: 'POST',
      route: '/api-auth/apps/:appName/keys',
      path: '/api-auth/apps/internal-api/keys',
      status: 201,
    });
    const { secret } = (await created.json()) as { secret: string };

    const devToken = `dev_${'A1b2-C3d4_'.repeat(3)}xy`;
    for (const pasted of [secret, `${secret}trailing`, `prefix_${secret}`, devToken, TOKEN]) {
      await api.server.call('GET', `/api-auth/apps/internal-api/keys/${pasted}`);
      await fetch(`${api.server.url}/not-the-api/${pasted}`);
    }
    const logs = api.server.logs.lines.join('\n');
    for (const leaked of [secret, secret.slice(3, 46), devToken, TOKEN]) {
      expect(logs).not.toContain(leaked);
    }
    expect(logs).toContain('/not-the-api/[REDACTED]');
  });

  it('logs neither headers nor query strings', async () => {
    await api.server.call('GET', '/api-auth/apps/internal-api/keys?limit=5&status=revoked');
    const line = api.server.logs.lastRequest();
    expect(line).toMatchObject({ level: 'info', path: '/api-auth/apps/internal-api/keys', status: 200 });
    expect(Object.keys(line).sort()).toEqual(
      [
        'durationMs',
        'hostname',
        'level',
        'method',
        'msg',
        'path',
        'pid',
        'requestId',
        'route',
        'status',
        'time',
      ].sort(),
    );
    expect(JSON.stringify(line)).not.toContain('status=revoked');
  });
});
