// `npm start` / `pnpm start`: installs the workspace, builds the docs and the server, and runs
// the server's compiled JavaScript (tsx is for development and tests only).
//
// The server runs as this process's own child, with no pnpm or shell between them: SIGINT and
// SIGTERM sent to this process (by npm, pnpm, a terminal's Ctrl-C or a process manager) reach
// it, it stops cleanly, and this process exits with its code.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { environment, installIfNeeded, isUpToDate, pnpmStep, root } from './pnpm.mjs';

/** @type {import('node:child_process').ChildProcess | undefined} */
let running;
/** @type {NodeJS.Signals | undefined} */
let stopping;
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
  process.on(signal, () => {
    stopping = signal;
    running?.kill(signal);
  });
}

// Each build runs only when one of its inputs is newer than its output, so that a second
// `npm start` begins serving in a second or two.
const builds = [
  { step: ['run', 'docs'], output: 'packages/docs/dist/index.html', inputs: ['spec', 'packages/docs'] },
  {
    step: ['--filter', '@apikeys/server', 'build'],
    output: 'packages/server/dist/main.js',
    inputs: [
      'packages/server/src',
      'packages/server/package.json',
      'packages/server/tsconfig.build.json',
      'tsconfig.base.json',
    ],
  },
];

try {
  await installIfNeeded((child) => (running = child));
  for (const { step, output, inputs } of builds) {
    if (stopping) {
      break;
    }
    if (
      !isUpToDate(
        join(root, output),
        inputs.map((input) => join(root, input)),
      )
    ) {
      await pnpmStep(step, (child) => (running = child));
    }
  }
} catch (error) {
  console.error(/** @type {Error} */ (error).message);
  process.exit(stopping ? 128 + constants.signals[stopping] : 1);
}
if (stopping) {
  process.exit(128 + constants.signals[stopping]);
}

const serverPackage = join(root, 'packages', 'server');
running = spawn(process.execPath, [join(serverPackage, 'dist', 'main.js')], {
  cwd: serverPackage,
  stdio: 'inherit',
  env: environment(),
});
running.on('exit', (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
