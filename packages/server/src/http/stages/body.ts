import { isUtf8 } from 'node:buffer';
import type { ValidationError } from '@apikeys/types';
import express, { type NextFunction, type Request, type RequestHandler } from 'express';
import { invalidRequest } from '../../contract/problems.js';
import { requestPointer } from '../../contract/requestPointer.js';

// A lone UTF-16 surrogate cannot be stored as the same text by either database (SQLite writes
// invalid UTF-8, PostgreSQL refuses or replaces it), nor can U+0000 in a PostgreSQL text column.
const UNSTORABLE = /[\p{Cs}\0]/u;

const BODILESS = new Set(['GET', 'HEAD']);

/** Every value in the body (keys too) that the stores could not keep exactly, as problems; walked without recursion. */
function unstorableValues(body: unknown): ValidationError[] {
  const problems: ValidationError[] = [];
  const pending: [unknown, string][] = [[body, requestPointer.body()]];
  for (let next = pending.pop(); next && problems.length < 20; next = pending.pop()) {
    const [value, pointer] = next;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) {
        problems.push({ pointer, message: 'must be well-formed Unicode without U+0000' });
      }
    } else if (typeof value === 'number') {
      // JSON.parse turns 1e400 into Infinity, which would be stored and answered as null.
      if (!Number.isFinite(value)) {
        problems.push({ pointer, message: 'must be a number within the range of a double' });
      }
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const childPointer = requestPointer.child(pointer, key);
        if (UNSTORABLE.test(key)) {
          problems.push({
            pointer: childPointer,
            message: 'must have a name that is well-formed Unicode without U+0000',
          });
        }
        pending.push([child, childPointer]);
      }
    }
  }
  return problems;
}

// The common body, read here: JSON in UTF-8, no content coding, its length given. Anything else
// (chunked, compressed, another charset, another type) takes body-parser's way, which answers it
// as it always has. body-parser's reading was a twentieth of a verification.
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset="?utf-8"?\s*)?$/i;

/** An error shaped as body-parser's (status and type), so that the errors stage answers both alike. */
const bodyError = (status: number, type: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { status, type, ...extra });

// JSON's own whitespace (RFC 8259), not JavaScript's: U+00A0 or a vertical tab is not JSON.
const FIRST_AFTER_JSON_WHITESPACE = /^[ \t\n\r]*([^ \t\n\r])/;

/** As body-parser's strict JSON: an empty body (no bytes at all) is `{}`, anything but an object or array is refused. */
function parseStrictJson(text: string): unknown {
  if (text.length === 0) {
    return {};
  }
  const first = FIRST_AFTER_JSON_WHITESPACE.exec(text)?.[1];
  if (first !== '{' && first !== '[') {
    throw bodyError(400, 'entity.parse.failed', 'The body is not a JSON object or array.');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw bodyError(400, 'entity.parse.failed', (error as Error).message);
  }
}

function readPlainJson(req: Request, limit: number, length: number, next: NextFunction): void {
  if (length > limit) {
    next(bodyError(413, 'entity.too.large', 'request entity too large', { limit }));
    return;
  }
  // The client went away while the token or the rate limit was checked: no 'end' will come.
  if (!req.readable || req.destroyed) {
    next(bodyError(400, 'stream.not.readable', 'The request body could not be read.'));
    return;
  }
  // Node frames the body by its Content-Length: no more than `length` bytes arrive.
  const chunks: Buffer[] = [];
  const onData = (chunk: Buffer) => chunks.push(chunk);
  const onEnd = () => {
    cleanup();
    const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    if (!isUtf8(buffer)) {
      next(bodyError(400, 'entity.verify.failed', 'The request body is not valid UTF-8.'));
      return;
    }
    const text = buffer.toString('utf8');
    try {
      // A byte order mark is allowed, as body-parser's decoder allows it.
      req.body = parseStrictJson(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (error) {
      next(error);
      return;
    }
    next();
  };
  const onAborted = () => {
    cleanup();
    next(bodyError(400, 'request.aborted', 'request aborted'));
  };
  const cleanup = () => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('aborted', onAborted);
    req.off('error', onAborted);
  };
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('aborted', onAborted);
  req.on('error', onAborted);
}

/** Reads a JSON body of at most `limit`, refusing one that is not UTF-8 or holds a string no store could keep as it is. */
export function jsonBody(limit: number): RequestHandler[] {
  const parse: RequestHandler = express.json({
    limit,
    strict: true,
    verify: (req, _res, buffer) => {
      // body-parser would decode a body labelled UTF-16 as such: the contract takes UTF-8 only.
      const charset = /;\s*charset="?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
      if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
        throw Object.assign(new Error('The request body must be UTF-8.'), { status: 415 });
      }
      // body-parser hands this on as `entity.verify.failed`, which the errors stage answers.
      if (!isUtf8(buffer)) {
        throw new Error('The request body is not valid UTF-8.');
      }
    },
  });
  return [
    (req, res, next) => {
      // The contract's GET operations take no body: one sent is ignored, never parsed (nor refused as too large).
      if (BODILESS.has(req.method)) {
        next();
        return;
      }
      const { 'content-type': type, 'content-length': declared, 'content-encoding': coding } = req.headers;
      const length = declared === undefined ? Number.NaN : Number(declared);
      if (
        Number.isSafeInteger(length) &&
        req.headers['transfer-encoding'] === undefined &&
        (coding === undefined || coding.toLowerCase() === 'identity') &&
        type !== undefined &&
        PLAIN_JSON.test(type)
      ) {
        readPlainJson(req, limit, length, next);
      } else {
        parse(req, res, next);
      }
    },
    (req, _res, next) => {
      const problems = req.body === undefined ? [] : unstorableValues(req.body);
      next(problems.length > 0 ? invalidRequest(problems) : undefined);
    },
  ];
}
