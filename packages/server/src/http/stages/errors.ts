import type { Problem } from '@apikeys/types';
import type { NextFunction, Request, Response } from 'express';
import { type ProblemCatalogue, ProblemError } from '../../contract/problems.js';
import type { ResponseCheck } from '../../contract/responseCheck.js';
import type { Logger } from '../../logger.js';
import '../context.js';
import { requestPointer } from '../../contract/requestPointer.js';

/** The problem document as it is sent: with the request's id. */
function problemDocument(problems: ProblemCatalogue, res: Response, error: ProblemError): Problem {
  const { requestId } = res.locals;
  return { ...problems.documentOf(error), ...(requestId ? { request_id: requestId } : {}) };
}

function sendProblem(problems: ProblemCatalogue, res: Response, error: ProblemError): void {
  for (const [name, value] of Object.entries(error.options.headers ?? {})) {
    res.setHeader(name, value);
  }
  res
    .status(problems.statusOf(error))
    .type('application/problem+json')
    .json(problemDocument(problems, res, error));
}

/**
 * A request refused before its body was read (401, 413, 429 …) would otherwise have the rest of
 * its upload read and thrown away by Node. Answer, then close the connection instead.
 */
function closeAfterAnswer(req: Request, res: Response): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody || req.complete) {
    return;
  }
  res.setHeader('Connection', 'close');
  res.on('finish', () => {
    req.socket.end();
    // A client that keeps sending after the answer is cut off.
    setTimeout(() => req.socket.destroy(), 500).unref();
  });
}

function isHttpError(error: unknown): error is {
  status: number;
  type?: string;
  limit?: number;
  message: string;
} {
  return typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number';
}

/** Turns everything thrown on the way to a response into the problem the contract declares. */
export function toProblemError(error: unknown): ProblemError {
  if (error instanceof ProblemError) {
    return error;
  }
  if (isHttpError(error)) {
    const { status } = error;
    // body-parser marks its errors with a `type`: malformed JSON is the client's 400, said plainly.
    if (error.type === 'entity.verify.failed' && status === 415) {
      return new ProblemError('unsupported-media-type', 'The request body must be application/json in UTF-8.');
    }
    if (error.type === 'entity.verify.failed') {
      return new ProblemError('invalid-request', 'The request body is not valid UTF-8.', {
        errors: [{ pointer: requestPointer.body(), message: 'is not valid UTF-8' }],
      });
    }
    if (error.type === 'entity.parse.failed') {
      return new ProblemError('invalid-request', 'The request body is not valid JSON.', {
        errors: [{ pointer: requestPointer.body(), message: 'malformed JSON' }],
      });
    }
    // body-parser reports the configured limit, so the detail cannot disagree with it.
    if (status === 413) {
      return new ProblemError(
        'payload-too-large',
        `The request body is larger than ${error.limit ?? 'the limit'} bytes.`,
      );
    }
    if (status === 415) {
      return new ProblemError('unsupported-media-type', 'The request body must be application/json.');
    }
    // body-parser's others: the upload ended early, or its length disagreed with Content-Length.
    if (status === 400) {
      return new ProblemError('invalid-request', 'The request body could not be read.', {
        errors: [{ pointer: requestPointer.body(), message: error.message }],
      });
    }
  }
  return new ProblemError('internal-error', 'The server failed to handle the request.');
}

/** With `checkResponse` (development, tests), a problem its operation does not declare is logged and answered as a 500. */
export function errors(problems: ProblemCatalogue, logger: Logger, checkResponse?: ResponseCheck) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    let problem = toProblemError(error);
    const operationId = res.locals.operation?.route.operationId;
    const breach =
      operationId &&
      checkResponse?.(
        operationId,
        problems.statusOf(problem),
        'application/problem+json',
        problemDocument(problems, res, problem),
      );
    if (breach) {
      logger.error('a problem breaks the contract', { requestId: res.locals.requestId, error: breach });
      problem = toProblemError(undefined);
    } else if (problems.statusOf(problem) === 500) {
      // The cause goes to the log, never to the client.
      logger.error('request failed', { requestId: res.locals.requestId, error: errorDetails(error) });
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    closeAfterAnswer(req, res);
    sendProblem(problems, res, problem);
  };
}

function errorDetails(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const details = (error as { errors?: unknown }).errors;
    return { name: error.name, message: error.message, stack: error.stack, ...(details ? { errors: details } : {}) };
  }
  return { value: String(error) };
}
