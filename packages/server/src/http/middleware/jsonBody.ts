import { isUtf8 } from 'node:buffer';
import type { ValidationError } from '@apikeys/types';
import express, { type RequestHandler } from 'express';
import { invalidRequest } from '../problem.js';

// A lone UTF-16 surrogate cannot be stored as the same text by either database (SQLite writes
// invalid UTF-8, PostgreSQL refuses or replaces it), nor can U+0000 in a PostgreSQL text column.
const UNSTORABLE = /[\p{Cs}\0]/u;

const BODILESS = new Set(['GET', 'HEAD']);

const pointerSegment = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** Every value in the body (keys too) that the stores could not keep exactly, as problems; walked without recursion. */
function unstorableValues(body: unknown): ValidationError[] {
  const problems: ValidationError[] = [];
  const pending: [unknown, string][] = [[body, '']];
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
        const childPointer = `${pointer}/${pointerSegment(key)}`;
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
      // body-parser hands this on as `entity.verify.failed`, which problem.ts answers.
      if (!isUtf8(buffer)) {
        throw new Error('The request body is not valid UTF-8.');
      }
    },
  });
  return [
    // The contract's GET operations take no body: one sent is ignored, never parsed (nor refused as too large).
    (req, res, next) => (BODILESS.has(req.method) ? next() : parse(req, res, next)),
    (req, _res, next) => {
      const problems = req.body === undefined ? [] : unstorableValues(req.body);
      next(problems.length > 0 ? invalidRequest(problems) : undefined);
    },
  ];
}
