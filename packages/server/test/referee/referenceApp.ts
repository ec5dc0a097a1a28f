import express from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { listen, type RunningServer } from '../../src/http/serve.js';

/** What the reference app answers for a refused request: the eov error's status and its `errors[].path`. */
export interface ReferenceRefusal {
  status: number;
  paths: string[];
  messages: string[];
}

/**
 * The referee: stock Express 5 with express-openapi-validator checking requests against the
 * bundled contract, as the design names it. It checks no security (the server does that before
 * it validates), answers 204 to a request that passed, and the validator's status and
 * `errors[].path` to one that did not. A body `express.json()` in front of it could not read
 * (malformed JSON, too large) has no `errors`: it is reported as an error about the whole body,
 * `/body`, with the parser's status.
 */
export async function startReferenceApp(contractFile: string): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json());
  app.use(
    OpenApiValidator.middleware({
      apiSpec: contractFile,
      validateApiSpec: true,
      validateRequests: true,
      validateResponses: false,
      validateSecurity: false,
    }),
  );
  app.use((_req, res) => {
    res.status(204).end();
  });
  app.use(((error, _req, res, _next) => {
    const status = typeof error?.status === 'number' ? error.status : 500;
    const errors: { path?: unknown; message?: unknown }[] = Array.isArray(error?.errors)
      ? error.errors
      : typeof error?.type === 'string' && error.type.startsWith('entity.')
        ? [{ path: '/body', message: String(error.message) }]
        : [];
    res.status(status).json({
      status,
      paths: errors.map((each) => String(each.path)),
      messages: errors.map((each) => String(each.message)),
    } satisfies ReferenceRefusal);
  }) as express.ErrorRequestHandler);
  // The validator compiles the contract on its first request: pay that here, not in the first case.
  const running = await listen(app, 0);
  await fetch(`${running.url}/`);
  return running;
}
