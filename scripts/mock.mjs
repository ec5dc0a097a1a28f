// `npm run mock` / `pnpm mock`: installs what the mock needs (only packages/mock and its
// dependencies: Prism and the contract, not the server's native SQLite build) and runs it, Prism on
// the contract behind the front in packages/mock, on http://127.0.0.1:4010 (MOCK_PORT to change it).
import { join } from 'node:path';
import { pnpmStep, root } from './pnpm.mjs';

try {
  await pnpmStep(['install', '--frozen-lockfile', '--filter', '@apikeys/mock...']);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
// Imported by path: the filtered install links it into packages/mock only, not the workspace root.
const { startMock } = await import(join(root, 'packages/mock/src/mockServer.mjs'));
const mock = await startMock({
  port: Number(process.env.MOCK_PORT ?? 4010),
  specFile: join(root, 'spec/openapi.yaml'),
  log: (/** @type {string} */ line) => console.log(line),
});
console.log(`The mock answers on ${mock.url}`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    void mock.close().then(() => process.exit(0));
  });
}
