import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import { format, type OutputUnit, type Schema, Validator } from '@cfworker/json-schema';

// The fuzz suite's judge of what the contract allows. It is built from the bundled contract
// (packages/types/openapi.json) and an independent JSON Schema validator (@cfworker/json-schema;
// the server uses Ajv through express-openapi-validator), plus the rules the contract states in
// prose, written here from the contract's text and not from the server's code. Limits the
// contract states are read from it, never typed again.

type SchemaObject = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: SchemaObject;
}

interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: SchemaObject }> };
  responses: Record<string, { content?: Record<string, { schema: SchemaObject }> }>;
}

interface Contract {
  info: { description: string };
  paths: Record<string, Record<string, unknown> & { parameters?: Parameter[] }>;
  components: { schemas: Record<string, SchemaObject & { properties?: Record<string, SchemaObject> }> };
}

const require = createRequire(import.meta.url);
export const contract = JSON.parse(readFileSync(require.resolve('@apikeys/types/openapi.json'), 'utf8')) as Contract;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export interface ContractOperation {
  method: string;
  /** The contract's path template, `/api-auth/apps/{appName}/keys`. */
  path: string;
  operation: Operation;
  /** Path-level and operation-level parameters together. */
  parameters: Parameter[];
}

export function contractOperation(operationId: string): ContractOperation {
  for (const [path, item] of Object.entries(contract.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as Operation | undefined;
      if (operation?.operationId === operationId) {
        return {
          method: method.toUpperCase(),
          path,
          operation,
          parameters: [...(item.parameters ?? []), ...(operation.parameters ?? [])],
        };
      }
    }
  }
  throw new Error(`The contract has no operation ${operationId}`);
}

function requiredMatch(text: string, pattern: RegExp, what: string): RegExpMatchArray {
  const match = text.match(pattern);
  if (!match) {
    throw new Error(`The contract no longer states ${what} (looked for ${pattern})`);
  }
  return match;
}

// ---------------------------------------------------------------------------------------------
// Limits, as the contract states them.

const metadataSchema = contract.components.schemas.Metadata ?? {};
const createExpiry = contract.components.schemas.CreateApiKeyRequest?.properties?.expires_at ?? {};

export const limits = {
  /** "A body is JSON in UTF-8, at most 16 KiB" (info.description, "Request bodies"). */
  bodyBytes:
    Number(
      requiredMatch(contract.info.description, /A body is JSON in UTF-8, at most (\d+) KiB/, 'the body size limit')[1],
    ) * 1024,
  /** `x-max-serialized-bytes` on Metadata. */
  metadataBytes: metadataSchema['x-max-serialized-bytes'] as number,
  /** `x-max-depth` on Metadata. */
  metadataDepth: metadataSchema['x-max-depth'] as number,
  /** "no later than `9999-12-31T23:59:59.999Z`" (CreateApiKeyRequest.expires_at). */
  latestExpiry: requiredMatch(
    String(createExpiry.description ?? ''),
    /no later than\s+`([^`]+)`/,
    'the latest expiry',
  )[1]!,
};
if (typeof limits.metadataBytes !== 'number' || typeof limits.metadataDepth !== 'number') {
  throw new Error('The contract has no x-max-serialized-bytes / x-max-depth on Metadata');
}

/** The contract's problem types (`x-problem-types` on Problem.type), each with its status and title. */
export const problemTypes = (contract.components.schemas.Problem?.properties?.type?.['x-problem-types'] ??
  {}) as Record<string, { status: number; title: string }>;
if (Object.keys(problemTypes).length === 0) {
  throw new Error('The contract has no x-problem-types on Problem.type');
}

// ---------------------------------------------------------------------------------------------
// RFC 3339 date-time, exactly as the contract states it for expires_at: a real calendar date,
// hours 00-23, minutes 00-59, seconds 00-60 (a leap second is valid syntax, refused by a rule
// below), an optional fraction of any length, and an offset `Z` or `±hh:mm` (hh 00-23, mm 00-59).
// `T` and `Z` may be lower case (RFC 3339 §5.6); nothing else separates date and time.
//
// @cfworker/json-schema's own check is looser than that (it splits date and time on any
// whitespace, so `2030-01-01 00:00:00Z` passes) and stricter about leap seconds (only 23:59:60
// UTC), so the oracle replaces it with this one.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

export interface DateTime {
  /** The instant, in whole milliseconds since the epoch, rounded down. */
  epochMs: number;
  /** Whether digits beyond the millisecond make the instant later than epochMs. */
  subMillisecond: boolean;
  leapSecond: boolean;
}

export function parseDateTime(text: string): DateTime | undefined {
  const match = RFC3339.exec(text);
  if (!match) {
    return undefined;
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = match[7] ?? '';
  const sign = match[8] === '-' ? -1 : 1;
  const [offsetHour, offsetMinute] = [Number(match[9] ?? 0), Number(match[10] ?? 0)];
  if (month < 1 || month > 12 || day < 1) {
    return undefined;
  }
  if (day > (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!)) {
    return undefined;
  }
  if (hour > 23 || minute > 59 || second > 60 || offsetHour > 23 || offsetMinute > 59) {
    return undefined;
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, '0')));
  return {
    epochMs: date.getTime() - sign * (offsetHour * 60 + offsetMinute) * 60_000,
    subMillisecond: /[1-9]/.test(fraction.slice(3)),
    leapSecond: second === 60,
  };
}

// The one change to the independent validator: its date-time format becomes the contract's.
format['date-time'] = (text: string) => parseDateTime(text) !== undefined;

const latestExpiry = parseDateTime(limits.latestExpiry);
if (!latestExpiry) {
  throw new Error(`The contract's latest expiry ${limits.latestExpiry} is not a date-time`);
}

/** What an expiry is answered as: the instant in UTC with milliseconds (either neighbour when the request was finer than that). */
export function answeredExpiries(text: string): string[] {
  const parsed = parseDateTime(text);
  if (!parsed) {
    return [];
  }
  const floor = new Date(parsed.epochMs).toISOString();
  return parsed.subMillisecond ? [floor, new Date(parsed.epochMs + 1).toISOString()] : [floor];
}

// ---------------------------------------------------------------------------------------------
// JSON Schema validation with @cfworker/json-schema (draft 2020-12, every error).

const validators = new WeakMap<object, Validator>();

export function schemaErrors(schema: SchemaObject, value: unknown): OutputUnit[] {
  let validator = validators.get(schema);
  if (!validator) {
    validator = new Validator(schema as Schema, '2020-12', false);
    validators.set(schema, validator);
  }
  const result = validator.validate(value);
  if (result.valid) {
    return [];
  }
  // cfworker also reports the enclosing keywords ("properties", "items") of a failed leaf; keep the leaves.
  const leaves = result.errors.filter(
    (error) => !['properties', 'items', 'prefixItems', '$ref'].includes(error.keyword),
  );
  return leaves.length > 0 ? leaves : result.errors;
}

// ---------------------------------------------------------------------------------------------
// Verdicts.

export interface Refusal {
  /** A problem type of the contract (`urn:apikeys:problem:…`). */
  type: string;
  /** Why, for the failure message. */
  reason: string;
}

/**
 * What the contract says about one request. With no `problems`, it must succeed, unless the
 * contract leaves the case open (`ambiguities`), in which case refusing with one of those is
 * fine too. With problems it must be refused, with the type of any one of them (the contract does
 * not order them) or of an ambiguity.
 */
export interface Verdict {
  problems: Refusal[];
  ambiguities: Refusal[];
  /** The parsed body, when it was JSON. */
  body?: unknown;
}

export const problemType = (slug: string): string => {
  const type = `urn:apikeys:problem:${slug}`;
  if (!(type in problemTypes)) {
    throw new Error(`The contract has no problem type ${type}`);
  }
  return type;
};

const INVALID = problemType('invalid-request');
export const invalid = (reason: string): Refusal => ({ type: INVALID, reason });

export function describeVerdict(verdict: Verdict): string {
  const list = (refusals: Refusal[]) =>
    refusals
      .map(
        (refusal) =>
          `${problemTypes[refusal.type]?.status} ${refusal.type.replace('urn:apikeys:problem:', '')}: ${refusal.reason}`,
      )
      .join('; ');
  if (verdict.problems.length > 0) {
    return `refuse (${list(verdict.problems)})${verdict.ambiguities.length ? `, or for: ${list(verdict.ambiguities)}` : ''}`;
  }
  return `succeed${verdict.ambiguities.length ? `, or refuse since the contract leaves this open (${list(verdict.ambiguities)})` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// The request as it went on the wire.

export interface WireRequest {
  method: string;
  /** Path and query, percent-encoded, as sent. */
  target: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
}

/** The media type rule: the body is `application/json`, in UTF-8. */
function mediaTypeProblems(
  contentType: string | undefined,
  hasBody: boolean,
): { problems: Refusal[]; ambiguities: Refusal[] } {
  const unsupported = problemType('unsupported-media-type');
  if (contentType === undefined) {
    // No media type at all: not application/json (415), or a missing required body (400).
    return {
      problems: [
        { type: unsupported, reason: 'no Content-Type' },
        invalid(hasBody ? 'body without a media type' : 'no body'),
      ],
      ambiguities: [],
    };
  }
  const [essence = '', ...parameters] = contentType.split(';');
  if (essence.trim().toLowerCase() !== 'application/json') {
    return { problems: [{ type: unsupported, reason: `media type ${essence.trim()}` }], ambiguities: [] };
  }
  for (const parameter of parameters) {
    const [name = '', ...value] = parameter.split('=');
    const charset = value
      .join('=')
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (name.trim().toLowerCase() === 'charset' && charset !== 'utf-8') {
      // The body is JSON in UTF-8: another charset is refused, as a media type or as a body.
      return {
        problems: [{ type: unsupported, reason: `charset ${charset}` }, invalid(`charset ${charset}`)],
        ambiguities: [],
      };
    }
  }
  return { problems: [], ambiguities: [] };
}

/** Whether a JSON text (already known to parse) repeats a name within one object. */
export function hasDuplicateNames(text: string): boolean {
  const objects: (Set<string> | null)[] = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (text[end] !== '"') {
        end += text[end] === '\\' ? 2 : 1;
      }
      const names = objects.at(-1);
      if (names && expectName) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (names.has(name)) {
          return true;
        }
        names.add(name);
        expectName = false;
      }
      i = end;
    } else if (char === '{') {
      objects.push(new Set());
      expectName = true;
    } else if (char === '[') {
      objects.push(null);
    } else if (char === '}' || char === ']') {
      objects.pop();
    } else if (char === ',') {
      expectName = objects.at(-1) instanceof Set;
    }
  }
  return false;
}

/** A string holding a lone UTF-16 surrogate or U+0000. */
export function isUnstorable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0) {
      return true;
    }
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
      } else {
        return true;
      }
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return true;
    }
  }
  return false;
}

const pointerSegment = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** Every string of a JSON value (names too) that breaks "no lone surrogate or U+0000", by pointer. */
function unstorableStrings(value: unknown): string[] {
  const found: string[] = [];
  const pending: [unknown, string][] = [[value, '']];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, pointer] = next;
    if (typeof item === 'string') {
      if (isUnstorable(item)) {
        found.push(pointer);
      }
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        if (isUnstorable(key)) {
          found.push(`${pointer}/${pointerSegment(key)} (name)`);
        }
        pending.push([child, `${pointer}/${pointerSegment(key)}`]);
      }
    }
  }
  return found;
}

/** Levels of objects and arrays inside `value` (`{"a":{"b":[1]}}` has 2), counted without recursion. */
export function levelsInside(value: unknown): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== 'object') {
      continue;
    }
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(item)) {
      pending.push([child, depth + 1]);
    }
  }
  return deepest;
}

/** Whether a parsed JSON value holds a number JSON.parse could not keep (beyond a double's range). */
function hasUnrepresentableNumber(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'number' && !Number.isFinite(item)) {
      return true;
    }
    if (item !== null && typeof item === 'object') {
      pending.push(...Object.values(item));
    }
  }
  return false;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The body rules every operation shares: media type, size, UTF-8, JSON, the operation's schema,
 * and "no lone surrogate or U+0000 in any string of the body, names included".
 */
export function judgeBody(operation: ContractOperation, request: WireRequest): Verdict {
  const verdict: Verdict = { problems: [], ambiguities: [] };
  const bytes = request.body ?? Buffer.alloc(0);
  const media = mediaTypeProblems(request.headers['content-type'], bytes.length > 0);
  verdict.problems.push(...media.problems);
  if (bytes.length > limits.bodyBytes) {
    verdict.problems.push({
      type: problemType('payload-too-large'),
      reason: `${bytes.length} bytes > ${limits.bodyBytes}`,
    });
  }

  let text: string;
  try {
    // ignoreBOM keeps a byte order mark in the text, so that it can be judged below.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    verdict.problems.push(invalid('the body is not UTF-8'));
    return verdict;
  }
  if (text.startsWith('\ufeff')) {
    // RFC 8259 §8.1: a parser MAY ignore a byte order mark rather than treat it as an error.
    verdict.ambiguities.push(invalid('a byte order mark before the JSON text'));
    text = text.slice(1);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    verdict.problems.push(invalid(bytes.length === 0 ? 'no body' : 'the body is not JSON'));
    return verdict;
  }
  verdict.body = body;
  // RFC 8259 §4: names SHOULD be unique; with duplicates a receiver may refuse, or keep the last.
  if (hasDuplicateNames(text)) {
    verdict.ambiguities.push(invalid('a name repeated within one object'));
  }
  // RFC 8259 §6: an implementation may limit the range of numbers it accepts.
  if (hasUnrepresentableNumber(body)) {
    verdict.ambiguities.push(invalid('a number beyond the range of a double'));
  }

  const schema = operation.operation.requestBody?.content['application/json']?.schema;
  if (!schema) {
    throw new Error(`${operation.operation.operationId} has no application/json body`);
  }
  const unstorable = unstorableStrings(body);
  for (const pointer of unstorable) {
    verdict.problems.push(invalid(`${pointer || '/'} holds a lone surrogate or U+0000`));
  }
  try {
    for (const error of schemaErrors(schema, body)) {
      verdict.problems.push(invalid(`${error.instanceLocation} ${error.error}`));
    }
  } catch (error) {
    // cfworker cannot write a JSON Pointer to a name holding a lone surrogate (encodeURI throws);
    // such a body is refused by the rule above anyway.
    if (unstorable.length === 0) {
      throw error;
    }
  }
  return verdict;
}

/** The path parameters' schemas; a path that names no app at all is a path this API does not have. */
export function judgePathParameters(operation: ContractOperation, values: Record<string, string>): Refusal[] {
  const problems: Refusal[] = [];
  for (const parameter of operation.parameters.filter((each) => each.in === 'path')) {
    const value = values[parameter.name] ?? '';
    if (value === '') {
      problems.push(
        { type: problemType('not-found'), reason: `an empty ${parameter.name} segment` },
        invalid(`empty ${parameter.name}`),
      );
      continue;
    }
    for (const error of schemaErrors(parameter.schema, value)) {
      problems.push(invalid(`path ${parameter.name}: ${error.error}`));
    }
  }
  return problems;
}

/** createApiKey's and updateApiKey's rules beyond the schema (the contract's operation descriptions and field descriptions). */
export function keyFieldRules(body: unknown, now: Date): Refusal[] {
  if (!isObject(body)) {
    return [];
  }
  const problems: Refusal[] = [];
  const { expires_at: expiresAt, metadata } = body;
  if (typeof expiresAt === 'string') {
    const parsed = parseDateTime(expiresAt);
    if (parsed) {
      if (parsed.leapSecond) {
        problems.push(invalid('expires_at is a leap second'));
      } else if (!(parsed.epochMs > now.getTime() || (parsed.epochMs === now.getTime() && parsed.subMillisecond))) {
        problems.push(invalid('expires_at does not lie in the future'));
      } else if (
        parsed.epochMs > latestExpiry!.epochMs ||
        (parsed.epochMs === latestExpiry!.epochMs && parsed.subMillisecond)
      ) {
        problems.push(invalid(`expires_at is later than ${limits.latestExpiry}`));
      }
    }
  }
  if (isObject(metadata)) {
    const levels = levelsInside(metadata);
    if (levels > limits.metadataDepth) {
      problems.push(invalid(`metadata nests ${levels} levels > ${limits.metadataDepth}`));
    } else {
      const size = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
      if (size > limits.metadataBytes) {
        problems.push(invalid(`metadata serialises to ${size} bytes > ${limits.metadataBytes}`));
      }
    }
  }
  return problems;
}

/** createApiKey: "A body appName … must equal the URL's slug". */
export function appNameRule(body: unknown, urlAppName: string): Refusal[] {
  if (!isObject(body) || body.appName === undefined || body.appName === urlAppName) {
    return [];
  }
  return [invalid(`body appName ${JSON.stringify(body.appName)} differs from the URL's ${JSON.stringify(urlAppName)}`)];
}

// ---------------------------------------------------------------------------------------------
// Answers.

/** The schema the contract declares for an operation's answer with this status, if any. */
export function responseSchema(operation: ContractOperation, status: number): SchemaObject | undefined {
  const response = operation.operation.responses[String(status)];
  const content = response?.content;
  return content?.['application/json']?.schema ?? content?.['application/problem+json']?.schema;
}

/** JSON for a failure message, with the numbers JSON cannot write (±Infinity from 1e400) shown as such. */
export const showJson = (value: unknown): string =>
  JSON.stringify(value, (_name, item: unknown) =>
    typeof item === 'number' && !Number.isFinite(item) ? `«${item}»` : item,
  ) ?? String(value);

/** Deep equality of JSON values: numbers by value, objects whatever the order of their names. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    return false;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    return false;
  }
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, index) => jsonEqual(item, other[index]));
  }
  const [left, right] = [a as Record<string, unknown>, b as Record<string, unknown>];
  const keys = Object.keys(left);
  return (
    keys.length === Object.keys(right).length &&
    keys.every((key) => Object.hasOwn(right, key) && jsonEqual(left[key], right[key]))
  );
}

// ---------------------------------------------------------------------------------------------
// Secrets and permissions, as the contract describes them ("Secret format", verifyApiKey).

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_SHAPE = /^([a-z][a-z0-9]{0,15}_[0-9A-Za-z]{43})([0-9A-Za-z]{6})$/;

/** The CRC-32 (IEEE) of the text, in base62, left-padded with 0 to 6 characters. */
export function secretChecksum(prefixAndRandom: string): string {
  let value = crc32(prefixAndRandom);
  let out = '';
  while (value > 0) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out.padStart(6, '0');
}

/** Whether the text has the shape of a secret and its checksum matches (else it is MALFORMED). */
export function isWellFormedSecret(secret: string): boolean {
  const match = SECRET_SHAPE.exec(secret);
  return match !== null && secretChecksum(match[1]!) === match[2];
}

/** Whether a key's permissions hold `required`: `users:*` holds `users:read`; a required `users:*` only by itself. */
export function holds(permissions: readonly string[], required: string): boolean {
  if (permissions.includes(required)) {
    return true;
  }
  const [resource, action] = [
    required.slice(0, required.lastIndexOf(':')),
    required.slice(required.lastIndexOf(':') + 1),
  ];
  return action !== '*' && permissions.includes(`${resource}:*`);
}

// ---------------------------------------------------------------------------------------------
// One judge per operation: the shared body rules, the path, and the operation's own rules.

/** createApiKey (POST …/keys): the body rules, the app, `appName` in the body, expiry and metadata. */
export function judgeCreate(
  operation: ContractOperation,
  request: WireRequest,
  appName: string,
  apps: ReadonlySet<string>,
  now: Date,
): Verdict {
  const verdict = judgeBody(operation, request);
  const pathProblems = judgePathParameters(operation, { appName });
  verdict.problems.push(...pathProblems);
  if (pathProblems.length === 0 && !apps.has(appName)) {
    verdict.problems.push({ type: problemType('app-not-found'), reason: `no app ${appName}` });
  }
  if (verdict.body !== undefined) {
    verdict.problems.push(...appNameRule(verdict.body, appName), ...keyFieldRules(verdict.body, now));
  }
  return verdict;
}

/** Where an update is aimed, as the test set it up. */
export type UpdateTarget =
  | 'active'
  | 'in rotation grace period'
  | 'revoked'
  | 'missing'
  | "another app's key"
  | 'id in upper case'
  | 'not a UUID'
  | 'unknown app';

/** updateApiKey (PATCH …/keys/{keyId}): the body rules, expiry and metadata, and the key's state. */
export function judgeUpdate(
  operation: ContractOperation,
  request: WireRequest,
  path: { appName: string; keyId: string },
  target: UpdateTarget,
  now: Date,
): Verdict {
  const verdict = judgeBody(operation, request);
  verdict.problems.push(...judgePathParameters(operation, path));
  if (verdict.body !== undefined) {
    verdict.problems.push(...keyFieldRules(verdict.body, now));
  }
  const keyNotFound = problemType('key-not-found');
  switch (target) {
    case 'revoked':
      verdict.problems.push({ type: problemType('key-revoked'), reason: 'the key is revoked' });
      break;
    case 'missing':
    case "another app's key":
      verdict.problems.push({ type: keyNotFound, reason: `the app has no key ${path.keyId}` });
      break;
    case 'unknown app':
      // KeyNotFound: "or the app does not exist", with the app-not-found example.
      verdict.problems.push(
        { type: problemType('app-not-found'), reason: `no app ${path.appName}` },
        { type: keyNotFound, reason: `no app ${path.appName}` },
      );
      break;
    case 'id in upper case':
      // RFC 9562 §4: UUIDs are case-insensitive on input; the contract does not say either way.
      verdict.ambiguities.push({ type: keyNotFound, reason: 'the key id in upper case' });
      break;
    default:
  }
  return verdict;
}

export type VerificationCode = 'VALID' | 'MALFORMED' | 'NOT_FOUND' | 'EXPIRED' | 'REVOKED' | 'INSUFFICIENT_PERMISSIONS';

/** A key the test holds the secret of, as it stands. */
export interface KnownKey {
  secret: string;
  appSlug: string;
  permissions: readonly string[];
  expiresAt: string | null;
  revokedAt: string | null;
}

/** verifyApiKey (POST …/keys/verify): the body rules, then the verdict code the answer must carry. */
export function judgeVerify(
  operation: ContractOperation,
  request: WireRequest,
  appName: string,
  apps: ReadonlySet<string>,
  keys: readonly KnownKey[],
  now: Date,
): Verdict & { code?: VerificationCode; key?: KnownKey } {
  const verdict: Verdict & { code?: VerificationCode; key?: KnownKey } = judgeBody(operation, request);
  const pathProblems = judgePathParameters(operation, { appName });
  verdict.problems.push(...pathProblems);
  const body = verdict.body;
  if (verdict.problems.length > 0 || !isObject(body) || typeof body.secret !== 'string') {
    return verdict;
  }
  if (!isWellFormedSecret(body.secret)) {
    verdict.code = 'MALFORMED';
    return verdict;
  }
  // "An unknown appName is 404, except for a MALFORMED secret."
  if (pathProblems.length === 0 && !apps.has(appName)) {
    verdict.problems.push({ type: problemType('app-not-found'), reason: `no app ${appName}` });
  }
  const key = keys.find((each) => each.secret === body.secret && each.appSlug === appName);
  if (!key) {
    verdict.code = 'NOT_FOUND';
    return verdict;
  }
  verdict.key = key;
  const at = now.getTime();
  const required = Array.isArray(body.required_permissions) ? (body.required_permissions as string[]) : [];
  if (key.revokedAt !== null && Date.parse(key.revokedAt) <= at) {
    verdict.code = 'REVOKED';
  } else if (key.expiresAt !== null && Date.parse(key.expiresAt) <= at) {
    verdict.code = 'EXPIRED';
  } else {
    verdict.code = required.every((permission) => holds(key.permissions, permission))
      ? 'VALID'
      : 'INSUFFICIENT_PERMISSIONS';
  }
  return verdict;
}

/** A listing's filters, as the contract defines them (status defaults to active). */
export interface ListFilters {
  limit: number;
  status: string;
  environment?: string;
  owner?: string;
}

/**
 * listApiKeys (GET …/keys?…): each query parameter against its schema, read as the contract's
 * serialisation (form style, percent-encoded UTF-8). `cursorOfThisListing` says whether a cursor
 * sent was issued for this very app and these filters.
 */
export function judgeList(
  operation: ContractOperation,
  appName: string,
  apps: ReadonlySet<string>,
  query: readonly [string, string][],
  cursorOfThisListing: boolean,
): Verdict & { filters: ListFilters; cursor?: string } {
  const verdict: Verdict & { filters: ListFilters; cursor?: string } = {
    problems: [],
    ambiguities: [],
    filters: { limit: 0, status: '' },
  };
  const pathProblems = judgePathParameters(operation, { appName });
  verdict.problems.push(...pathProblems);
  const parameters = new Map(
    operation.parameters.filter((each) => each.in === 'query').map((each) => [each.name, each]),
  );
  const values: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const [encodedName, encodedValue] of query) {
    const name = decodeQueryComponent(encodedName).text;
    const { text: value, utf8 } = decodeQueryComponent(encodedValue);
    const parameter = parameters.get(name);
    if (!parameter) {
      verdict.problems.push(invalid(`unknown query parameter ${JSON.stringify(name)}`));
      continue;
    }
    if (seen.has(name)) {
      verdict.problems.push(invalid(`query parameter ${name} repeated`));
    }
    seen.add(name);
    if (!utf8) {
      verdict.ambiguities.push(invalid(`query parameter ${name} is not percent-encoded UTF-8`));
    }
    let typed: unknown = value;
    if (parameter.schema.type === 'integer') {
      if (/^-?(0|[1-9]\d*)$/.test(value)) {
        typed = Number(value);
      } else if (value.trim() !== '' && Number.isFinite(Number(value))) {
        verdict.ambiguities.push(invalid(`${name}=${JSON.stringify(value)} is not the plain spelling of a number`));
        typed = Number(value);
      }
    }
    for (const error of schemaErrors(parameter.schema, typed)) {
      verdict.problems.push(invalid(`query ${name}: ${error.error}`));
    }
    values[name] = typed;
  }
  const defaultOf = (name: string) => parameters.get(name)?.schema.default;
  verdict.filters = {
    limit: (values.limit ?? defaultOf('limit')) as number,
    status: (values.status ?? defaultOf('status')) as string,
    ...(values.environment === undefined ? {} : { environment: values.environment as string }),
    ...(values.owner === undefined ? {} : { owner: values.owner as string }),
  };
  if (typeof values.cursor === 'string' && schemaErrors(parameters.get('cursor')!.schema, values.cursor).length === 0) {
    verdict.cursor = values.cursor;
    if (!cursorOfThisListing) {
      verdict.problems.push(invalid('a cursor not issued for this app and these filters'));
    }
  }
  if (pathProblems.length === 0 && !apps.has(appName)) {
    verdict.problems.push({ type: problemType('app-not-found'), reason: `no app ${appName}` });
  }
  return verdict;
}

/** Percent-decoding to UTF-8; bytes that are not UTF-8 become U+FFFD, and `utf8` says so. */
export function decodeQueryComponent(encoded: string): { text: string; utf8: boolean } {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(encoded.slice(i + 1, i + 3))) {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(encoded[i]!));
    }
  }
  const buffer = Uint8Array.from(bytes);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buffer), utf8: true };
  } catch {
    return { text: new TextDecoder('utf-8').decode(buffer), utf8: false };
  }
}
