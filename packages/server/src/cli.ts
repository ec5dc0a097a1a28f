import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { ApiKey, App as AppRecord, operations, Scope as ServiceTokenScope } from '@apikeys/types';
import { Argument, Command, CommanderError, Option } from 'commander';
import { cliArguments } from './cliArguments.js';
import { composeHandlers } from './compose.js';
import { databaseUrlFromEnv } from './config.js';
import { readContract } from './contract/contract.js';
import { KeyUsageRecorder } from './keys/keyUsageRecorder.js';
import type { AuditContext, Principal } from './keys/types.js';
import type { OperationHandlers } from './operations/operationHandler.js';
import type { KeyStore } from './store/keyStore.js';
import { openStore } from './store/openStore.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const contract = readContract();
const args = cliArguments(contract);

// Revoke and rotate declare no query parameters. The generated `query?: never` makes their
// OperationRequest's `query` a `never`, which no value has: `undefined` is passed as one.
const NO_QUERY = undefined as never;

type ListStatus = NonNullable<NonNullable<operations['listApiKeys']['parameters']['query']>['status']>;

interface Output {
  json?: true;
}

/** Prints a command's result: `document` as JSON with --json, else `text`. */
function print(output: Output, document: unknown, text: string): void {
  console.log(output.json ? JSON.stringify(document, null, 2) : text);
}

/** Runs `work` on the database the server uses (DATABASE_URL), brought up to date first, as the server does at start. */
async function withStore(work: (store: KeyStore) => Promise<void>): Promise<void> {
  const store = openStore(databaseUrlFromEnv());
  try {
    await store.migrate();
    await work(store);
  } finally {
    await store.close();
  }
}

/**
 * The server's own operation handlers on this store: the app and key commands run the same rules, store
 * calls and answers as the API, without HTTP. Their arguments were checked against the contract
 * while parsing (cliArguments.ts), as the request check does for a request.
 */
function keyOperations(store: KeyStore): OperationHandlers {
  const now = () => new Date();
  return composeHandlers({
    contract,
    store,
    now,
    // As the server reads it (config.ts): empty means unset. Without the server's pepper, a rotated
    // key's secret would be hashed so that the server never finds it.
    pepper: process.env.APIKEYS_PEPPER || undefined,
    // Page cursors made here are read back only by this process, while it pages through a listing.
    cursorSecret: randomBytes(32),
    // No command verifies a key, so no use is ever recorded.
    keyUsage: new KeyUsageRecorder({ store, now }),
  });
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

/** What the audit trail records of a change this command makes. */
const auditOf = (command: string): AuditContext => ({
  actor: cliActor(),
  operation: `apikeys ${command}`,
  requestId: null,
});

/**
 * A command's request to a handler: its audit event's context, and the caller it runs as, which
 * holds every scope (whoever can reach the database can do anything the API can).
 */
const asCli = (command: string): { audit: AuditContext; principal: Principal } => ({
  audit: auditOf(command),
  principal: { name: cliActor(), scopes: args.scopes },
});

/** Apps as scripts read them, named like the key records' fields (the API's App record, less display_name). */
const appDocument = (app: AppRecord) => ({ slug: app.slug, key_prefix: app.key_prefix, created_at: app.created_at });

// The app and token operations declare no path parameters: as NO_QUERY.
const NO_PARAMS = undefined as never;

const keyLine = (key: ApiKey) =>
  [key.id, key.status, `${key.key_prefix}_…${key.key_suffix}`, key.created_at, key.name].join('\t');

const withJson = (command: Command) =>
  command.option('--json', 'print the result as one JSON document; errors as {"error": "…"} on stderr');

function addAppCommands(program: Command): void {
  const apps = program.command('apps').description('register and list API auth apps');

  withJson(apps.command('add'))
    .description('register an API auth app')
    .addArgument(new Argument('<slug>', 'the app slug, as in /api-auth/apps/{appName}').argParser(args.appSlug))
    .addOption(
      new Option('--prefix <prefix>', 'what its secrets start with (<prefix>_…)')
        .argParser(args.keyPrefix)
        .makeOptionMandatory(),
    )
    .action((slug: string, options: Output & { prefix: string }) =>
      withStore(async (store) => {
        const { createApp } = keyOperations(store);
        const { body: app } = await createApp({
          params: NO_PARAMS,
          query: NO_QUERY,
          body: { slug, key_prefix: options.prefix },
          ...asCli('apps add'),
        });
        print(options, appDocument(app), `Added app ${app.slug}: its keys start with ${app.key_prefix}_`);
      }),
    );

  withJson(apps.command('list'))
    .description('list the apps: slug, key prefix, created at')
    .action((options: Output) =>
      withStore(async (store) => {
        const { listApps } = keyOperations(store);
        const all: AppRecord[] = [];
        let cursor: string | undefined;
        do {
          const query = { limit: args.pageSize, ...(cursor === undefined ? {} : { cursor }) };
          const { body } = await listApps({ params: NO_PARAMS, query, body: undefined, ...asCli('apps list') });
          all.push(...body.data);
          cursor = body.next_cursor ?? undefined;
        } while (cursor !== undefined);
        const text =
          all.length === 0
            ? 'No apps yet. Add one with: apikeys apps add <slug> --prefix <prefix>'
            : all.map((app) => `${app.slug}\t${app.key_prefix}\t${app.created_at}`).join('\n');
        print(options, all.map(appDocument), text);
      }),
    );
}

function addKeyCommands(program: Command): void {
  const keys = program.command('keys').description("list, revoke and rotate an app's API keys, as the API does");
  const appArgument = () => new Argument('<app>', 'the app slug').argParser(args.appSlug);
  const keyIdArgument = () => new Argument('<keyId>', "the key's id (a UUID)").argParser(args.keyId);

  withJson(keys.command('list'))
    .description(
      'list keys, newest first: id, status, secret hint, created at, name (--json: the records as the API answers them)',
    )
    .addArgument(appArgument())
    .addOption(new Option('--status <status>', 'which keys').choices(args.statuses).default(args.defaultStatus))
    .addOption(new Option('--limit <n>', 'list at most n keys (default: all)').argParser(args.limit))
    .action((app: string, options: Output & { status: ListStatus; limit?: number }) =>
      withStore(async (store) => {
        const { listApiKeys } = keyOperations(store);
        const wanted = options.limit ?? Number.POSITIVE_INFINITY;
        const found: ApiKey[] = [];
        let cursor: string | undefined;
        do {
          const query = {
            status: options.status,
            limit: Math.min(args.pageSize, wanted - found.length),
            ...(cursor === undefined ? {} : { cursor }),
          };
          const { body } = await listApiKeys({
            params: { appName: app },
            query,
            body: undefined,
            ...asCli('keys list'),
          });
          found.push(...body.data);
          cursor = body.next_cursor ?? undefined;
        } while (cursor !== undefined && found.length < wanted);
        const none = `No ${options.status === 'all' ? '' : `${options.status} `}keys in ${app}.`;
        print(options, found, found.length === 0 ? none : found.map(keyLine).join('\n'));
      }),
    );

  withJson(keys.command('revoke'))
    .description('revoke a key at once (a key already revoked stays as it is)')
    .addArgument(appArgument())
    .addArgument(keyIdArgument())
    .addOption(new Option('--reason <text>', 'why, kept as its revocation_reason').argParser(args.reason))
    .action((app: string, keyId: string, options: Output & { reason?: string }) =>
      withStore(async (store) => {
        const { revokeApiKey } = keyOperations(store);
        const body = options.reason === undefined ? {} : { reason: options.reason };
        const { body: key } = await revokeApiKey({
          params: { appName: app, keyId },
          query: NO_QUERY,
          body,
          ...asCli('keys revoke'),
        });
        const why = key.revocation_reason === null ? '' : ` (${key.revocation_reason})`;
        print(options, key, `Key ${key.id} of ${app} is revoked as of ${key.revoked_at}${why}.`);
      }),
    );

  withJson(keys.command('rotate'))
    .description('replace a key by a new one with the same settings; prints the new secret, this once only')
    .addArgument(appArgument())
    .addArgument(keyIdArgument())
    .addOption(
      new Option('--grace-period-seconds <n>', 'how long the old key keeps verifying')
        .argParser(args.gracePeriodSeconds)
        .default(args.defaultGracePeriodSeconds),
    )
    .action((app: string, keyId: string, options: Output & { gracePeriodSeconds: number }) =>
      withStore(async (store) => {
        const { rotateApiKey } = keyOperations(store);
        const grace = options.gracePeriodSeconds;
        const { body } = await rotateApiKey({
          params: { appName: app, keyId },
          query: NO_QUERY,
          body: { grace_period_seconds: grace },
          ...asCli('keys rotate'),
        });
        const old = grace === 0 ? `Key ${keyId} is revoked.` : `Key ${keyId} keeps verifying for ${grace} seconds.`;
        const text = [
          `${old} Its successor is key ${body.key.id}. Its secret, shown only this once:`,
          body.secret,
        ].join('\n');
        print(options, body, text);
      }),
    );
}

function addTokenCommands(program: Command): void {
  const tokens = program
    .command('tokens')
    .description('add, list and revoke the service tokens callers of the API send, each with the scopes it needs');

  withJson(tokens.command('add'))
    .description('add a service token; prints the token, this once only (--json: { "name", "scopes", "token" })')
    .addOption(
      new Option('--name <name>', 'what the token is called, in the audit trail too; never reused')
        .argParser(args.tokenName)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--scope <scope>', `a scope it holds; repeat for more (${args.scopes.join(', ')})`)
        .argParser(args.scope)
        .makeOptionMandatory(),
    )
    .action((options: Output & { name: string; scope: string[] }) =>
      withStore(async (store) => {
        // Hashed with the server's pepper (keyOperations): without it, the server would never find it.
        const { createServiceToken } = keyOperations(store);
        const { body } = await createServiceToken({
          params: NO_PARAMS,
          query: NO_QUERY,
          body: { name: options.name, scopes: options.scope as ServiceTokenScope[] },
          ...asCli('tokens add'),
        });
        const { name, scopes } = body.token;
        const text = [
          `Added service token ${name} with ${scopes.join(', ')}. The token, shown only this once:`,
          body.secret,
        ].join('\n');
        print(options, { name, scopes, token: body.secret }, text);
      }),
    );

  withJson(tokens.command('list'))
    .description('list the service tokens, oldest first: name, status, scopes, created at, revoked at')
    .action((options: Output) =>
      withStore(async (store) => {
        const { listServiceTokens } = keyOperations(store);
        const { body } = await listServiceTokens({
          params: NO_PARAMS,
          query: NO_QUERY,
          body: undefined,
          ...asCli('tokens list'),
        });
        const all = body.data;
        const text =
          all.length === 0
            ? 'No service tokens yet. Add one with: apikeys tokens add --name <name> --scope <scope>'
            : all
                .map((token) =>
                  [token.name, token.status, token.scopes.join(','), token.created_at, token.revoked_at ?? '']
                    .join('\t')
                    .trimEnd(),
                )
                .join('\n');
        print(options, all, text);
      }),
    );

  withJson(tokens.command('revoke'))
    .description('revoke a service token: every server refuses it within milliseconds (a revoked token stays as it is)')
    .addArgument(new Argument('<name>', 'the token name').argParser(args.tokenName))
    .action((name: string, options: Output) =>
      withStore(async (store) => {
        const { revokeServiceToken } = keyOperations(store);
        const { body: revoked } = await revokeServiceToken({
          params: { tokenName: name },
          query: NO_QUERY,
          body: undefined,
          ...asCli('tokens revoke'),
        });
        print(options, revoked, `Service token ${name} is revoked as of ${revoked.revoked_at}.`);
      }),
    );
}

function program(wantsJson: boolean): Command {
  // Subcommands made with .command() inherit the output and exit settings made here, before them.
  const apikeys = new Command('apikeys')
    .description('Manage the API auth apps, API keys and service tokens in the database the server uses.')
    .version(version)
    // Commander reports a usage error before the options are parsed, so --json is looked for in the arguments.
    .configureOutput({
      outputError: (text, write) =>
        write(wantsJson ? `${JSON.stringify({ error: text.replace(/^error: /, '').trim() })}\n` : text),
    })
    .showHelpAfterError(wantsJson ? false : '(add --help for usage)')
    // Usage errors end in a CommanderError (exit 2 below) instead of Commander's process.exit(1).
    .exitOverride()
    .addHelpText(
      'after',
      `
Environment, as for the server:
  DATABASE_URL    sqlite:<path> or postgres://…; a relative sqlite: path is taken from the current folder (default sqlite:data/apikeys.db)
  APIKEYS_PEPPER  the server's pepper, with which \`keys rotate\` and \`tokens add\` hash the new secret or token: without the same one, the server cannot verify it

Exit status: 0 done, 1 failed (such as an unknown app, key or token, or a token name taken), 2 usage error.`,
    );
  addAppCommands(apikeys);
  addKeyCommands(apikeys);
  addTokenCommands(apikeys);
  return apikeys;
}

/** 0 done, 1 failed (an unknown app or key, a key that cannot be rotated, no database …), 2 usage error. */
async function run(argv: string[]): Promise<number> {
  const apikeys = program(argv.includes('--json'));
  let current: Command = apikeys;
  apikeys.hook('preAction', (_program, actionCommand) => {
    current = actionCommand;
  });
  try {
    await apikeys.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has printed its message (or the help, or the version) already.
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error((current.opts() as Output).json ? JSON.stringify({ error: message }) : message);
    return 1;
  }
}

// exitCode rather than process.exit(), which can cut off output still being written to a pipe.
process.exitCode = await run(process.argv.slice(2));
