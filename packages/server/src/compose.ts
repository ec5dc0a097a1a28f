import type { Contract } from './contract/contract.js';
import { loadContract } from './contract/contract.js';
import { type ApiParts, createHttpApp, type HttpOptions } from './http/app.js';
import { IdempotencyGuard } from './http/idempotency.js';
import type { ServedApp } from './http/serve.js';
import { DEFAULT_RATE_LIMIT, type RateLimitConfig } from './http/stages/rateLimit.js';
import { KeyUsageRecorder } from './keys/keyUsageRecorder.js';
import { type AllowedNetworks, parseAllowedNetworks, type Resolve } from './keys/webhookDestination.js';
import { webhookSecretKey } from './keys/webhookSecret.js';
import { createJsonLogger, type Logger } from './logger.js';
import { createMetrics } from './observability/metrics.js';
import { countingOutcomes } from './observability/operationMetrics.js';
import { timedStore } from './observability/timedStore.js';
import { operationHandlers } from './operations/generated/handlerMap.js';
import type { OperationDeps, OperationHandlers } from './operations/operationHandler.js';
import { DEFAULT_GITHUB_KEYS_URL } from './secretScanning/githubPublicKeys.js';
import { githubSecretScanning } from './secretScanning/githubSecretScanning.js';
import type { KeyStore } from './store/keyStore.js';
import { ServiceTokenRegistry } from './store/serviceTokenRegistry.js';
import {
  DEFAULT_VERIFICATION_CACHE,
  type VerificationCacheOptions,
  withVerificationCache,
} from './store/verificationCache.js';
import { type DeliveryWorker, type RetrySchedule, startDeliveryWorker } from './webhooks/deliveryWorker.js';

// The one composition root: the contract, config and store in, the service out. main.ts, the CLI
// and the tests build through here, so each piece is wired in one place.

/** The operations' handlers on a store: what the API runs, and the CLI without HTTP. */
export function composeHandlers(deps: Omit<OperationDeps, 'limits' | 'patterns'> & { contract: Contract }) {
  const { contract, ...rest } = deps;
  return operationHandlers({ ...rest, limits: contract.limits, patterns: contract.patterns });
}

export interface ServiceOptions extends Omit<HttpOptions, 'now' | 'rateLimit'> {
  /** Requests per token and window (600 a minute by default). */
  rateLimit?: RateLimitConfig;
  contract: Contract;
  store: KeyStore;
  now?: () => Date;
  logger?: Logger;
  /** Writes verified keys' last_used_at; made here when not given. Flush it on shutdown. */
  keyUsage?: KeyUsageRecorder;
  /** The TTL and memory bound of the verification cache (store/verificationCache.ts). */
  verificationCache?: Omit<VerificationCacheOptions, 'now'>;
  /** Where GitHub publishes its secret-scanning public keys (APIKEYS_GITHUB_KEYS_URL); GitHub's own URL by default. */
  githubKeysUrl?: string;
  /** The operations' handlers; built on `store` when not given (the referee test gives stubs). */
  handlers?: OperationHandlers;
  /**
   * Webhooks: where they may go besides public https URLs (APIKEYS_WEBHOOK_ALLOWED_NETWORKS), how
   * names resolve, and whether this instance sends them (main.ts does; a test server only when
   * it asks), how often, and on what retry schedule.
   */
  webhooks?: {
    allowedNetworks?: AllowedNetworks;
    resolve?: Resolve;
    deliver?: boolean;
    pollMs?: number;
    /** How long a receiver has to answer (10 s by default). */
    timeoutMs?: number;
    retry?: RetrySchedule;
  };
}

/** The server as one value: its Express app, and what main.ts flushes and stops on the way out. */
export interface Service {
  app: ServedApp;
  keyUsage: KeyUsageRecorder;
  /** Sends the webhooks, when this instance does (`webhooks.deliver`). */
  webhookDeliveries: DeliveryWorker | undefined;
}

export async function composeService(options: ServiceOptions): Promise<Service> {
  const { contract, pepper } = options;
  const now = options.now ?? (() => new Date());
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const logger = options.logger ?? createJsonLogger();
  // Every server has its own metrics registry; the store is timed below the verification cache, at the database.
  const metrics = createMetrics(contract.counters);
  const { store } = await withVerificationCache(timedStore(options.store, metrics.storeDuration), {
    ...(options.verificationCache ?? DEFAULT_VERIFICATION_CACHE),
    now: () => now().getTime(),
  });
  const keyUsage =
    options.keyUsage ??
    new KeyUsageRecorder({
      store,
      now,
      onError: (error) => logger.error('recording key use failed', { error: String(error) }),
    });
  // Endpoint secrets are sealed under the pepper when there is one, else under a secret of the database's.
  const webhookKey = webhookSecretKey(pepper ?? (await store.serverSecret('webhook-secrets')));
  const webhookDestinations = {
    allowed: options.webhooks?.allowedNetworks ?? parseAllowedNetworks(undefined),
    resolve: options.webhooks?.resolve,
  };
  const handlers =
    options.handlers ??
    composeHandlers({
      contract,
      store,
      now,
      pepper,
      keyUsage,
      cursorSecret: await store.serverSecret('page-cursor'),
      webhookSecretKey: webhookKey,
      webhookDestinations,
    });
  const parts: ApiParts = {
    contract,
    handlers: countingOutcomes(handlers, contract.counters, metrics),
    idempotency: new IdempotencyGuard({ store, now, pepper, logger, problems: contract.problems }),
    serviceTokens: await ServiceTokenRegistry.open(store, (error) =>
      logger.error('reading the service tokens failed', { error: String(error) }),
    ),
    // The store itself, not its timed wrapper: the counter it makes answers synchronously from its lease.
    // Shared in the database when the store has one (PostgreSQL); none otherwise, so the stage
    // counts in memory (SQLite: in practice one server process per database file).
    sharedRateLimit: options.store.sharedWindowCounter?.(rateLimit, pepper),
    health: store,
    metrics,
    logger,
    secretScanning: githubSecretScanning({
      store,
      pepper,
      now,
      logger,
      keysUrl: options.githubKeysUrl ?? DEFAULT_GITHUB_KEYS_URL,
    }),
  };
  const webhookDeliveries = options.webhooks?.deliver
    ? startDeliveryWorker({
        store,
        secretKey: webhookKey,
        ...webhookDestinations,
        now,
        logger,
        retry: options.webhooks.retry,
        pollMs: options.webhooks.pollMs,
        timeoutMs: options.webhooks.timeoutMs,
      })
    : undefined;
  return { app: createHttpApp(parts, { ...options, now, rateLimit }), keyUsage, webhookDeliveries };
}

export interface ServerOptions extends Omit<ServiceOptions, 'contract'> {
  /** The bundled contract file to enforce; the generated @apikeys/types/openapi.json by default. */
  contract?: string;
}

/** The server's Express app on a store, its contract loaded (and checked) from `contract`. */
export async function createServer(options: ServerOptions): Promise<ServedApp> {
  const contract = await loadContract(options.contract);
  return (await composeService({ ...options, contract })).app;
}
