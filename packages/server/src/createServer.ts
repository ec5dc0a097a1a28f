import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express, { type Express, type RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { bearerAuth } from './auth.js';
import { contractFile, contractLimits, loadContract } from './contract.js';
import { createJsonLogger, type Logger } from './logger.js';
import { ProblemError, problemHandler } from './problem.js';
import { DEFAULT_RATE_LIMIT, rateLimit, type RateLimitConfig } from './rateLimit.js';
import { requestLog } from './requestLog.js';
import { createApiKey } from './routes/createApiKey.js';
import type { KeyStore } from './store/keyStore.js';

export interface ServerOptions {
  store: KeyStore;
  /** Accepted bearer tokens. There are no default credentials: an empty list accepts nobody. */
  tokens: readonly string[];
  /** Key for HMAC-SHA-256 of stored secrets; plain SHA-256 without one. */
  pepper?: string | undefined;
  now?: () => Date;
  logger?: Logger;
  rateLimit?: RateLimitConfig;
  /** Check every response against the contract and answer 500 instead of breaking it. On in tests and development. */
  validateResponses?: boolean;
  /** The bundled contract to enforce; the generated @apikeys/types/openapi.json by default. */
  contract?: string;
  /** The built API reference, served at /docs when given. */
  docsFile?: string | undefined;
}

const BODY_LIMIT = '16kb';
const API_PREFIX = '/api-auth';

/**
 * Builds the Express app. Resolves once the contract is loaded and the validator compiled, so
 * a broken contract fails here, at start-up, and the first request is not the slow one.
 */
export async function createServer(options: ServerOptions): Promise<Express> {
  const { store, tokens, pepper } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? createJsonLogger();
  const contractPath = options.contract ?? contractFile;

  const validator = OpenApiValidator.middleware({
    apiSpec: contractPath,
    validateApiSpec: true,
    validateRequests: { allErrors: true, allowUnknownQueryParameters: false, coerceTypes: false },
    validateResponses: options.validateResponses ? { allErrors: true } : false,
    validateSecurity: false,
    validateFormats: true,
    ignorePaths: (path: string) => !path.startsWith(`${API_PREFIX}/`),
  });
  await compile(validator);
  const limits = contractLimits(loadContract(contractPath));

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLog(logger));

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
  if (options.docsFile) {
    const docsFile = options.docsFile;
    app.get(['/docs', '/docs/'], (_req, res) => {
      res.sendFile(docsFile);
    });
  }

  app.use(API_PREFIX, bearerAuth(tokens), rateLimit(options.rateLimit ?? DEFAULT_RATE_LIMIT, now));
  app.use(express.json({ limit: BODY_LIMIT, strict: true }));
  app.use(validator);
  app.post('/api-auth/apps/:appName/keys', createApiKey({ store, now, pepper, maxMetadataBytes: limits.maxMetadataBytes }));

  app.use((_req, _res, next) => next(new ProblemError(404, 'No such resource.')));
  app.use(problemHandler(logger));
  return app;
}

/**
 * express-openapi-validator loads the contract and compiles its schemas on the first request.
 * Send that first request here, through a private app that shares the same middleware (and so
 * its compiled caches), and fail if the contract does not load.
 */
async function compile(validator: RequestHandler[]): Promise<void> {
  const warmup = express();
  warmup.use(express.json());
  warmup.use(validator);
  let failure: unknown;
  warmup.use(((error, _req, res, _next) => {
    if (!(typeof error?.status === 'number' && error.status < 500)) failure = error;
    res.status(204).end();
  }) as express.ErrorRequestHandler);
  warmup.use((_req, res) => {
    res.status(204).end();
  });
  const server = warmup.listen(0, '127.0.0.1');
  try {
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    // An empty body is refused by the request schema, which compiles it on the way.
    await fetch(`http://127.0.0.1:${port}/api-auth/apps/warm-up/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
  } finally {
    server.close();
  }
  if (failure) throw new Error(`The contract could not be loaded: ${String((failure as Error).message ?? failure)}`, { cause: failure });
}

