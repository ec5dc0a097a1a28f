import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { CommanderError } from 'commander';
import { apikeysProgram } from './cli/program.js';
import { databaseUrlFromEnv } from './config.js';
import { readContract } from './contract/contract.js';
import { KeyUsageRecorder } from './keys/keyUsageRecorder.js';
import type { AuditContext, Principal } from './keys/types.js';
import { parseAllowedNetworks } from './keys/webhookDestination.js';
import { webhookSecretKey } from './keys/webhookSecret.js';
import { operationCommands } from './operations/generated/commandMap.js';
import { operationHandlers } from './operations/generated/handlerMap.js';
import type { OperationHandlers } from './operations/operationHandler.js';
import { openStore } from './store/openStore.js';

// The `apikeys` process: the operations' own handlers on the database the server uses, without
// HTTP, offered as the commands their folders declare (operations/<id>/command.ts).

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const contract = readContract();

/** Runs `work` on the handlers over the database the server uses (DATABASE_URL), brought up to date first, as the server does at start. */
async function withHandlers<T>(work: (handlers: OperationHandlers) => Promise<T>): Promise<T> {
  const store = openStore(databaseUrlFromEnv());
  try {
    await store.migrate();
    const now = () => new Date();
    return await work(
      operationHandlers({
        store,
        now,
        limits: contract.limits,
        patterns: contract.patterns,
        // As the server reads it (config.ts): empty means unset. Without the server's pepper, a rotated
        // key's secret or a new token would be hashed so that the server never finds it.
        pepper: process.env.APIKEYS_PEPPER || undefined,
        // Page cursors made here are read back only by this process, while it pages through a listing.
        cursorSecret: randomBytes(32),
        // No command verifies a key, so no use is ever recorded.
        keyUsage: new KeyUsageRecorder({ store, now }),
        // As the server seals endpoint secrets, and checks their URLs.
        webhookSecretKey: webhookSecretKey(process.env.APIKEYS_PEPPER || (await store.serverSecret('webhook-secrets'))),
        webhookDestinations: { allowed: parseAllowedNetworks(process.env.APIKEYS_WEBHOOK_ALLOWED_NETWORKS) },
      }),
    );
  } finally {
    await store.close();
  }
}

/**
 * Who a command's audit events name: the operating-system user who ran it (`cli:?` when it cannot
 * be told). The colon keeps it apart from every token name.
 */
function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:?';
  }
}

/**
 * A command's audit context, and the caller it runs as, which holds every scope (whoever can
 * reach the database can do anything the API can).
 */
const callerOf = (command: string): { audit: AuditContext; principal: Principal } => ({
  audit: { actor: cliActor(), operation: `apikeys ${command}`, requestId: null },
  principal: { name: cliActor(), scopes: contract.scopes },
});

/** 0 done, 1 failed (an unknown app or key, a key that cannot be rotated, no database …), 2 usage error. */
async function run(argv: string[]): Promise<number> {
  const wantsJson = argv.includes('--json');
  const apikeys = apikeysProgram({ contract, commands: operationCommands, version, withHandlers, callerOf, wantsJson });
  try {
    await apikeys.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has printed its message (or the help, or the version) already.
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(wantsJson ? JSON.stringify({ error: message }) : message);
    return 1;
  }
}

// exitCode rather than process.exit(), which can cut off output still being written to a pipe.
process.exitCode = await run(process.argv.slice(2));
