import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startMock as startMockServer } from '@apikeys/mock';
import {
  createJsonLogger,
  createServer,
  listen,
  resolveHostname,
  type ServerOptions,
  SqliteKeyStore,
} from '@apikeys/server';
import { freePort } from './freePort.js';
import { publishedContract, repoRoot, specFile } from './repo.js';

export const TOKEN = 'consumer-token-0123456789abcdef';
/** The real server's clock in consumer tests, so that the seed's expiry (2026-12-31) lies in the future. */
export const SERVER_NOW = new Date('2026-06-01T12:00:00.000Z');

export interface Target {
  url: string;
  close(): Promise<void>;
}

async function startPrism(args: string[]): Promise<Target> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(repoRoot, 'node_modules/.bin/prism'),
    [...args, '--host', '127.0.0.1', '--port', String(port)],
    {
      cwd: repoRoot,
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('Prism is listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Prism exited (${code}):\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      if (child.exitCode !== null) {
        return;
      }
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `pnpm mock`: Prism answering from the contract's examples, behind the front that refuses what the server refuses. */
export const startMock = async (): Promise<Target> => startMockServer({ port: await freePort(), specFile });

/** Prism on its own on the published contract, as a team that takes the contract runs it: no front. */
export const startPlainPrism = () => startPrism(['mock', publishedContract]);

/** Prism as a validation proxy in front of `upstream`: a response that breaks the contract becomes a 500 with `sl-violations`. */
export const startValidationProxy = (upstream: string) => startPrism(['proxy', specFile, upstream, '--errors']);

/**
 * The contract's examples register webhook endpoints under example.com, which this machine cannot
 * resolve (no DNS beyond the registry): its names answer example.com's public address, as the
 * internet's DNS would. Any other name resolves as usual.
 */
const resolveExampleHosts = async (hostname: string) =>
  hostname === 'example.com' || hostname.endsWith('.example.com') ? ['93.184.215.14'] : resolveHostname(hostname);

/** The real server's app on a real SQLite file with the demo app, as `pnpm start` builds it; not yet listening. */
export async function buildRealApp(options: Partial<ServerOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'apikeys-consumer-'));
  const store = new SqliteKeyStore(join(dir, 'apikeys.db'));
  await store.migrate();
  await store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, SERVER_NOW);
  const logger = createJsonLogger(new Writable({ write: (_chunk, _encoding, done) => done() }));
  const app = await createServer({
    store,
    tokens: [TOKEN],
    now: () => SERVER_NOW,
    logger,
    validateResponses: true,
    webhooks: { resolve: resolveExampleHosts },
    // The contract suites send each operation a bad token from this one address: more than the
    // default 20 failures a minute the server allows an address.
    authFailureLimit: { limit: 1_000, windowMs: 60_000 },
    ...options,
  });
  return {
    app,
    store,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The real server, listening on a loopback port. */
export async function startRealServer(
  options: Partial<ServerOptions> = {},
): Promise<Target & { store: SqliteKeyStore }> {
  const { app, store, dispose } = await buildRealApp(options);
  const running = await listen(app, 0);
  return {
    url: running.url,
    store,
    close: async () => {
      await running.close();
      await dispose();
    },
  };
}
