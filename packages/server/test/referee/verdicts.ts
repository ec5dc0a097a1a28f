import type { Answer } from './exchange.js';
import type { ReferenceRefusal } from './referenceApp.js';

/** What a side made of a request: accepted, or refused with a status and the places it named. */
export interface Verdict {
  accepted: boolean;
  status: number;
  /** The places named, as the server's pointers, sorted and without repeats. */
  pointers: string[];
}

const sorted = (pointers: string[]) => [...new Set(pointers)].sort();

/** The marker the stub handlers answer with: a request that reached one passed the server's checks. */
export const ACCEPTED_MARK = 'referee: passed validation';

/**
 * express-openapi-validator's `errors[].path` as the server's pointer: the one mapping between
 * the two. Both point into the request taken as one document; eov names a path parameter's part
 * `params` (or `path`) and a header's `headers`, where the contract says `path` and `header`.
 * eov gives the request's route or URL as the path of a 404, 405, 415 or an unreadable URL: that
 * names no field, and maps to none (`undefined`).
 */
export function pointerOfEovPath(path: string): string | undefined {
  if (path === '/body' || path.startsWith('/body/')) {
    return path;
  }
  const match = /^\/(params|path|query|headers)\/(.+)$/.exec(path);
  if (match) {
    const location = { params: 'path', path: 'path', query: 'query', headers: 'header' }[match[1]!];
    return `/${location}/${match[2]}`;
  }
  return undefined;
}

export function referenceVerdict(answer: Answer): Verdict {
  if (answer.status === 204) {
    return { accepted: true, status: 204, pointers: [] };
  }
  const refusal = answer.body as Partial<ReferenceRefusal> | undefined;
  return {
    accepted: false,
    status: answer.status,
    // Only a 400 names places (the contract's invalid-request); eov's path on a 413 is just `/body`.
    pointers:
      answer.status === 400 ? sorted((refusal?.paths ?? []).flatMap((path) => pointerOfEovPath(path) ?? [])) : [],
  };
}

export function serverVerdict(answer: Answer): Verdict {
  const body = answer.body as { referee?: unknown; errors?: { pointer?: unknown }[] } | undefined;
  if (answer.status === 200 && body?.referee === ACCEPTED_MARK) {
    return { accepted: true, status: 200, pointers: [] };
  }
  return {
    accepted: false,
    status: answer.status,
    pointers: sorted((Array.isArray(body?.errors) ? body.errors : []).map((each) => String(each.pointer))),
  };
}

export function sameVerdict(server: Verdict, reference: Verdict): boolean {
  if (server.accepted || reference.accepted) {
    return server.accepted === reference.accepted;
  }
  return server.status === reference.status && server.pointers.join('\n') === reference.pointers.join('\n');
}

export const describeVerdict = (verdict: Verdict) =>
  verdict.accepted
    ? 'accepted'
    : `${verdict.status} [${verdict.pointers.map((each) => JSON.stringify(each)).join(', ')}]`;
