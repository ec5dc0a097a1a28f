import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/freePort.js';
import { groupAlive, groupGone, portRefuses } from '../../../test/support/processGroup.js';

const workspace = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * `npm start` or `pnpm start` as a person types it: in its own process group (a terminal's
 * foreground job), on a free port and an empty SQLite database. The builds it runs are skipped
 * when up to date.
 */
async function start(command: 'npm' | 'pnpm') {
  const dir = mkdtempSync(join(tmpdir(), 'apikeys-npm-start-'));
  const port = await freePort();
  const child = spawn(command, ['start'], {
    cwd: workspace,
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dir, 'apikeys.db')}`,
      APIKEYS_TOKENS: 'npm-start-token-0123456789',
      NODE_ENV: 'development',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let waited = 0; !output.includes('"msg":"listening"'); waited += 100) {
    if (child.exitCode !== null || waited > 150_000) {
      throw new Error(`${command} start did not get to listening:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  return { leader: child.pid!, port, exited, output: () => output, dispose: () => rmSync(dir, { recursive: true }) };
}

describe.each(['npm', 'pnpm'] as const)('%s start', (command) => {
  it('passes SIGTERM on to the server: it stops cleanly, the command exits 0, nothing is left running', async () => {
    const started = await start(command);
    try {
      process.kill(started.leader, 'SIGTERM');
      expect(await started.exited).toBe(0);
      expect(started.output()).toContain('"msg":"stopped"');
      expect(await groupGone(started.leader)).toBe(true);
      expect(await portRefuses(started.port)).toBe(true);
    } finally {
      if (groupAlive(started.leader)) {
        process.kill(-started.leader, 'SIGKILL');
      }
      started.dispose();
    }
  });

  it('stops quietly on Ctrl-C (SIGINT to the whole foreground group)', async () => {
    const started = await start(command);
    try {
      process.kill(-started.leader, 'SIGINT');
      expect(await started.exited).toBe(0);
      expect(started.output()).toContain('"msg":"stopped"');
      expect(started.output()).not.toMatch(/ERR_PNPM|ELIFECYCLE|npm error/);
      expect(await groupGone(started.leader)).toBe(true);
      expect(await portRefuses(started.port)).toBe(true);
    } finally {
      if (groupAlive(started.leader)) {
        process.kill(-started.leader, 'SIGKILL');
      }
      started.dispose();
    }
  });
});
