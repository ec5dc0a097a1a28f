import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/freePort.js';
import { groupAlive, groupGone, portRefuses } from '../../../test/support/processGroup.js';

const workspace = fileURLToPath(new URL('../../..', import.meta.url));

/** `npm run mock` as a frontend developer types it, on a free port. */
async function runMock() {
  const port = await freePort();
  const child = spawn('npm', ['run', 'mock'], {
    cwd: workspace,
    detached: true,
    env: { ...process.env, MOCK_PORT: String(port) },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let waited = 0; !output.includes('The mock answers on'); waited += 100) {
    if (child.exitCode !== null || waited > 120_000) {
      throw new Error(`npm run mock did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { leader: child.pid!, port, exited, output: () => output };
}

describe('npm run mock', () => {
  it.each([
    ['SIGTERM to npm', (leader: number) => process.kill(leader, 'SIGTERM')],
    ['Ctrl-C (SIGINT to the whole group)', (leader: number) => process.kill(-leader, 'SIGINT')],
  ])(
    'answers, then stops with Prism on %s, leaving nothing listening',
    async (_signal, stop) => {
      const mock = await runMock();
      try {
        const created = await fetch(`http://127.0.0.1:${mock.port}/api-auth/apps/internal-api/keys`, {
          method: 'POST',
          headers: { authorization: 'Bearer any-token', 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'first' }),
        });
        expect(created.status).toBe(201);
        stop(mock.leader);
        expect(await mock.exited).toBe(0);
        expect(await groupGone(mock.leader)).toBe(true);
        expect(await portRefuses(mock.port)).toBe(true);
        expect(mock.output()).not.toMatch(/ERR_PNPM|ELIFECYCLE|npm error/);
      } finally {
        if (groupAlive(mock.leader)) {
          process.kill(-mock.leader, 'SIGKILL');
        }
      }
    },
    150_000,
  );
});
