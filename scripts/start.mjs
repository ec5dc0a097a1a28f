// `npm start` / `pnpm start`: installs the workspace, builds the docs and the server, and runs
// the server's compiled JavaScript (tsx is for development and tests only).
import { pnpm, pnpmStep } from './pnpm.mjs';

try {
  await pnpmStep(['install', '--frozen-lockfile']);
  await pnpmStep(['run', 'docs']);
  await pnpmStep(['--filter', '@apikeys/server', 'build']);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
const server = pnpm(['--filter', '@apikeys/server', 'start']);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.kill(signal));
}
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
