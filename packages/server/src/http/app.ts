import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import express, { type RequestHandler } from 'express';
import type { Contract } from '../contract/contract.js';
import { ProblemError } from '../contract/problems.js';
import type { WindowCounter, WindowLimit } from '../keys/fixedWindow.js';
import type { Logger } from '../logger.js';
import type { ServerMetrics } from '../observability/metrics.js';
import type { OperationHandlers } from '../operations/operationHandler.js';
import { clientErrorAnswer } from './clientError.js';
import type { IdempotencyGuard } from './idempotency.js';
import { inSequence } from './inSequence.js';
import { metricsEndpoint } from './metricsEndpoint.js';
import type { ServedApp } from './serve.js';
import { accessLog } from './stages/accessLog.js';
import { answer } from './stages/answer.js';
import { bearerAuth, type ServiceTokenLookup } from './stages/auth.js';
import { jsonBody } from './stages/body.js';
import { cors } from './stages/cors.js';
import { dispatch } from './stages/dispatch.js';
import { errors } from './stages/errors.js';
import { answerOptions, match, routeExists } from './stages/match.js';
import { type RateLimitConfig, rateLimit } from './stages/rateLimit.js';
import { requestId } from './stages/requestId.js';
import { compressText, pagePolicy, securityHeaders } from './stages/securityHeaders.js';
import { validate } from './stages/validate.js';

/** What the HTTP layer is given, built by the composition root (compose.ts). */
export interface ApiParts {
  contract: Contract;
  handlers: OperationHandlers;
  idempotency: IdempotencyGuard;
  /** The database's live service tokens. */
  serviceTokens: ServiceTokenLookup;
  /** Where the rate limit counts when the instances share it (PostgreSQL); this process's memory otherwise. */
  sharedRateLimit?: WindowCounter | undefined;
  /** What /readyz asks. */
  health: { readonly kind: string; ping(): Promise<void> };
  metrics: ServerMetrics;
  logger: Logger;
  /** GitHub's secret-scanning endpoint, outside the API (signed by GitHub, no bearer token). */
  secretScanning: RequestHandler;
}

/** What Express's `trust proxy` takes: false (the socket's address is the client), a hop count, or addresses. */
export type TrustProxy = false | number | readonly string[];

export interface HttpOptions {
  /** Accepted bearer tokens. There are no default credentials: an empty list accepts nobody. */
  tokens: readonly string[];
  /** Key for HMAC-SHA-256 of stored secrets; plain SHA-256 without one. */
  pepper?: string | undefined;
  now: () => Date;
  rateLimit: RateLimitConfig;
  /** Origins whose pages may call the API (CORS); `*` for any. None by default. */
  corsOrigins?: readonly string[] | undefined;
  /** Failed authentications allowed per client address and window (20 a minute by default). */
  authFailureLimit?: WindowLimit | undefined;
  /** Check every response against the contract and answer 500 instead of breaking it. On in tests and development. */
  validateResponses?: boolean | undefined;
  /** The built API reference, served at /docs when given. */
  docsFile?: string | undefined;
  /** The bearer token GET /metrics requires (APIKEYS_METRICS_TOKEN); without one /metrics is open. */
  metricsToken?: string | undefined;
  /** Which proxies' X-Forwarded-For to believe (APIKEYS_TRUST_PROXY), so that per-address limits count the real client. */
  trustProxy?: TrustProxy | undefined;
}

const API_PREFIX = '/api-auth';

/**
 * The Express app: the API's request stages in the order a request meets them, then the
 * server's other routes. Express only: what it serves is built elsewhere and handed in.
 */
/**
 * A file built before the server started (the docs, the contract), with an ETag of its content:
 * browsers revalidate it on each view (max-age 0) and get a 304 while it is unchanged. Express's
 * own ETags are off for the API's answers, whose bodies are not worth hashing.
 */
function builtFile(file: string, content: Buffer = readFileSync(file)): RequestHandler {
  const etag = `"${createHash('sha256').update(content).digest('base64url').slice(0, 27)}"`;
  return (_req, res) => {
    // send() reads the ETag set here to answer a matching If-None-Match with 304.
    res.set('ETag', etag).sendFile(file);
  };
}

/** A key, in the docs' colours. */
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="5" cy="8" r="3.5" fill="none" stroke="#32329f" stroke-width="2"/><path d="M8.5 8H15M12.5 8v3M14.5 8v2" stroke="#32329f" stroke-width="2"/></svg>';

export function createHttpApp(parts: ApiParts, options: HttpOptions): ServedApp {
  const { contract, logger, metrics } = parts;
  const { now } = options;
  const checkResponse = options.validateResponses ? contract.checkResponse : undefined;

  const app: ServedApp = express();
  // Off unless configured: then X-Forwarded-For is anyone's to write, and req.ip is the socket's address.
  app.set(
    'trust proxy',
    typeof options.trustProxy === 'object' ? [...options.trustProxy] : (options.trustProxy ?? false),
  );
  app.answerClientError = clientErrorAnswer(contract.problems);
  // Express matches paths case-insensitively by default, while the contract does not: `/API-AUTH/…`
  // must not reach a handler.
  app.set('case sensitive routing', true);
  app.disable('x-powered-by');
  app.set('etag', false);
  // One Express layer for what every request meets first; the security headers and compression
  // wrap every answer, the API's problems included.
  app.use(
    inSequence([requestId(), accessLog({ logger, metrics }), securityHeaders(), compressText(), match(contract)]),
  );
  // The API's whole way, in one layer and before the server's other routes, which API paths never
  // match: CORS (and OPTIONS), the token and its scopes, the rate limit, the route (all before the body is
  // read), the body, the contract, the operation's handler, its answer.
  const api = inSequence([
    cors(options.corsOrigins ?? []),
    answerOptions(contract),
    bearerAuth({
      tokens: options.tokens,
      allScopes: contract.scopes,
      serviceTokens: parts.serviceTokens,
      pepper: options.pepper,
      failureLimit: options.authFailureLimit,
      now,
    }),
    rateLimit(options.rateLimit, now, parts.sharedRateLimit),
    routeExists(contract),
    ...jsonBody(contract.limits.bodyBytes),
    validate(contract),
    dispatch(contract.routes, parts.handlers, parts.idempotency),
    answer(checkResponse),
  ]);
  // Case-sensitive, as the contract's paths (and Express's routes here) are.
  app.use((req, res, next) =>
    req.path === API_PREFIX || req.path.startsWith(`${API_PREFIX}/`) ? api(req, res, next) : next(),
  );
  app.get('/metrics', metricsEndpoint(metrics.registry, options.metricsToken));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const { health } = parts;
  app.get('/readyz', async (_req, res) => {
    try {
      await health.ping();
      res.json({ status: 'ready', store: health.kind });
    } catch {
      res.status(503).json({ status: 'unavailable', store: health.kind });
    }
  });
  app.get('/openapi.json', builtFile(contract.files.dereferenced));
  app.get('/openapi.bundled.json', builtFile(contract.files.bundled));
  if (options.docsFile) {
    const docsFile = options.docsFile;
    // Read once: its scripts' hashes and its ETag come from the same bytes.
    const page = readFileSync(docsFile);
    app.get(['/docs', '/docs/'], pagePolicy(page.toString('utf8')), builtFile(docsFile, page));
  }
  // Every browser asks the origin of a page it shows for /favicon.ico: answered, so that reading
  // the docs logs no 404 each time.
  app.get('/favicon.ico', (_req, res) => {
    res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400').send(FAVICON);
  });

  // Before the API's body parser: it reads the raw body its signature covers.
  app.use(parts.secretScanning);
  // Anything else is 404, its body unread (the errors stage closes the connection after an upload).
  app.use((_req, _res, next) => next(new ProblemError('not-found', 'No such resource.')));
  app.use(errors(contract.problems, logger, checkResponse));
  return app;
}
