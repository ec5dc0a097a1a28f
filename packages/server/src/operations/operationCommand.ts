import type { operations } from '@apikeys/types';
import type { OperationRequest, OperationResponse } from './operationHandler.js';

// How the `apikeys` command offers an operation: which words run it, which request field each
// argument and option fills, and how its answer reads as text. Everything else (required or not,
// defaults, choices, the checks, paging, --json) follows from the contract (cli/program.ts).

type Fields<T> = [T] extends [never] ? never : T extends object ? keyof T & string : never;

/** The request field a value fills: `path.appName`, `query.status`, `body.grace_period_seconds`. */
export type RequestField<Op> =
  | `path.${Fields<OperationRequest<Op>['params']>}`
  | `query.${Fields<OperationRequest<Op>['query']>}`
  | `body.${Fields<OperationRequest<Op>['body']>}`;

export interface CommandValue<Op> {
  /** `app` for the argument `<app>`; `--grace-period-seconds <n>` for an option. */
  name: string;
  field: RequestField<Op>;
  help: string;
}

/**
 * What the command prints. For an operation that pages (`cursor` in, `next_cursor` out), the
 * command follows every page, and `data` holds them all.
 */
export type CommandAnswer<Op> = OperationResponse<Op>['body'];

export interface OperationCommand<Op> {
  /** `apikeys <group> <verb>`. */
  words: readonly [group: string, verb: string];
  description: string;
  /** Positional arguments, in order. */
  arguments?: readonly CommandValue<Op>[];
  options?: readonly CommandValue<Op>[];
  text(answer: CommandAnswer<Op>, request: OperationRequest<Op>): string;
  /** What --json prints: the answer as the API gives it (a listing's `data`) unless given. */
  json?(answer: CommandAnswer<Op>): unknown;
}

/** The operations the command offers, each with its command (operations/<operationId>/command.ts). */
export type OperationCommands<Ops = operations> = { [Id in keyof Ops]?: OperationCommand<Ops[Id]> };
