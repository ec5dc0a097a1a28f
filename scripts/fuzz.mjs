// `pnpm fuzz [--runs N] [--seed S] [--path P] [file…] [vitest options…]`: the property-based fuzz
// suite (packages/server/test/fuzz) on SQLite and PostgreSQL, as `npm test` runs it, but with N
// runs of each property instead of the bounded default, from seed S instead of the fixed one, or
// replaying the counterexample fast-check reported as `{ seed: S, path: "P" }`. A bare word picks
// the fuzz files whose name starts with it (`pnpm fuzz --runs 20000 createApiKey`); options such
// as `-t postgres` go to vitest as they are.
import { pnpm } from './pnpm.mjs';

const FUZZ_DIR = 'packages/server/test/fuzz';
const usage = 'usage: pnpm fuzz [--runs N] [--seed S] [--path P] [file…] [vitest options…]';
// vitest options that take a value, so that the value is not taken for a file.
const VALUED = new Set([
  '-t',
  '--testNamePattern',
  '--reporter',
  '--outputFile',
  '--maxWorkers',
  '--shard',
  '--project',
  '--config',
  '-c',
]);
/** @type {Record<string, string>} */
const options = { '--runs': 'FUZZ_RUNS', '--seed': 'FUZZ_SEED', '--path': 'FUZZ_PATH' };
/** @type {string[]} */
const rest = [];
const args = process.argv.slice(2);
for (let index = 0; index < args.length; index++) {
  const arg = /** @type {string} */ (args[index]);
  if (arg === '--help' || arg === '-h') {
    console.log(usage);
    process.exit(0);
  }
  const [name = '', inline] = arg.split(/=(.*)/s);
  if (!(name in options)) {
    if (VALUED.has(arg) && index + 1 < args.length) {
      rest.push(arg, /** @type {string} */ (args[++index]));
    } else {
      rest.push(arg.startsWith('-') ? arg : `${FUZZ_DIR}/${arg}`);
    }
    continue;
  }
  const value = inline ?? args[++index];
  const valid =
    name === '--path'
      ? /^\d+(:\d+)*$/.test(value ?? '')
      : name === '--seed'
        ? /^-?\d+$/.test(value ?? '')
        : /^[1-9]\d*$/.test(value ?? '');
  if (!valid) {
    console.error(
      `${name} needs ${name === '--path' ? 'a path such as 33:4:3' : name === '--seed' ? 'an integer' : 'a positive integer'}\n${usage}`,
    );
    process.exit(2);
  }
  process.env[/** @type {string} */ (options[name])] = value;
}

const settings = Object.entries(options)
  .filter(([, variable]) => process.env[variable])
  .map(([name, variable]) => `${name} ${process.env[variable]}`);
console.log(`fuzz: ${settings.length > 0 ? settings.join(', ') : 'the default runs and seed of npm test'}`);
const files = rest.some((arg) => arg.startsWith(`${FUZZ_DIR}/`)) ? [] : [FUZZ_DIR];
pnpm(['exec', 'vitest', 'run', ...files, ...rest]).on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
