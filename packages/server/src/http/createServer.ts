import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { bundledContractFile, contractFile, contractLimits, loadContract } from '../contract.js';
import type { WindowLimit } from '../keys/fixedWindow.js';
import { KeyUsageRecorder } from '../keys/keyUsageRecorder.js';
import { declaredScopes } from '../keys/scopes.js';
import { createJsonLogger, type Logger } from '../logger.js';
import { createMetrics } from '../observability/metrics.js';
import { countingOutcomes } from '../observability/operationMetrics.js';
import { timedStore } from '../observability/timedStore.js';
import type { OperationHandlers } from '../operations/operationHandler.js';
import { operationHandlers } from '../operations/operationHandlers.js';
import { DEFAULT_GITHUB_KEYS_URL } from '../secretScanning/githubPublicKeys.js';
import { githubSecretScanning } from '../secretScanning/githubSecretScanning.js';
import type { KeyStore } from '../store/keyStore.js';
import { sharedRateLimiter } from '../store/postgresRateLimiter.js';
import { ServiceTokenRegistry } from '../store/serviceTokenRegistry.js';
import {
  DEFAULT_VERIFICATION_CACHE,
  type VerificationCacheOptions,
  withVerificationCache,
} from '../store/verificationCache.js';
import { IdempotencyGuard } from './idempotency.js';
import { bearerAuth } from './middleware/bearerAuth.js';
import { cors } from './middleware/cors.js';
import { inSequence } from './middleware/inSequence.js';
import { jsonBody } from './middleware/jsonBody.js';
import { metricsEndpoint } from './middleware/metricsEndpoint.js';
import { DEFAULT_RATE_LIMIT, type RateLimitConfig, rateLimit } from './middleware/rateLimit.js';
import { requestOutcome } from './middleware/requestOutcome.js';
import { requestValidation } from './middleware/requestValidation.js';
import { contractOperationOf, type OperationMatch, operationDispatcher } from './operationDispatcher.js';
import { ProblemError, problemHandler } from './problem.js';
import { responseCheck } from './responseValidation.js';

export interface ServerOptions {
  store: KeyStore;
  /** Accepted bearer tokens. There are no default credentials: an empty list accepts nobody. */
  tokens: readonly string[];
  /** Key for HMAC-SHA-256 of stored secrets; plain SHA-256 without one. */
  pepper?: string | undefined;
  now?: () => Date;
  logger?: Logger;
  rateLimit?: RateLimitConfig;
  /** Origins whose pages may call the API (CORS); `*` for any. None by default. */
  corsOrigins?: readonly string[];
  /** Failed authentications allowed per client address and window (20 a minute by default). */
  authFailureLimit?: WindowLimit;
  /** Check every response against the contract and answer 500 instead of breaking it. On in tests and development. */
  validateResponses?: boolean;
  /** The bundled contract to enforce; the generated @apikeys/types/openapi.json by default. */
  contract?: string;
  /** The built API reference, served at /docs when given. */
  docsFile?: string | undefined;
  /** Writes verified keys' last_used_at; made here when not given. Flush it on shutdown. */
  keyUsage?: KeyUsageRecorder;
  /** The TTL and memory bound of the verification cache (store/verificationCache.ts). */
  verificationCache?: Omit<VerificationCacheOptions, 'now'>;
  /** Where GitHub publishes its secret-scanning public keys (APIKEYS_GITHUB_KEYS_URL); GitHub's own URL by default. */
  githubKeysUrl?: string;
  /** The bearer token GET /metrics requires (APIKEYS_METRICS_TOKEN); without one /metrics is open. */
  metricsToken?: string | undefined;
  /** The operations' handlers; built on `store` when not given. */
  handlers?: OperationHandlers;
}

const API_PREFIX = '/api-auth';

/**
 * Builds the Express app. Resolves once the contract is loaded and the validator compiled, so
 * a broken contract fails here, at start-up, and the first request is not the slow one.
 */
export async function createServer(options: ServerOptions): Promise<Express> {
  const { tokens, pepper } = options;
  const now = options.now ?? (() => new Date());
  // Every server has its own metrics registry; the store is timed below the verification cache, at the database.
  const metrics = createMetrics();
  const { store } = await withVerificationCache(timedStore(options.store, metrics.storeDuration), {
    ...(options.verificationCache ?? DEFAULT_VERIFICATION_CACHE),
    now: () => now().getTime(),
  });
  const logger = options.logger ?? createJsonLogger();
  const contractPath = options.contract ?? contractFile;
  const contract = loadContract(contractPath);

  // Requests and (in development and tests) answers are checked by validators Ajv compiles from
  // the contract (requestValidation.ts, responseValidation.ts). express-openapi-validator only
  // checks the contract document itself, once, here: on the request path it cost more than the
  // rest of a request (a route pattern compiled per route per request, a promise per step).
  await checkContractDocument(contractPath);
  const checkResponse = options.validateResponses ? responseCheck(contract) : undefined;
  const limits = contractLimits(contract);
  const rateLimitConfig = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const handlers = countingOutcomes(
    options.handlers ??
      operationHandlers({
        store,
        now,
        pepper,
        limits,
        cursorSecret: await store.serverSecret('page-cursor'),
        keyUsage:
          options.keyUsage ??
          new KeyUsageRecorder({
            store,
            now,
            onError: (error) => logger.error('recording key use failed', { error: String(error) }),
          }),
      }),
    metrics,
  );

  const app = express();
  // Express matches paths case-insensitively by default, while the validator's ignore rule and the
  // contract do not: `/API-AUTH/…` must not reach a handler around the validator.
  app.set('case sensitive routing', true);
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestOutcome({ logger, metrics, operationOf: contractOperationOf(contract) }));
  // The API's whole way, in one layer and before the server's other routes, which API paths never
  // match: CORS, the token and its scopes, the rate limit (all before the body is read), the
  // body, the contract, the operation's handler.
  const api = inSequence([
    cors(options.corsOrigins ?? []),
    bearerAuth({
      tokens,
      allScopes: declaredScopes(contract),
      serviceTokens: await ServiceTokenRegistry.open(store, (error) =>
        logger.error('reading the service tokens failed', { error: String(error) }),
      ),
      pepper,
      requiredScopes: (_req, res) => (res.locals.operation as OperationMatch | undefined)?.route.scopes,
      failureLimit: options.authFailureLimit,
      now,
    }),
    rateLimit(rateLimitConfig, now, sharedRateLimiter(options.store, rateLimitConfig, pepper)),
    ...jsonBody(limits.bodyBytes),
    requestValidation(contract, API_PREFIX),
    operationDispatcher(contract, handlers, new IdempotencyGuard({ store, now, pepper, logger }), checkResponse),
  ]);
  // Case-sensitive, as the contract's paths (and Express's routes here) are.
  app.use((req, res, next) =>
    req.path === API_PREFIX || req.path.startsWith(`${API_PREFIX}/`) ? api(req, res, next) : next(),
  );
  app.get('/metrics', metricsEndpoint(metrics.registry, options.metricsToken));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ready', store: store.kind });
    } catch {
      res.status(503).json({ status: 'unavailable', store: store.kind });
    }
  });
  app.get('/openapi.json', (_req, res) => {
    res.sendFile(contractPath);
  });
  app.get('/openapi.bundled.json', (_req, res) => {
    res.sendFile(bundledContractFile);
  });
  if (options.docsFile) {
    const docsFile = options.docsFile;
    app.get(['/docs', '/docs/'], (_req, res) => {
      res.sendFile(docsFile);
    });
  }

  // Before the API's body parser: it reads the raw body its signature covers. Not under /api-auth: no bearer token.
  app.use(
    githubSecretScanning({
      store,
      pepper,
      now,
      logger,
      keysUrl: options.githubKeysUrl ?? DEFAULT_GITHUB_KEYS_URL,
    }),
  );
  // Anything else with a body is read as the API's would be, then answered 404.
  app.use(jsonBody(limits.bodyBytes));
  app.use((_req, _res, next) => next(new ProblemError('not-found', 'No such resource.')));
  app.use(problemHandler(logger, checkResponse));
  return app;
}

/**
 * Fails unless the contract is a valid OpenAPI document, as express-openapi-validator judges it.
 * It loads the document on its first request: send it one, through a private app.
 */
async function checkContractDocument(contractPath: string): Promise<void> {
  const loader = express();
  loader.use(
    OpenApiValidator.middleware({
      apiSpec: contractPath,
      validateApiSpec: true,
      validateRequests: false,
      validateResponses: false,
      validateSecurity: false,
    }),
  );
  let failure: unknown;
  loader.use(((error, _req, res, _next) => {
    // A 404 for the path asked for says the document loaded; a 500 says it did not.
    if (!(typeof error?.status === 'number' && error.status < 500)) {
      failure = error;
    }
    res.status(204).end();
  }) as express.ErrorRequestHandler);
  loader.use((_req, res) => {
    res.status(204).end();
  });
  const server = loader.listen(0, '127.0.0.1');
  try {
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await fetch(`http://127.0.0.1:${port}/`);
  } finally {
    server.close();
  }
  if (failure) {
    throw new Error(`The contract could not be loaded: ${String((failure as Error).message ?? failure)}`, {
      cause: failure,
    });
  }
}
