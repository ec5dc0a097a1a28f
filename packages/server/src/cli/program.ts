import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Contract } from '../contract/contract.js';
import { ProblemError } from '../contract/problems.js';
import type { ValidatedRequest } from '../contract/requestCheck.js';
import type { ContractRoute } from '../contract/routes.js';
import type { AuditContext, Principal } from '../keys/types.js';
import type { CommandValue, OperationCommand, OperationCommands } from '../operations/operationCommand.js';
import type { OperationHandlers } from '../operations/operationHandler.js';

// The `apikeys` command, built from the table of operation commands (operations/<id>/command.ts)
// and the contract: each value's request field decides whether it is required, its default and
// choices, and its check, which is the contract's own compiled request check, run before the
// database is opened. An operation that pages is followed to its last page.

type Schema = OpenAPIV3_1.SchemaObject;
type AnyCommand = OperationCommand<never> & {
  arguments?: readonly CommandValue<never>[];
  options?: readonly CommandValue<never>[];
  text(answer: unknown, request: unknown): string;
  json?(answer: unknown): unknown;
};
type AnyHandler = (request: unknown) => Promise<{ body: unknown }>;

/** What the program needs from the process: the database's handlers, and who the caller is. */
export interface ProgramParts {
  contract: Contract;
  commands: OperationCommands;
  version: string;
  /** Runs `work` with the handlers on the database, opened for it and closed after. */
  withHandlers<T>(work: (handlers: OperationHandlers) => Promise<T>): Promise<T>;
  /** The audit context and principal of a command (`keys rotate`). */
  callerOf(command: string): { audit: AuditContext; principal: Principal };
  /** Whether --json was asked for: a usage error is reported before the options are parsed. */
  wantsJson: boolean;
}

/**
 * What each group's commands act on: a group is the first word the commands share. Its help line
 * adds the verbs its commands declare, so a new command needs no edit here.
 */
const GROUPS: Record<string, string> = {
  apps: 'the API auth apps',
  keys: "an app's API keys, as the API manages them",
  tokens: 'the service tokens callers of the API send, each with the scopes it needs',
};

interface FieldSpec {
  where: 'path' | 'query' | 'body';
  name: string;
  schema: Schema;
  required: boolean;
}

function fieldOf(route: ContractRoute, field: string): FieldSpec {
  const [where, name] = field.split('.') as [FieldSpec['where'], string];
  if (where === 'body') {
    const body = (route.operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content['application/json']
      ?.schema as Schema | undefined;
    const schema = body?.properties?.[name] as Schema | undefined;
    if (schema) {
      return { where, name, schema, required: body?.required?.includes(name) ?? false };
    }
  } else {
    const parameter = (
      [...route.pathParameters, ...(route.operation.parameters ?? [])] as OpenAPIV3_1.ParameterObject[]
    ).find((each) => each.in === where && each.name === name);
    if (parameter?.schema) {
      return { where, name, schema: parameter.schema as Schema, required: parameter.required ?? false };
    }
  }
  throw new Error(`${route.operationId}'s command fills ${field}, which the contract does not have`);
}

/** The page size and smallest limit of an operation that pages with `cursor` and `limit`; undefined if it does not. */
function paging(route: ContractRoute): { pageSize: number; minimum: number } | undefined {
  const query = (route.operation.parameters ?? []) as OpenAPIV3_1.ParameterObject[];
  const limit = query.find((each) => each.in === 'query' && each.name === 'limit')?.schema as Schema | undefined;
  if (!query.some((each) => each.in === 'query' && each.name === 'cursor') || !limit) {
    return undefined;
  }
  if (typeof limit.maximum !== 'number' || typeof limit.minimum !== 'number') {
    throw new Error(`${route.operationId} pages with no minimum and maximum limit`);
  }
  return { pageSize: limit.maximum, minimum: limit.minimum };
}

/** A value as typed on the command line, as its field's type: the body's check does not coerce. */
function typed(value: unknown, spec: FieldSpec): unknown {
  const numeric = spec.schema.type === 'integer' || spec.schema.type === 'number';
  return numeric && typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

const flagOf = (value: CommandValue<never>) => value.name.split(' ')[0]!;

/** The contract's validation errors in the command's words: `--reason must …`, `<keyId> must …`. */
function usageProblem(error: ProblemError, values: readonly { value: CommandValue<never>; display: string }[]): string {
  const displayOf = (pointer: string) => {
    // `/body/name`, `/path/keyId`, `/query/limit` (contract/requestPointer.ts): the part and its field.
    const [, where, name] = pointer.split('/');
    const found = values.find(({ value }) => value.field === `${where}.${name}`);
    return found?.display ?? name ?? 'the request';
  };
  const errors = error.options.errors ?? [];
  return errors.length === 0
    ? error.detail
    : errors.map(({ pointer, message }) => `${displayOf(pointer)} ${message}`).join('; ');
}

function addCommand(group: Command, operationId: string, declared: AnyCommand, parts: ProgramParts): void {
  const route = parts.contract.routes.find((each) => each.operationId === operationId);
  if (!route) {
    throw new Error(`A command is declared for ${operationId}, which the contract does not have`);
  }
  const words = declared.words.join(' ');
  const command = group
    .command(declared.words[1])
    .description(declared.description)
    .option('--json', 'print the result as one JSON document; errors as {"error": "…"} on stderr');
  const values: { value: CommandValue<never>; spec: FieldSpec; display: string; attribute?: string }[] = [];

  for (const value of declared.arguments ?? []) {
    const spec = fieldOf(route, value.field);
    command.addArgument(new Argument(`<${value.name}>`, value.help));
    values.push({ value, spec, display: `<${value.name}>` });
  }
  for (const value of declared.options ?? []) {
    const spec = fieldOf(route, value.field);
    const items = spec.schema.type === 'array' ? (spec.schema.items as Schema | undefined) : undefined;
    const choices = items?.enum ? ` (${items.enum.join(', ')})` : '';
    const option = new Option(value.name, `${value.help}${choices}`);
    if (items) {
      // Repeated to give more; a repeated value counts once.
      option.argParser((given: string, previous: string[] = []) =>
        previous.includes(given) ? previous : [...previous, given],
      );
    }
    if (spec.schema.enum) {
      option.choices(spec.schema.enum.map(String));
    }
    if (spec.schema.default !== undefined) {
      option.default(spec.schema.default);
    }
    if (spec.required) {
      option.makeOptionMandatory();
    }
    command.addOption(option);
    values.push({ value, spec, display: flagOf(value), attribute: option.attributeName() });
  }
  const pages = paging(route);
  if (pages) {
    command.addOption(
      new Option('--limit <n>', 'list at most n (default: all)').argParser((given: string) => {
        const number = /^\d+$/.test(given) ? Number(given) : Number.NaN;
        if (!(number >= pages.minimum)) {
          throw new InvalidArgumentError(`--limit must be a whole number of at least ${pages.minimum}.`);
        }
        return number;
      }),
    );
  }
  const takesBody = route.operation.requestBody !== undefined;

  command.action(async (...given: unknown[]) => {
    const options = command.opts() as Record<string, unknown>;
    const request = {
      params: {} as Record<string, string>,
      query: {} as Record<string, unknown>,
      body: {} as Record<string, unknown>,
    };
    values.forEach(({ spec, attribute }, index) => {
      const raw = attribute === undefined ? given[index] : options[attribute];
      if (raw === undefined) {
        return;
      }
      if (spec.where === 'path') {
        // The request check decodes the path's parameters, as they arrive over HTTP.
        request.params[spec.name] = encodeURIComponent(String(raw));
      } else {
        request[spec.where === 'query' ? 'query' : 'body'][spec.name] = typed(raw, spec);
      }
    });
    const usageError = (error: unknown): never => {
      if (error instanceof ProblemError && error.type === 'urn:apikeys:problem:invalid-request') {
        command.error(`error: ${usageProblem(error, values)}`, { exitCode: 2 });
      }
      throw error;
    };
    let checked: ValidatedRequest;
    try {
      checked = parts.contract.checkRequest({
        match: { route, expressPath: route.path, rawParams: request.params },
        query: request.query,
        // As HTTP would carry it: a body of this length (the check takes none at all as `{}`).
        headers: takesBody
          ? { 'content-type': 'application/json', 'content-length': String(JSON.stringify(request.body).length) }
          : {},
        body: takesBody ? request.body : undefined,
      });
    } catch (error) {
      return usageError(error);
    }
    const caller = parts.callerOf(words);
    const answer = await parts
      .withHandlers(async (handlers) => {
        const handler = handlers[operationId as keyof OperationHandlers] as unknown as AnyHandler;
        const call = (query: Record<string, unknown>) => handler({ ...checked, query, ...caller });
        if (!pages) {
          return (await call(checked.query)).body;
        }
        const wanted = (options.limit as number | undefined) ?? Number.POSITIVE_INFINITY;
        const data: unknown[] = [];
        let cursor: string | undefined;
        do {
          const limit = Math.min(pages.pageSize, wanted - data.length);
          const { body } = await call({ ...checked.query, limit, ...(cursor === undefined ? {} : { cursor }) });
          const page = body as { data: unknown[]; next_cursor: string | null };
          data.push(...page.data);
          cursor = page.next_cursor ?? undefined;
        } while (cursor !== undefined && data.length < wanted);
        return { data, next_cursor: null };
      })
      .catch(usageError);
    const listed = (answer as { data?: unknown }).data;
    const json = declared.json?.(answer) ?? (Array.isArray(listed) ? listed : answer);
    console.log(options.json ? JSON.stringify(json, null, 2) : declared.text(answer, checked));
  });
}

/** The `apikeys` program: a group per noun, a command per operation that declares one. */
export function apikeysProgram(parts: ProgramParts): Command {
  const { wantsJson } = parts;
  // Subcommands made with .command() inherit the output and exit settings made here, before them.
  const program = new Command('apikeys')
    .description('Manage the API auth apps, API keys and service tokens in the database the server uses.')
    .version(parts.version)
    .configureOutput({
      outputError: (text, write) =>
        write(wantsJson ? `${JSON.stringify({ error: text.replace(/^error: /, '').trim() })}\n` : text),
    })
    .showHelpAfterError(wantsJson ? false : '(add --help for usage)')
    // Groups and their commands in alphabetical order, whatever the contract's order.
    .configureHelp({ sortSubcommands: true })
    // Usage errors end in a CommanderError (exit 2 in cli.ts) instead of Commander's process.exit(1).
    .exitOverride()
    .addHelpText(
      'after',
      `
Environment, as for the server:
  DATABASE_URL    sqlite:<path> or postgres://…; a relative sqlite: path is taken from the current folder (default sqlite:data/apikeys.db)
  APIKEYS_PEPPER  the server's pepper, with which \`keys rotate\` and \`tokens add\` hash the new secret or token: without the same one, the server cannot verify it

Exit status: 0 done, 1 failed (such as an unknown app, key or token, or a token name taken), 2 usage error.`,
    );
  const groups = new Map<string, Command>();
  for (const route of parts.contract.routes) {
    const declared = parts.commands[route.operationId as keyof OperationCommands] as AnyCommand | undefined;
    if (!declared) {
      continue;
    }
    const [noun] = declared.words;
    let group = groups.get(noun);
    if (!group) {
      const description = GROUPS[noun];
      if (!description) {
        throw new Error(`The command group ${noun} has no description in cli/program.ts`);
      }
      group = program.command(noun);
      groups.set(noun, group);
    }
    addCommand(group, route.operationId, declared, parts);
  }
  for (const [noun, group] of groups) {
    const verbs = group.commands.map((command) => command.name()).sort();
    group.description(`${GROUPS[noun]}: ${verbs.join(', ')}`);
  }
  return program;
}
