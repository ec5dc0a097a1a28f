import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apikeysCliAsync, startServerProcess } from './support/processes.js';

// What the server needs to start: a token from APIKEYS_TOKENS or from the database.
describe('starting with service tokens in the database only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apikeys-token-start-'));
  const env = { PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'apikeys.db')}`, APIKEYS_TOKENS: '' };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts in production with a database token and no APIKEYS_TOKENS, accepts it, and makes up none', async () => {
    const added = await apikeysCliAsync(['tokens', 'add', '--name', 'operator', '--scope', 'keys:read', '--json'], env);
    expect(added.status).toBe(0);
    const { token } = JSON.parse(added.stdout) as { token: string };

    for (const NODE_ENV of ['production', 'development']) {
      const server = startServerProcess({ ...env, NODE_ENV });
      try {
        const url = (await server.waitFor(/"url":"(http:\/\/localhost:\d+)"/))[1]!;
        expect(server.output().stderr).not.toContain('made just now');
        // The start line names the tokens it accepts; outside production the terminal says why none was made up.
        expect(server.output().stdout).toMatch(/"callers":\["operator"\].*"msg":"listening"/);
        if (NODE_ENV === 'development') {
          expect(server.output().stderr).toContain(
            'The database holds service tokens (operator), so this run makes up no token',
          );
        } else {
          expect(server.output().stderr).not.toContain('makes up no token');
        }
        // Development seeds the demo app; production does not, so there its listing is a 404.
        const answer = await fetch(`${url}/api-auth/apps/internal-api/keys`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(answer.status).toBe(NODE_ENV === 'production' ? 404 : 200);
        // The token, like every secret-shaped string, never reaches the log.
        expect(server.output().stdout).not.toContain(token);
      } finally {
        server.child.kill('SIGTERM');
        const code = await server.exited;
        // The server's own account of its stop, should it not be clean.
        expect(code, `${server.output().stdout.slice(-2000)}\n${server.output().stderr.slice(-2000)}`).toBe(0);
      }
    }
  }, 120_000);

  it('refuses to start in production once every database token is revoked and APIKEYS_TOKENS is unset', async () => {
    expect((await apikeysCliAsync(['tokens', 'revoke', 'operator'], env)).status).toBe(0);
    const server = startServerProcess({ ...env, NODE_ENV: 'production' });
    expect(await server.exited).toBe(1);
    expect(server.output().stdout).toContain('APIKEYS_TOKENS must be set in production');
    expect(server.output().stdout).toContain('apikeys tokens add');
  }, 120_000);
});
