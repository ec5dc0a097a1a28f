// `npm run apikeys -- …` / `pnpm apikeys …`: the server's CLI, on a fresh clone too. The workspace
// is installed first when it is not (as `npm start` does); pnpm's output goes to stderr, so that
// what the command prints on stdout (`--json`) stays one document.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { environment, installIfNeeded, root } from './pnpm.mjs';

/** @type {import('node:child_process').ChildProcess | undefined} */
let running;
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
  process.on(signal, () => running?.kill(signal));
}

try {
  await installIfNeeded((child) => (running = child), { stdio: ['ignore', 2, 2] });
} catch (error) {
  console.error(String(error instanceof Error ? error.message : error));
  process.exit(1);
}
const tsx = join(root, 'packages/server/node_modules/.bin/tsx');
running = spawn(tsx, [join(root, 'packages/server/src/cli.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: environment(),
});
running.on('exit', (code, signal) => {
  process.exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
});
