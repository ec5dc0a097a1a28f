// `npm run client:pack`: the client's tarball, on a fresh clone too (the workspace installed first
// when it is not, as `npm start` does), built and written to dist/, outside the sources.
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { installIfNeeded, pnpmStep, root } from './pnpm.mjs';

const destination = join(root, 'dist');
mkdirSync(destination, { recursive: true });
try {
  await installIfNeeded();
  // pnpm pack runs the package's prepack (its build) first.
  await pnpmStep(['--filter', '@apikeys/client', 'pack', '--pack-destination', destination]);
} catch (error) {
  console.error(String(error instanceof Error ? error.message : error));
  process.exit(1);
}
const tarballs = readdirSync(destination).filter((name) => name.endsWith('.tgz'));
console.log(
  `\nThe client is packed in dist/: ${tarballs.join(', ')}. In your project: npm install <this repository>/dist/<file>`,
);
