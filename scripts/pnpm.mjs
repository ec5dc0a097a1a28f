// Runs the workspace's pnpm whether the caller started us through pnpm or through plain npm,
// so that `npm start` and `npm test` work on a machine that has only Node and npm.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
const { packageManager } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

function environment() {
  const env = { ...process.env };
  // better-sqlite3 compiles when no prebuilt binary is reachable; node-gyp then needs Node's
  // headers. Use the ones installed with this very Node when they are there, instead of a download.
  const headers = '/usr/include/node/node_version.h';
  if (!env.npm_config_nodedir && existsSync(headers)) {
    const text = readFileSync(headers, 'utf8');
    const part = (name) => text.match(new RegExp(`#define ${name} (\\d+)`))?.[1];
    const version = `v${part('NODE_MAJOR_VERSION')}.${part('NODE_MINOR_VERSION')}.${part('NODE_PATCH_VERSION')}`;
    if (version === process.version) {
      env.npm_config_nodedir = '/usr';
    }
  }
  return env;
}

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

export function pnpmStep(args) {
  return new Promise((resolve, reject) => {
    pnpm(args).on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`pnpm ${args.join(' ')} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}
