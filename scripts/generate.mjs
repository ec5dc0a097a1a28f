// Produces every file derived from spec/openapi.yaml. With --check it writes nothing and
// fails when a committed file differs from what the spec generates now.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const spec = join(root, 'spec/openapi.yaml');
const bin = (name) => join(root, 'node_modules/.bin', name);
const check = process.argv.includes('--check');

const outputs = {
  // The types every package builds on; --root-types gives the named exports (CreateApiKeyRequest, …).
  'packages/types/src/openapi.d.ts': (out) =>
    execFileSync(bin('openapi-typescript'), [spec, '-o', out, '--root-types', '--root-types-no-schema-prefix', '--root-types-keep-casing'], { stdio: 'pipe' }),
  // One self-contained JSON document that consuming teams generate their own clients from,
  // and that the server validates against.
  'packages/types/openapi.json': (out) =>
    execFileSync(bin('redocly'), ['bundle', spec, '--dereferenced', '--ext', 'json', '--output', out], {
      stdio: 'pipe',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    }),
};

const scratch = mkdtempSync(join(tmpdir(), 'apikeys-generate-'));
const stale = [];
try {
  for (const [target, produce] of Object.entries(outputs)) {
    const fresh = join(scratch, target.replaceAll('/', '_'));
    produce(fresh);
    const content = readFileSync(fresh, 'utf8');
    const committed = join(root, target);
    if (check) {
      if (!existsSync(committed) || readFileSync(committed, 'utf8') !== content) stale.push(target);
    } else {
      writeFileSync(committed, content);
      console.log(`generated ${target}`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (stale.length > 0) {
  console.error(`Out of date with spec/openapi.yaml: ${stale.join(', ')}\nRun \`pnpm generate\` and commit the result.`);
  process.exit(1);
}
if (check) console.log('generated files are up to date with spec/openapi.yaml');
