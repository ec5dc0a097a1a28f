// Produces every file derived from spec/openapi.yaml. With --check it writes nothing and
// fails when a committed file differs from what the spec generates now.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { clientOperations } from './clientOperations.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const spec = join(root, 'spec/openapi.yaml');
/** @param {string} name */
const bin = (name) => join(root, 'node_modules/.bin', name);
const check = process.argv.includes('--check');

/** @type {Record<string, (out: string) => void>} */
const outputs = {
  // The types every package builds on; --root-types gives the named exports (CreateApiKeyRequest, …).
  'packages/types/src/openapi.d.ts': (out) => writeTypes(out),
  // One self-contained JSON document that consuming teams generate their own clients from,
  // and that the server validates against.
  'packages/types/openapi.json': (out) => bundle(out, ['--dereferenced']),
  // The same document with its components and $refs kept, for generators that name types after
  // them (the dereferenced one inlines every schema where it is used).
  'packages/types/openapi.bundled.json': (out) => bundle(out, []),
  // The problem types, declared once in the spec (`x-problem-types` on Problem.type), as a union.
  // Not an enum in the schema: adding a kind would then break every client's response types.
  'packages/types/src/problemTypes.d.ts': writeProblemTypes,
  // The client ships its own copy of the types, so that its package installs alone (no
  // @apikeys/types to resolve); as .ts sources, which its build turns into .d.ts in dist/.
  'packages/client/src/generated/openapi.ts': (out) => writeTypes(out),
  'packages/client/src/generated/problemTypes.ts': writeProblemTypes,
  // The scopes each operation's token needs, so that a team can ask for exactly those.
  'packages/client/src/generated/operationScopes.ts': writeOperationScopes,
  // The client's methods, one per operation (scripts/clientOperations.mjs says what decides their
  // arguments, retries, Idempotency-Key and listAll… iterators), and the ApiKeysClient interface.
  'packages/client/src/generated/operations.ts': (out) => writeClientOperations(out, 'operations.ts'),
  'packages/client/src/generated/bindOperations.ts': (out) => writeClientOperations(out, 'bindOperations.ts'),
  // The server's handler map: one handler per operationId, each from its own folder
  // (packages/server/src/operations/<operationId>/<operationId>.ts). Typed by OperationHandlers,
  // so an operation whose handler is missing, or misnamed, does not compile.
  'packages/server/src/operations/generated/handlerMap.ts': writeHandlerMap,
  // The operations the `apikeys` command offers: those whose folder has a command.ts beside the
  // handler (operations/operationCommand.ts says what one declares).
  'packages/server/src/operations/generated/commandMap.ts': writeCommandMap,
};

/**
 * @param {string} out
 * @param {string[]} options
 */
function bundle(out, options) {
  execFileSync(bin('redocly'), ['bundle', spec, ...options, '--ext', 'json', '--output', out], {
    stdio: 'pipe',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
}

/** @param {string} out */
function writeTypes(out) {
  execFileSync(
    bin('openapi-typescript'),
    [
      spec,
      '-o',
      out,
      '--root-types',
      '--root-types-no-schema-prefix',
      '--root-types-keep-casing',
      '--default-non-nullable',
      'false',
    ],
    { stdio: 'pipe' },
  );
}

/** @param {string} out */
function writeProblemTypes(out) {
  const kinds = parse(readFileSync(spec, 'utf8')).components.schemas.Problem.properties.type['x-problem-types'];
  const lines = Object.entries(kinds).map(
    ([type, { status, title }]) => `  /** ${status} ${title} */\n  | ${JSON.stringify(type)}`,
  );
  writeFileSync(
    out,
    `// Generated from spec/openapi.yaml by \`pnpm generate\`. Do not edit.\n/** Every kind of problem this version of the API answers with. */\nexport type ProblemType =\n${lines.join('\n')};\n`,
  );
}

/** @param {string} out */
function writeOperationScopes(out) {
  /** @type {{ paths: Record<string, Record<string, { operationId?: string, security?: Record<string, string[]>[] }>> }} */
  const document = parse(readFileSync(spec, 'utf8'));
  const entries = Object.values(document.paths)
    .flatMap((item) => Object.values(item))
    .filter((operation) => typeof operation === 'object' && operation?.operationId && operation.security)
    .map(({ operationId, security = [] }) => {
      const scopes = [...new Set(security.flatMap((requirement) => Object.values(requirement).flat()))];
      return `  ${operationId}: ${JSON.stringify(scopes)},`;
    });
  writeFileSync(
    out,
    `// Generated from spec/openapi.yaml by \`pnpm generate\`. Do not edit.\n/** The scopes a service token needs for each operation (every one listed, for rotateApiKey both). */\nexport const operationScopes = {\n${entries.join('\n')}\n} as const;\n`,
  );
}

/**
 * Our own generated code, formatted as the hand-written code is (Biome skips generated/ otherwise).
 * @param {string} out
 * @param {'operations.ts' | 'bindOperations.ts'} file
 */
function writeClientOperations(out, file) {
  const source = clientOperations(parse(readFileSync(spec, 'utf8')))[file];
  const formatted = execFileSync(bin('biome'), ['format', `--stdin-file-path=${file}`], {
    cwd: root,
    input: source,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  writeFileSync(out, formatted);
}

const scratch = mkdtempSync(join(tmpdir(), 'apikeys-generate-'));
const stale = [];
try {
  for (const [target, produce] of Object.entries(outputs)) {
    const fresh = join(scratch, target.replaceAll('/', '_'));
    produce(fresh);
    const content = readFileSync(fresh, 'utf8');
    const committed = join(root, target);
    if (check) {
      if (!existsSync(committed) || readFileSync(committed, 'utf8') !== content) {
        stale.push(target);
      }
    } else {
      writeFileSync(committed, content);
      console.log(`generated ${target}`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (stale.length > 0) {
  console.error(
    `Out of date with spec/openapi.yaml: ${stale.join(', ')}\nRun \`pnpm generate\` and commit the result.`,
  );
  process.exit(1);
}
if (check) {
  console.log('generated files are up to date with spec/openapi.yaml');
}

/** Every operationId of the contract, in the document's order. */
function operationIds() {
  /** @type {{ paths: Record<string, Record<string, { operationId?: string }>> }} */
  const document = parse(readFileSync(spec, 'utf8'));
  return Object.values(document.paths)
    .flatMap((item) => Object.values(item))
    .filter((operation) => typeof operation === 'object' && operation?.operationId)
    .map(({ operationId }) => /** @type {string} */ (operationId));
}

/** @param {string} out */
function writeCommandMap(out) {
  const ids = operationIds().filter((id) => existsSync(join(root, 'packages/server/src/operations', id, 'command.ts')));
  const imports = [...ids]
    .sort()
    .map((id) => `import { command as ${id} } from '../${id}/command.js';`)
    .join('\n');
  writeFileSync(
    out,
    `// Generated from spec/openapi.yaml and the operations' folders by \`pnpm generate\`. Do not edit.
// One command per operation whose folder has a command.ts, in the contract's order.
${imports}
import type { OperationCommands } from '../operationCommand.js';

/** The operations the apikeys command offers, each with its command. */
export const operationCommands: OperationCommands = {
${ids.map((id) => `  ${id},`).join('\n')}
};
`,
  );
}

/** @param {string} out */
function writeHandlerMap(out) {
  const ids = operationIds();
  const imports = [...ids]
    .sort()
    .map((id) => `import { ${id} } from '../${id}/${id}.js';`)
    .join('\n');
  const entries = ids.map((id) => `    ${id}: ${id}(deps),`).join('\n');
  writeFileSync(
    out,
    `// Generated from spec/openapi.yaml by \`pnpm generate\`. Do not edit.
// One handler per operationId, from operations/<operationId>/<operationId>.ts.
${imports}
import type { OperationDeps, OperationHandlers } from '../operationHandler.js';

/** The handler of every operation in the contract. The return type makes a missing one a compile error. */
export function operationHandlers(deps: OperationDeps): OperationHandlers {
  return {
${entries}
  };
}
`,
  );
}
