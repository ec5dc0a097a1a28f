// `npm run mock` / `pnpm mock`: installs the workspace if needed and runs the mock (Prism on the
// contract, behind the front in packages/mock) on http://127.0.0.1:4010 (MOCK_PORT to change it).
import { join } from 'node:path';
import { pnpmStep, root } from './pnpm.mjs';

try {
  await pnpmStep(['install', '--frozen-lockfile']);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
const { startMock } = await import('@apikeys/mock');
const mock = await startMock({ port: Number(process.env.MOCK_PORT ?? 4010), specFile: join(root, 'spec/openapi.yaml'), log: (line) => console.log(line) });
console.log(`The mock answers on ${mock.url}`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    void mock.close().then(() => process.exit(0));
  });
}
