import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RequestHandler } from 'express';

// express-openapi-validator loads its document lazily: `middleware()` only starts a promise that
// reads the file (json-schema-ref-parser), validates it against the OpenAPI schema, works out the
// routes and preprocesses the schemas, and every middleware it returns waits on that promise
// first. The first of them (pathParamsMiddleware) does nothing else but register the path
// parameters with `req.app.param`, then calls `next()`, or `next(error)` when the document
// failed to load. Calling it with a request that carries a stand-in `app` gets eov's verdict on
// the document without an Express app, a port or a request over the network.

const require = createRequire(import.meta.url);

interface SchemaError {
  instancePath?: string;
  message?: string;
  params?: unknown;
}

/** eov's own check of the document against the OpenAPI schema, for the errors it only prints. */
function schemaErrors(contractFile: string): SchemaError[] {
  try {
    const { OpenAPISchemaValidator } = require('express-openapi-validator/dist/framework/openapi.schema.validator') as {
      OpenAPISchemaValidator: new (options: {
        version: string;
        validateApiSpec: boolean;
      }) => { validate(document: unknown): { errors: SchemaError[] | null } };
    };
    const document = JSON.parse(readFileSync(contractFile, 'utf8')) as { openapi?: string };
    return (
      new OpenAPISchemaValidator({ version: String(document.openapi), validateApiSpec: true }).validate(document)
        .errors ?? []
    );
  } catch {
    return [];
  }
}

/**
 * Fails unless `contractFile` is an OpenAPI document that express-openapi-validator loads:
 * valid against the OpenAPI schema, its `$ref`s resolved and its schemas preprocessed. Throws
 * an Error with eov's message (and the schema errors eov prints but does not throw).
 */
export async function checkContractDocument(contractFile: string): Promise<void> {
  // Loaded here, not at import: the CLI reads the contract without judging the document.
  const OpenApiValidator = await import('express-openapi-validator');
  const [loaded] = OpenApiValidator.middleware({
    apiSpec: contractFile,
    validateApiSpec: true,
    validateRequests: false,
    validateResponses: false,
    validateSecurity: false,
  }) as RequestHandler[];
  if (!loaded) {
    throw new Error('express-openapi-validator returned no middleware');
  }
  const standIn = { app: { param: () => undefined }, headers: {}, url: '/', path: '/', method: 'GET' };
  const failure = await new Promise<unknown>((resolve) => {
    loaded(standIn as never, {} as never, (error?: unknown) => resolve(error));
  });
  if (failure === undefined || failure === 'route' || failure === 'router') {
    return;
  }
  const message = failure instanceof Error ? failure.message : String(failure);
  const details = schemaErrors(contractFile)
    .slice(0, 10)
    .map(
      (error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'} ${JSON.stringify(error.params ?? {})}`,
    );
  throw new Error(
    `The contract could not be loaded (${contractFile}): ${message}${details.length > 0 ? `\n${details.join('\n')}` : ''}`,
    { cause: failure },
  );
}
