// `npm run mock` / `pnpm mock`: installs the workspace if needed and runs Prism on the contract,
// on http://127.0.0.1:4010 (MOCK_PORT to change it).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pnpmStep, root } from './pnpm.mjs';

try {
  await pnpmStep(['install', '--frozen-lockfile']);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
const port = process.env.MOCK_PORT ?? '4010';
const prism = spawn(join(root, 'node_modules/.bin/prism'), ['mock', '--host', '127.0.0.1', '--port', port, join(root, 'spec/openapi.yaml')], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => prism.kill(signal));
prism.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
