// Runs the workspace's pnpm whether the caller started us through pnpm or through plain npm,
// so that `npm start` and `npm test` work on a machine that has only Node and npm.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
const { packageManager } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

export function environment() {
  const env = { ...process.env };
  // better-sqlite3 compiles when no prebuilt binary is reachable; node-gyp then needs Node's
  // headers. Use the ones installed with this very Node when they are there, instead of a download.
  const headers = '/usr/include/node/node_version.h';
  if (!env.npm_config_nodedir && existsSync(headers)) {
    const text = readFileSync(headers, 'utf8');
    /** @param {string} name */
    const part = (name) => text.match(new RegExp(`#define ${name} (\\d+)`))?.[1];
    const version = `v${part('NODE_MAJOR_VERSION')}.${part('NODE_MINOR_VERSION')}.${part('NODE_PATCH_VERSION')}`;
    if (version === process.version) {
      env.npm_config_nodedir = '/usr';
    }
  }
  return env;
}

/**
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} [options]
 */
export function pnpm(args, options = {}) {
  const execPath = process.env.npm_execpath ?? '';
  // pnpm 12 is a native binary; older releases are a script for Node.
  const [command, argv] = !/pnpm/.test(execPath)
    ? ['npx', ['--yes', packageManager, ...args]]
    : /\.[cm]?js$/.test(execPath)
      ? [process.execPath, [execPath, ...args]]
      : [execPath, args];
  return spawn(command, argv, { cwd: root, stdio: 'inherit', env: environment(), ...options });
}

/**
 * Runs one pnpm command to its end; `started` is told of its process (to pass signals on).
 * @param {string[]} args
 * @param {(child: import('node:child_process').ChildProcess) => void} [started]
 * @param {import('node:child_process').SpawnOptions} [options]
 * @returns {Promise<void>}
 */
export function pnpmStep(args, started, options) {
  return new Promise((resolve, reject) => {
    const child = pnpm(args, options);
    started?.(child);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`pnpm ${args.join(' ')} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

const mtime = (/** @type {string} */ file) => (existsSync(file) ? statSync(file).mtimeMs : Number.POSITIVE_INFINITY);

/**
 * The newest modification time of a file, or of any file under a folder (outputs and
 * installed packages, `dist` and `node_modules`, left out).
 * @param {string} path
 * @returns {number}
 */
function newest(path) {
  if (!statSync(path).isDirectory()) {
    return mtime(path);
  }
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.name !== 'dist' && entry.name !== 'node_modules')
    .reduce((latest, entry) => Math.max(latest, newest(join(path, entry.name))), 0);
}

/**
 * Whether `output` exists and is newer than every file of `inputs` (files or folders).
 * @param {string} output
 * @param {string[]} inputs
 */
export function isUpToDate(output, inputs) {
  const built = mtime(output);
  return Number.isFinite(built) && inputs.every((input) => !existsSync(input) || newest(input) < built);
}

/**
 * Whether the last `pnpm install` is newer than everything it reads: the lockfile, the
 * workspace file and every package's manifest. pnpm records when it last validated the
 * workspace; a missing or unreadable record means install.
 */
export function installIsCurrent() {
  try {
    const state = JSON.parse(readFileSync(join(root, 'node_modules', '.pnpm-workspace-state-v1.json'), 'utf8'));
    const packages = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name, 'package.json'));
    const inputs = ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json'].map((file) => join(root, file));
    return [...inputs, ...packages.filter(existsSync)].every((file) => mtime(file) < state.lastValidatedTimestamp);
  } catch {
    return false;
  }
}

/**
 * `pnpm install --frozen-lockfile`, skipped when nothing it reads changed since the last one
 * (pnpm's own check costs a second or two of start-up).
 * @param {(child: import('node:child_process').ChildProcess) => void} [started]
 * @param {import('node:child_process').SpawnOptions} [options]
 */
export async function installIfNeeded(started, options) {
  if (!installIsCurrent()) {
    await pnpmStep(['install', '--frozen-lockfile'], started, options);
  }
}
