import { isUtf8 } from 'node:buffer';
import type { RefereeCase } from './corpus.js';
import type { Answer } from './exchange.js';
import type { Verdict } from './verdicts.js';

/** One case as both sides answered it. */
export interface Exchange {
  case: RefereeCase;
  serverAnswer: Answer;
  referenceAnswer: Answer;
  server: Verdict;
  reference: Verdict;
}

export interface AllowedDifference {
  name: string;
  /** Which exchanges the rule covers: what in the request shows it, and the shape the difference must have. */
  covers: (exchange: Exchange) => boolean;
  why: string;
}

// ---------------------------------------------------------------------------------------------
// What the predicates read of a request.

function bodyOf({ case: { request } }: Exchange): unknown {
  if (typeof request.body !== 'string') {
    return undefined;
  }
  try {
    return JSON.parse(request.body);
  } catch {
    return undefined;
  }
}

/** The value at a pointer into the body (`/body/…`), and the name of the member it is (the last segment). */
function at(body: unknown, pointer: string): { value: unknown; name: string } {
  const segments = pointer
    .split('/')
    .slice(2)
    .map((each) => each.replaceAll('~1', '/').replaceAll('~0', '~'));
  let value = body;
  for (const segment of segments) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return { value, name: segments[segments.length - 1] ?? '' };
}

const queryNames = ({ case: { request } }: Exchange) => [
  ...new URLSearchParams(request.path.split('?')[1] ?? '').keys(),
];
const contentType = ({ case: { request } }: Exchange) => {
  const value = request.headers['content-type'];
  return typeof value === 'string' ? value : undefined;
};
const bodyBytes = ({ case: { request } }: Exchange) =>
  request.body === undefined ? 0 : Buffer.byteLength(request.body);

/** The server refused with a 400 naming places in the body, and every one of them passes `test`; eov accepted. */
const serverAloneRefusesBodyPlaces = (exchange: Exchange, test: (place: { value: unknown; name: string }) => boolean) =>
  exchange.reference.accepted &&
  !exchange.server.accepted &&
  exchange.server.status === 400 &&
  exchange.server.pointers.length > 0 &&
  exchange.server.pointers.every((pointer) => /^\/body(\/|$)/.test(pointer) && test(at(bodyOf(exchange), pointer)));

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** RFC 3339 section 5.6 `date-time`, with its section 5.7 ranges (a leap second is left to the handler). */
function isStrictRfc3339(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/.exec(text);
  if (!match) {
    return false;
  }
  const [year, month, day, hour, minute, second, offsetHour = 0, offsetMinute = 0] = match
    .slice(1)
    .map(Number) as number[];
  const leap = year! % 4 === 0 && (year! % 100 !== 0 || year! % 400 === 0);
  const days = month === 2 && !leap ? 28 : DAYS_IN_MONTH[month! - 1];
  return (
    days !== undefined &&
    day! >= 1 &&
    day! <= days &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 60 &&
    offsetHour <= 23 &&
    offsetMinute <= 59
  );
}
const looksLikeDateTime = (value: unknown): value is string =>
  typeof value === 'string' && /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/.test(value);

const UNSTORABLE = /[\p{Cs}\0]/u;
const BRACKETED = /[[\]]/;
const BAD_PERCENT_ENCODING = /%(?![0-9A-Fa-f]{2})/;

// ---------------------------------------------------------------------------------------------
// The table. Each rule is one the contract states in words (or a way of naming a refusal), which
// express-openapi-validator cannot know; the first that covers a disagreement takes it.

export const allowedDifferences: AllowedDifference[] = [
  {
    name: 'RFC 3339 date-time',
    covers: (exchange) =>
      serverAloneRefusesBodyPlaces(exchange, ({ value }) => looksLikeDateTime(value) && !isStrictRfc3339(value)),
    why:
      "The contract's date-time is RFC 3339 with its ranges (a real calendar date, hours 00-23, an offset Z or " +
      "±hh:mm). eov checks format 'date-time' with ajv-formats' fast regular expression, which takes " +
      '2030-02-30, month 13, hour 24, an offset +24:00 or one without its colon.',
  },
  {
    name: 'storable text (no lone surrogate, no U+0000)',
    covers: (exchange) =>
      serverAloneRefusesBodyPlaces(
        exchange,
        ({ value, name }) => UNSTORABLE.test(name) || (typeof value === 'string' && UNSTORABLE.test(value)),
      ),
    why:
      'The contract (info, "Request bodies") refuses any string in a body, names and metadata included, that holds ' +
      'a lone UTF-16 surrogate or U+0000: neither database stores it as sent. JSON Schema has no keyword for it, ' +
      'so eov takes any string its other keywords allow.',
  },
  {
    name: 'numbers within a double',
    covers: (exchange) =>
      serverAloneRefusesBodyPlaces(exchange, ({ value }) => typeof value === 'number' && !Number.isFinite(value)),
    why:
      'The contract refuses a number beyond the range of a double (`1e400`), which JSON.parse reads as Infinity ' +
      'and would be stored and answered as null. Where the schema takes any number (metadata), eov takes it.',
  },
  {
    name: 'a body in valid UTF-8',
    covers: (exchange) => {
      const { body } = exchange.case.request;
      return (
        body !== undefined &&
        !isUtf8(Buffer.from(body)) &&
        exchange.server.status === 400 &&
        exchange.server.pointers.join() === '/body' &&
        exchange.server.pointers.length === 1 &&
        !(exchange.reference.status === 400 && exchange.reference.pointers.join() === '/body')
      );
    },
    why:
      'The contract refuses with 400 a body that is not valid UTF-8 (the whole body, pointer `/body`). express.json() ' +
      'in front of eov decodes such bytes to U+FFFD and eov judges what that makes: accepted inside a free-form ' +
      'string, or an unknown property where the bytes fell into a name.',
  },
  {
    name: 'x-max-body-bytes',
    covers: (exchange) =>
      bodyBytes(exchange) > 16_384 &&
      exchange.server.status === 413 &&
      exchange.server.pointers.length === 0 &&
      exchange.reference.accepted,
    why:
      'The contract reads at most x-max-body-bytes (16 KiB) of a body and answers 413 past it; the reference app ' +
      "reads up to express.json()'s own 100 KiB, and eov has no size rule, so a schema-valid body padded past 16 KiB passes there.",
  },
  {
    name: 'a body in UTF-8 only',
    covers: (exchange) =>
      /;\s*charset="?(?!utf-8\b)[^";\s]+/i.test(contentType(exchange) ?? '') &&
      exchange.server.status === 415 &&
      !exchange.reference.accepted,
    why:
      'The contract takes bodies in UTF-8 and answers 415 to one labelled with another charset. In the reference ' +
      'app express.json() decodes the body by its label and the JSON it makes of the bytes is garbage: a 400 ' +
      'about the body instead. Both refuse.',
  },
  {
    name: 'an optional body sent without a Content-Type',
    // eov accepts an unlabelled body only where the body is optional.
    covers: (exchange) =>
      contentType(exchange) === undefined &&
      bodyBytes(exchange) > 0 &&
      exchange.server.status === 415 &&
      exchange.reference.accepted,
    why:
      'The contract lets revoke and rotate be sent with no body at all, which means {}. A body that is sent without ' +
      'saying what it is is refused (415), not dropped unread: eov accepts it for an optional body and the handler ' +
      'would act on {} while the caller meant something else.',
  },
  {
    name: 'a query name in brackets is unknown',
    covers: (exchange) =>
      queryNames(exchange).some((name) => BRACKETED.test(name)) &&
      exchange.server.status === 400 &&
      exchange.reference.status === 400 &&
      exchange.server.pointers.some((pointer) => BRACKETED.test(pointer)),
    why:
      "Express 5's query parser keeps `limit[]` as the name sent, which the contract does not declare: the server " +
      'refuses it as an unknown parameter `/query/limit[]`. eov reads it with qs-style array syntax as `limit` ' +
      'and refuses an array there (`/query/limit`). Both refuse with 400; they name the place differently.',
  },
  {
    name: 'every missing required member is named',
    covers: (exchange) => {
      const body = exchange.case.request.body === '' ? {} : bodyOf(exchange);
      const missing = (pointer: string) => {
        const { name } = at(body, pointer);
        return pointer === `/body/${name}` && body !== null && typeof body === 'object' && !(name in body);
      };
      return (
        exchange.server.status === 400 &&
        exchange.reference.status === 400 &&
        exchange.server.pointers.length > exchange.reference.pointers.length &&
        exchange.reference.pointers.length > 0 &&
        exchange.reference.pointers.every((pointer) => exchange.server.pointers.includes(pointer)) &&
        exchange.server.pointers.every(missing)
      );
    },
    why:
      'A body without several required members (createApp without slug and key_prefix) is refused by both with ' +
      '400; the server names each missing member, as the contract promises every problem, while eov (Ajv with ' +
      'allErrors off) stops at the first.',
  },
  {
    name: 'bad percent-encoding in the path names the parameter',
    covers: (exchange) =>
      BAD_PERCENT_ENCODING.test(exchange.case.request.path.split('?')[0]!) &&
      exchange.server.status === 400 &&
      exchange.reference.status === 400 &&
      exchange.reference.pointers.length === 0 &&
      exchange.server.pointers.length === 1 &&
      exchange.server.pointers[0]!.startsWith('/path/'),
    why:
      'Both refuse a path that is not valid percent-encoding with 400; the server names the path parameter ' +
      '(`/path/appName`: "is not valid percent-encoding"), eov gives the whole URL as the path of its error, ' +
      'which names no field.',
  },
];

/**
 * Disagreements where eov refuses what the server accepts: not differences by design, but reported
 * (see issue 18) and kept here so that the test stays green while they are open, and fails once
 * one no longer happens, to be taken out.
 */
export const knownDisagreements: AllowedDifference[] = [
  {
    name: 'reserved characters left unencoded in a query value',
    covers: (exchange) =>
      exchange.server.accepted &&
      exchange.reference.status === 400 &&
      exchange.reference.pointers.length === 1 &&
      exchange.reference.pointers[0]!.startsWith('/query/') &&
      /[!'()*]/.test(exchange.case.request.path.split('?')[1] ?? ''),
    why:
      "eov applies OpenAPI's `allowReserved: false` (the default) to the query string as received and refuses a " +
      'value holding an RFC 3986 reserved character that is not percent-encoded (`owner=team!`; encodeURIComponent, ' +
      "and so fetch's URLSearchParams users, leave !'()* as they are). The server decodes the query and accepts " +
      'the value. The value means the same either way; whether the server should refuse it is open.',
  },
];
