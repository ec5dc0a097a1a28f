// `npm test` / `pnpm test`: every check of the workspace, in the order a failure is cheapest to
// read. Extra arguments go to vitest (`pnpm test test/docs.test.ts`).
import { pnpmStep } from './pnpm.mjs';

const steps = [
  ['install', '--frozen-lockfile'],
  ['run', 'test:prerequisites'],
  ['run', 'generate:check'],
  ['run', 'lint'],
  ['run', 'lint:spec'],
  ['run', 'docs'],
  ['run', 'build'],
  ['run', 'typecheck'],
  ['exec', 'vitest', 'run', ...process.argv.slice(2)],
];
try {
  for (const step of steps) {
    await pnpmStep(step);
  }
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
