import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const serverPackage = fileURLToPath(new URL('../..', import.meta.url));
const tsx = `${serverPackage}node_modules/.bin/tsx`;

/** `pnpm apikeys …`, as the backend team runs it. */
export function apikeysCli(args: string[], env: Record<string, string>) {
  const result = spawnSync(tsx, ['src/cli.ts', ...args], {
    cwd: serverPackage,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * apikeysCli without blocking this process, for tests that serve HTTP from it meanwhile: a
 * synchronous spawn stalls the server, whose keep-alive sockets then close under the next request.
 */
export function apikeysCliAsync(
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ['src/cli.ts', ...args], { cwd: serverPackage, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** `pnpm start`'s server process (one Node process, as in production), with its output collected. */
export function startServerProcess(env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: serverPackage,
    env: { ...process.env, NODE_ENV: 'development', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  // The exit code, or the signal that ended the process when it did not exit by itself.
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  const waitFor = async (pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = (stdout + stderr).match(pattern);
      if (match) {
        return match;
      }
      if (child.exitCode !== null) {
        throw new Error(`server exited (${child.exitCode}):\n${stdout}\n${stderr}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${pattern}:\n${stdout}\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, exited, waitFor, output: () => ({ stdout, stderr }) };
}
