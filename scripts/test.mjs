// `npm test` / `pnpm test`: every check of the workspace, in the order a failure is cheapest to
// read. Extra arguments go to vitest. Options alone (`--reporter=json`, as .ci/run passes) keep
// every check; files (`pnpm test test/docs.test.ts`) run only vitest on them, after an install
// if a manifest or the lockfile changed since the last one, and a build of the docs or the
// client only if there is none yet (see README: "Tests").
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { installIfNeeded, pnpmStep, root } from './pnpm.mjs';

const vitestArgs = process.argv.slice(2);

const everything = async () => {
  for (const step of [
    ['install', '--frozen-lockfile'],
    ['run', 'test:prerequisites'],
    ['run', 'generate:check'],
    ['run', 'lint'],
    ['run', 'lint:spec'],
    ['run', 'docs'],
    ['run', 'build'],
    ['run', 'typecheck'],
    ['exec', 'vitest', 'run', ...vitestArgs],
  ]) {
    await pnpmStep(step);
  }
};

const some = async () => {
  await installIfNeeded();
  await pnpmStep(['run', 'test:prerequisites']);
  const builds = [
    { output: 'packages/docs/dist/index.html', step: ['run', 'docs'] },
    { output: 'packages/client/dist', step: ['run', 'build'] },
  ];
  for (const { output, step } of builds) {
    if (!existsSync(join(root, output))) {
      await pnpmStep(step);
    }
  }
  await pnpmStep(['exec', 'vitest', 'run', ...vitestArgs]);
};

try {
  // Options are written `--name=value` here, so any argument without a leading dash is a file.
  await (vitestArgs.some((arg) => !arg.startsWith('-')) ? some() : everything());
} catch (error) {
  console.error(/** @type {Error} */ (error).message);
  process.exit(1);
}
