import type { operations, webhooks } from '@apikeys/types';
import type { ContractLimits, ContractPatterns } from '../contract/document.js';
import type { KeyUsageRecorder } from '../keys/keyUsageRecorder.js';
import type { AuditContext, Principal } from '../keys/types.js';
import type { AllowedNetworks, Resolve } from '../keys/webhookDestination.js';
import type { KeyStore } from '../store/keyStore.js';

// The contract, as types every handler must fill: what an operation receives is its generated
// path, query and body types; what it may answer is one of its generated success responses.

type JsonBody<Part> = Part extends { content: { 'application/json': infer Body } } ? Body : undefined;
type Parameters<Op, Where extends string> = Op extends { parameters: { [W in Where]?: infer P } }
  ? Exclude<P, undefined>
  : never;

type BodyOf<Op> = Op extends { requestBody?: infer Body }
  ? [Exclude<Body, undefined>] extends [never]
    ? undefined
    : JsonBody<Exclude<Body, undefined>>
  : undefined;

export interface OperationRequest<Op> {
  params: Parameters<Op, 'path'>;
  query: Parameters<Op, 'query'>;
  /** An optional body (`required: false`) left out arrives as `{}`: the handler always has one. */
  body: BodyOf<Op>;
  /** Who asks, through which operation or command, under which request id: what a change's audit event records. */
  audit: AuditContext;
  /** The calling token's name and the scopes it holds (the `apikeys` command holds every scope). */
  principal: Principal;
}

type SuccessStatus = 200 | 201;

/** One of the operation's declared 2xx answers: its status, its body and any headers. */
export type OperationResponse<Op> = Op extends { responses: infer Responses }
  ? {
      [Status in keyof Responses & SuccessStatus]: {
        status: Status;
        body: JsonBody<Responses[Status]>;
        headers?: Record<string, string>;
      };
    }[keyof Responses & SuccessStatus]
  : never;

/** Refusals are thrown as ProblemError (contract/problems.ts); the errors stage answers them. */
export type OperationHandler<Op> = (request: OperationRequest<Op>) => Promise<OperationResponse<Op>>;

/** The operations of the contract's webhooks: what the server sends, not what it answers. */
type WebhookOperation = webhooks[keyof webhooks]['post'];

/** The operations the server answers: those of the contract's paths. */
export type PathOperations = {
  [Id in keyof operations as operations[Id] extends WebhookOperation ? never : Id]: operations[Id];
};

/** Every operation of the contract's paths, each with its handler: an operation without one does not compile. */
export type OperationHandlers<Ops = PathOperations> = {
  [OperationId in keyof Ops]: OperationHandler<Ops[OperationId]>;
};

/** What the handlers are built from; explicit, so that tests build real servers without globals. */
export interface OperationDeps {
  store: KeyStore;
  now: () => Date;
  pepper?: string | undefined;
  /** The contract's limits beyond JSON Schema (`x-max-…` on Metadata). */
  limits: ContractLimits;
  /** The contract's patterns, for rules beyond the request check (a list filter). */
  patterns: ContractPatterns;
  /** Signs page cursors (listApiKeys). */
  cursorSecret: Buffer;
  keyUsage: KeyUsageRecorder;
  /** Seals webhook endpoints' secrets (keys/webhookSecret.ts). */
  webhookSecretKey: Buffer;
  /** Where webhooks may go besides public https URLs (APIKEYS_WEBHOOK_ALLOWED_NETWORKS), and how names resolve. */
  webhookDestinations: { allowed: AllowedNetworks; resolve?: Resolve | undefined };
}
