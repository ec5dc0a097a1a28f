import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';

// A deterministic corpus of requests, valid and invalid, for every operation of the contract,
// made from the contract alone: its paths (so a new operation is covered without touching this
// file), its parameters' schemas and examples, and its request bodies' named examples, which are
// mutated one place at a time. Whether a request is valid is not decided here: the referee test
// sends each to express-openapi-validator and to the server and compares their answers.

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema as the dereferenced contract has it
export type Schema = Record<string, any>;

export const SEED = 20261202;
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'options', 'head', 'trace'] as const;

export interface ContractParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: Schema;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}

export interface ContractOperation {
  operationId: string;
  method: string;
  /** The contract's path template, `/api-auth/apps/{appName}/keys`. */
  path: string;
  parameters: ContractParameter[];
  body?: {
    required: boolean;
    mediaTypes: string[];
    schema: Schema;
    examples: [name: string, value: unknown][];
  };
}

/** Every operation in the contract's `paths`, with the path item's parameters merged into its own. */
export function contractOperations(contract: Schema): ContractOperation[] {
  return Object.entries((contract.paths ?? {}) as Record<string, Schema>).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => {
      const operation = item[method] as Schema;
      if (typeof operation.operationId !== 'string') {
        throw new Error(`${method.toUpperCase()} ${path} has no operationId`);
      }
      const byKey = new Map<string, ContractParameter>();
      for (const parameter of [...(item.parameters ?? []), ...(operation.parameters ?? [])] as ContractParameter[]) {
        byKey.set(`${parameter.in}:${parameter.name}`, { ...parameter, required: parameter.required === true });
      }
      const content = operation.requestBody?.content as Record<string, Schema> | undefined;
      const json = content?.['application/json'];
      return {
        operationId: operation.operationId,
        method: method.toUpperCase(),
        path,
        parameters: [...byKey.values()],
        ...(content && {
          body: {
            required: operation.requestBody.required === true,
            mediaTypes: Object.keys(content),
            schema: (json?.schema ?? {}) as Schema,
            examples: Object.entries((json?.examples ?? {}) as Record<string, { value?: unknown }>).map(
              ([name, example]) => [name, example.value] as [string, unknown],
            ),
          },
        }),
      };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Requests as they go on the wire.

export interface WireRequest {
  method: string;
  /** Path and query string, already percent-encoded as sent. */
  path: string;
  headers: Record<string, string | string[]>;
  body?: string | Buffer;
}

export type Where = 'valid' | 'method' | 'path' | 'query' | 'header' | 'media-type' | 'body';

export interface RefereeCase {
  operationId: string;
  /** What kind of change this case makes to a valid request ('valid' for none). */
  where: Where;
  /** What was done, for people: `body /name: 129 characters`. */
  label: string;
  request: WireRequest;
}

/** A JSON number JSON.stringify cannot write, such as 1e400 (which JSON.parse reads as Infinity). */
class RawNumber {
  constructor(readonly text: string) {}
}

const RAW_MARK = '\u0000raw:';
/** JSON text of a value that may hold RawNumbers. */
export function jsonText(value: unknown): string | undefined {
  const text: string | undefined = JSON.stringify(value, (_key, each) =>
    each instanceof RawNumber ? `${RAW_MARK}${each.text}` : each,
  );
  return text?.replace(/"\\u0000raw:([^"]*)"/g, '$1');
}

// ---------------------------------------------------------------------------------------------
// Values: valid ones found from the schema and checked with Ajv, and the edges around them.

const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: false });
addFormats.default(ajv);
const validators = new WeakMap<Schema, (value: unknown) => boolean>();
/** Whether `value` fits `schema` by plain JSON Schema: the generator's guess, never the verdict. */
function fits(schema: Schema, value: unknown): boolean {
  let validate = validators.get(schema);
  if (!validate) {
    const compiled = ajv.compile(schema);
    validate = (each: unknown) => compiled(each) as boolean;
    validators.set(schema, validate);
  }
  return validate(value);
}

const typesOf = (schema: Schema): string[] =>
  Array.isArray(schema.type) ? schema.type : typeof schema.type === 'string' ? [schema.type] : [];
const mainType = (schema: Schema) => typesOf(schema).find((type) => type !== 'null');

function sample<T>(arbitrary: fc.Arbitrary<T>, runs: number, salt = 0): T[] {
  return fc.sample(arbitrary, { seed: SEED + salt, numRuns: runs });
}

function stringsMatching(pattern: string, runs: number): string[] {
  try {
    return sample(fc.stringMatching(new RegExp(pattern, 'u')), runs);
  } catch {
    return [];
  }
}

/** Valid values for `schema`, the contract's own first (examples, default, enum), then made from its keywords. */
export function validValues(schema: Schema, wanted = 4): unknown[] {
  const candidates: unknown[] = [
    ...('const' in schema ? [schema.const] : []),
    ...(Array.isArray(schema.examples) ? schema.examples : []),
    ...('example' in schema ? [schema.example] : []),
    ...('default' in schema ? [schema.default] : []),
    ...(Array.isArray(schema.enum) ? schema.enum : []),
  ];
  switch (mainType(schema)) {
    case 'string':
      if (schema.format === 'uuid') {
        candidates.push(...sample(fc.uuid({ version: 4 }), wanted));
      } else if (schema.format === 'date-time') {
        candidates.push('2030-06-15T12:30:00Z', '2031-01-02T03:04:05.678+02:00');
      } else if (typeof schema.pattern === 'string') {
        const fitting = stringsMatching(schema.pattern, 60).filter(
          (text) => [...text].length >= (schema.minLength ?? 0) && [...text].length <= (schema.maxLength ?? 64),
        );
        // Plain-looking ones first: they read well in a failure.
        candidates.push(...fitting.sort((a, b) => Number(/^\w+$/.test(b)) - Number(/^\w+$/.test(a))));
      } else {
        candidates.push('a'.repeat(Math.max(1, schema.minLength ?? 1)), 'Some text');
      }
      break;
    case 'integer':
    case 'number': {
      const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0);
      const high = schema.maximum ?? low + 100;
      candidates.push(low, high, Math.floor((low + high) / 2), 1);
      break;
    }
    case 'boolean':
      candidates.push(true, false);
      break;
    case 'array': {
      const item = schema.items ? validValues(schema.items, 1)[0] : 'x';
      candidates.push(...(item === undefined ? [[]] : [[item], []]));
      break;
    }
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const name of (schema.required ?? []) as string[]) {
        const property = schema.properties?.[name];
        value[name] = property ? validValues(property, 1)[0] : 'x';
      }
      candidates.push(value);
      break;
    }
    case undefined:
      if (typesOf(schema).includes('null')) {
        candidates.push(null);
      }
  }
  const seen = new Set<string>();
  return candidates
    .filter((value) => {
      const key = JSON.stringify(value);
      if (value === undefined || seen.has(key) || !fits(schema, value)) {
        return false;
      }
      seen.add(key);
      return true;
    })
    .slice(0, wanted);
}

/** `text` lengthened (with its own last character) or shortened to `length` code points. */
function toLength(text: string, length: number): string {
  const chars = [...(text.length > 0 ? text : 'a')];
  while (chars.length < length) {
    chars.push(chars[chars.length - 1]!);
  }
  return chars.slice(0, length).join('');
}

const DATE_TIMES: [string, string][] = [
  ['2030-06-15T12:30:00Z', 'UTC'],
  ['2030-06-15T12:30:00.123456789+05:30', 'an offset and nanoseconds'],
  ['2030-06-15t12:30:00z', 'lower-case t and z'],
  ['2030-06-15 12:30:00Z', 'a space for T'],
  ['2030-06-15T12:30:00', 'no offset'],
  ['2030-06-15T12:30Z', 'no seconds'],
  ['2030-02-30T12:30:00Z', 'February 30'],
  ['2030-13-01T12:30:00Z', 'month 13'],
  ['2030-06-15T24:00:00Z', 'hour 24'],
  ['2030-06-15T23:59:60Z', 'a leap second'],
  ['2030-06-15T12:30:00+24:00', 'offset +24:00'],
  ['2030-06-15T12:30:00+0200', 'offset without colon'],
  ['2030-06-15', 'a date alone'],
  ['+002030-06-15T12:30:00Z', 'an expanded year'],
  ['２０３０-06-15T12:30:00Z', 'full-width digits'],
  ['yesterday', 'words'],
];

const STRING_EDGES: [(text: string) => string, string][] = [
  [() => '', 'empty'],
  [() => ' ', 'one space'],
  [() => '   ', 'blanks'],
  [(text) => ` ${text}`, 'a leading space'],
  [(text) => `${text}\t`, 'a trailing tab'],
  [(text) => `${text}\n`, 'a trailing newline'],
  [(text) => `${text}\u0000`, 'U+0000'],
  [(text) => `${text}\u007f`, 'U+007F'],
  [(text) => `${text}\u2028`, 'U+2028'],
  [(text) => `é${text}`, 'a leading é'],
  [(text) => `${text}😀`, 'an astral character'],
  [(text) => `${text}\ud800`, 'a lone high surrogate'],
  [(text) => `\udc00${text}`, 'a lone low surrogate'],
  [(text) => text.toUpperCase(), 'upper case'],
  [(text) => `${text}!`, 'a trailing !'],
  [(text) => `-${text}`, 'a leading -'],
];

interface Variant {
  value: unknown;
  label: string;
}

/** Values around a valid `value` of `schema`, valid and not, each with what it is. */
function scalarVariants(schema: Schema, value: unknown): Variant[] {
  const variants: Variant[] = [];
  const add = (each: unknown, label: string) => variants.push({ value: each, label });
  const type = mainType(schema);
  const text = typeof value === 'string' ? value : String(value ?? '');
  if (type === 'string') {
    for (const [edge, label] of STRING_EDGES) {
      add(edge(text), label);
    }
    for (const length of [schema.minLength, schema.maxLength]) {
      if (typeof length === 'number') {
        add(toLength(text, length), `${length} characters`);
        if (length > 0) {
          add(toLength(text, length - 1), `${length - 1} characters`);
        }
        add(toLength(text, length + 1), `${length + 1} characters`);
      }
    }
    if (typeof schema.maxLength === 'number') {
      add(toLength('😀', schema.maxLength), `${schema.maxLength} astral characters`);
    }
    if (schema.format === 'date-time') {
      for (const [each, label] of DATE_TIMES) {
        add(each, `date-time with ${label}`);
      }
    }
    if (schema.format === 'uuid') {
      add(text.toUpperCase(), 'upper-case uuid');
      add(text.replaceAll('-', ''), 'uuid without dashes');
      add(`${text}0`, 'uuid with a digit more');
      add(`{${text}}`, 'uuid in braces');
      add('00000000-0000-0000-0000-000000000000', 'nil uuid');
    }
    if (Array.isArray(schema.enum)) {
      add(`${text}x`, 'not in the enum');
    }
  }
  if (type === 'integer' || type === 'number') {
    const { minimum, maximum } = schema as { minimum?: number; maximum?: number };
    for (const [each, label] of [
      [minimum, 'the minimum'],
      [maximum, 'the maximum'],
      [minimum === undefined ? undefined : minimum - 1, 'below the minimum'],
      [maximum === undefined ? undefined : maximum + 1, 'above the maximum'],
    ] as const) {
      if (each !== undefined) {
        add(each, label);
      }
    }
    add(1.5, 'a fraction');
    add(2 ** 53, '2^53');
    add(new RawNumber('1e400'), '1e400');
    add(new RawNumber('-0'), '-0');
    add(new RawNumber('1.0'), '1.0');
  }
  if (Array.isArray(schema.enum)) {
    for (const each of schema.enum) {
      add(each, `enum value ${JSON.stringify(each)}`);
    }
  }
  // Wrong types, unless the schema takes them.
  for (const [each, label] of [
    [42, 'a number'],
    ['10', 'a numeric string'],
    [true, 'a boolean'],
    [null, 'null'],
    [[], 'an array'],
    [{}, 'an object'],
  ] as const) {
    if (typeof each !== typeof value || Array.isArray(each) || each === null) {
      add(each, label);
    }
  }
  return variants;
}

interface BodyChange {
  /** JSON Pointer of the changed place in the body, `` for the whole body. */
  pointer: string;
  /** The new value there; `undefined` removes it. */
  value: unknown;
  label: string;
}

const pointerSegment = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) {
    value = { [`level${depth - i}`]: value };
  }
  return value;
}

/** Changes at `pointer`, whose schema is `schema` and whose valid value is `value`, and inside it. */
function changesAt(schema: Schema, value: unknown, pointer: string): BodyChange[] {
  const changes: BodyChange[] = [];
  const type = mainType(schema);
  if (type === 'object') {
    const object = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
    const closed = schema.additionalProperties === false;
    changes.push({
      pointer: `${pointer}/unexpected_field`,
      value: 'x',
      label: `an extra property (${closed ? 'closed' : 'open'} object)`,
    });
    changes.push({ pointer: `${pointer}/unexpected_nested`, value: { deeper: { a: 1 } }, label: 'an extra object' });
    if (!closed) {
      changes.push({ pointer: `${pointer}/text`, value: 'x\ud800', label: 'a lone surrogate in an open object' });
      changes.push({ pointer: `${pointer}/text`, value: 'x\u0000', label: 'U+0000 in an open object' });
      changes.push({ pointer: `${pointer}/a\u0000b`, value: 1, label: 'U+0000 in a name in an open object' });
      changes.push({ pointer: `${pointer}/n`, value: new RawNumber('1e400'), label: '1e400 in an open object' });
    }
    for (const name of (schema.required ?? []) as string[]) {
      changes.push({
        pointer: `${pointer}/${pointerSegment(name)}`,
        value: undefined,
        label: 'a required property missing',
      });
    }
    if (typeof schema.minProperties === 'number') {
      changes.push({ pointer, value: {}, label: 'no properties' });
    }
    if (typeof schema.maxProperties === 'number' && !closed) {
      for (const count of [schema.maxProperties, schema.maxProperties + 1]) {
        changes.push({
          pointer,
          value: Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i])),
          label: `${count} properties`,
        });
      }
    }
    const maxDepth = schema['x-max-depth'];
    if (typeof maxDepth === 'number') {
      changes.push({
        pointer,
        value: { deep: nested(maxDepth - 1) },
        label: `${maxDepth} levels inside (x-max-depth)`,
      });
      changes.push({
        pointer,
        value: { deep: nested(maxDepth) },
        label: `${maxDepth + 1} levels inside (x-max-depth)`,
      });
    }
    const maxBytes = schema['x-max-serialized-bytes'];
    if (typeof maxBytes === 'number') {
      for (const size of [maxBytes, maxBytes + 1]) {
        changes.push({
          pointer,
          value: { k: 'x'.repeat(size - 8) },
          label: `${size} bytes as JSON (x-max-serialized-bytes)`,
        });
      }
    }
    for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
      const at = `${pointer}/${pointerSegment(name)}`;
      const current = name in object ? object[name] : validValues(property, 1)[0];
      if (!(name in object) && current !== undefined) {
        changes.push({ pointer: at, value: current, label: 'an optional property set' });
      }
      const inside = changesAt(property, current, at);
      // Inside a property the example lacks, a change starts from the property's valid value, so
      // that it is the one thing wrong (not also every required member of a parent made empty).
      const fromValid = !(name in object) && current !== null && typeof current === 'object';
      changes.push(
        ...(fromValid
          ? inside.map((change) =>
              change.pointer === at
                ? change
                : {
                    pointer: at,
                    value: withChange(current, { ...change, pointer: change.pointer.slice(at.length) }),
                    label: `${change.pointer.slice(at.length)}: ${change.label}`,
                  },
            )
          : inside),
      );
    }
    for (const [each, label] of [
      [[], 'an array'],
      ['text', 'a string'],
      [1, 'a number'],
      [null, 'null'],
    ] as const) {
      if (!typesOf(schema).includes(each === null ? 'null' : typeof each)) {
        changes.push({ pointer, value: each, label: `${label} for an object` });
      }
    }
    return changes;
  }
  if (type === 'array') {
    const items = (schema.items ?? {}) as Schema;
    const item = Array.isArray(value) && value.length > 0 ? value[0] : validValues(items, 1)[0];
    changes.push({ pointer, value: [], label: 'an empty array' });
    if (item !== undefined) {
      if (schema.uniqueItems) {
        changes.push({ pointer, value: [item, item], label: 'a duplicate item' });
      }
      if (typeof schema.maxItems === 'number') {
        const distinct = [
          ...new Set([
            ...validValues(items, schema.maxItems + 1),
            ...(typeof items.pattern === 'string' ? stringsMatching(items.pattern, schema.maxItems * 4) : []),
          ]),
        ].filter((each) => fits(items, each));
        for (const count of [schema.maxItems, schema.maxItems + 1]) {
          if (distinct.length >= count) {
            changes.push({ pointer, value: distinct.slice(0, count), label: `${count} items` });
          }
        }
      }
      for (const change of changesAt(items, item, `${pointer}/0`)) {
        if (change.pointer === `${pointer}/0` && change.value !== undefined) {
          changes.push({ pointer, value: [change.value], label: `an item: ${change.label}` });
        }
      }
    }
    for (const [each, label] of [
      ['text', 'a string'],
      [{}, 'an object'],
      [null, 'null'],
    ] as const) {
      changes.push({ pointer, value: each, label: `${label} for an array` });
    }
    return changes;
  }
  return scalarVariants(schema, value).map(({ value: each, label }) => ({ pointer, value: each, label }));
}

function withChange(body: unknown, { pointer, value }: BodyChange): unknown {
  if (pointer === '') {
    return value;
  }
  const copy = structuredClone(body) as Record<string, unknown>;
  const segments = pointer
    .split('/')
    .slice(1)
    .map((each) => each.replaceAll('~1', '/').replaceAll('~0', '~'));
  let place: Record<string, unknown> = copy;
  for (const segment of segments.slice(0, -1)) {
    if (place[segment] === null || typeof place[segment] !== 'object') {
      place[segment] = {};
    }
    place = place[segment] as Record<string, unknown>;
  }
  const last = segments[segments.length - 1]!;
  if (value === undefined) {
    delete place[last];
  } else {
    place[last] = value;
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Parameters on the wire.

const encodeQuery = (pairs: [string, string][]) =>
  pairs.length === 0
    ? ''
    : `?${pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&')}`;

/** What Node's HTTP client lets through in a header value (it throws on the rest). */
const SENDABLE_HEADER = /^[\t\x20-\x7e\x80-\xff]*$/;

/** A parameter value as text; none for a value no URL or header can carry (an object, a lone surrogate). */
function wireString(value: unknown): string | undefined {
  if (typeof value === 'string' && /\p{Cs}/u.test(value)) {
    return undefined;
  }
  if (value instanceof RawNumber) {
    return value.text;
  }
  if (value === null || typeof value === 'object') {
    return undefined;
  }
  return String(value);
}

/** A valid value of a parameter, as a string: its example, else one made from its schema. */
function parameterValue(operation: ContractOperation, parameter: ContractParameter): string | undefined {
  const examples = [
    ...('example' in parameter ? [parameter.example] : []),
    ...Object.values(parameter.examples ?? {}).map((example) => example.value),
  ].filter((value) => fits(parameter.schema, value));
  const value = [...examples, ...validValues(parameter.schema, 1)][0];
  if (value === undefined && parameter.required) {
    throw new Error(
      `${operation.operationId}: the corpus cannot make a valid value for its required ${parameter.in} parameter ` +
        `'${parameter.name}' (give it an example)`,
    );
  }
  return value === undefined ? undefined : String(value);
}

/**
 * `value` with its start replaced by `tag` where the schema still takes it: a header value unique to
 * one case, which stays unique when a variant lengthens or shortens it from its end.
 */
function unique(schema: Schema, value: string, tag: string): string {
  const candidate = value.length > tag.length ? tag + value.slice(tag.length) : tag + value;
  return fits(schema, candidate) ? candidate : value;
}

// ---------------------------------------------------------------------------------------------
// The corpus.

/** Every operation's cases; throws naming an operation for which no valid request can be made. */
export function buildCorpus(contract: Schema, token: string): RefereeCase[] {
  const operations = contractOperations(contract);
  let counter = 0;
  const cases: RefereeCase[] = [];
  for (const operation of operations) {
    const { operationId } = operation;
    const byPlace = (where: ContractParameter['in']) => operation.parameters.filter((each) => each.in === where);
    const pathValues = new Map(byPlace('path').map((each) => [each.name, parameterValue(operation, each)!]));
    const requiredQuery = byPlace('query')
      .filter((each) => each.required)
      .map((each): [string, string] => [each.name, parameterValue(operation, each)!]);
    const headerParameters = byPlace('header');
    if (byPlace('cookie').length > 0) {
      throw new Error(`${operationId}: the corpus does not make cookie parameters`);
    }
    const body = operation.body;
    if (body && !body.mediaTypes.some((type) => type.toLowerCase() === 'application/json')) {
      throw new Error(
        `${operationId}: the corpus makes only application/json bodies, not ${body.mediaTypes.join(', ')}`,
      );
    }
    const examples = body?.examples.filter(([, value]) => value !== undefined) ?? [];
    // Required or not: the valid requests with a body start from an example.
    if (body && examples.length === 0) {
      throw new Error(`${operationId}: its request body has no named example to start valid requests from`);
    }
    const baseBody = examples[0]?.[1];

    const pathOf = (values: Map<string, string>, encode = true) =>
      operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        const value = values.get(name) ?? '';
        return encode ? encodeURIComponent(value) : value;
      });

    interface Parts {
      path?: string;
      query?: [string, string][];
      rawQuery?: string;
      headers?: Record<string, string | string[]>;
      body?: unknown;
      rawBody?: string | Buffer;
      method?: string;
      noBody?: boolean;
    }
    const add = (where: Where, label: string, parts: Parts = {}) => {
      counter += 1;
      const headers: Record<string, string | string[]> = { authorization: `Bearer ${token}` };
      for (const parameter of headerParameters.filter((each) => each.required)) {
        const value = parameterValue(operation, parameter)!;
        headers[parameter.name.toLowerCase()] = unique(parameter.schema, value, `c${counter}`);
      }
      const hasBody =
        !parts.noBody &&
        (parts.rawBody !== undefined || 'body' in parts || (body !== undefined && baseBody !== undefined));
      const payload = parts.rawBody ?? jsonText('body' in parts ? parts.body : baseBody);
      if (hasBody && payload !== undefined) {
        headers['content-type'] = 'application/json';
      }
      Object.assign(headers, parts.headers);
      for (const [name, value] of Object.entries(headers)) {
        if (value === undefined) {
          delete headers[name];
        }
      }
      const query = parts.rawQuery ?? encodeQuery([...requiredQuery, ...(parts.query ?? [])]);
      cases.push({
        operationId,
        where,
        label,
        request: {
          method: parts.method ?? operation.method,
          path: `${parts.path ?? pathOf(pathValues)}${query}`,
          headers,
          ...(hasBody && payload !== undefined ? { body: payload } : {}),
        },
      });
    };

    // Valid requests: each named example, and the bare one.
    if (examples.length > 0) {
      for (const [name, value] of examples) {
        add('valid', `the named example ${name}`, { body: value });
      }
    } else {
      add('valid', 'the plain request');
    }

    // Another method at the path, and the path with a trailing slash.
    const declared = new Set(
      operations.filter((each) => each.path === operation.path).map((each) => each.method.toUpperCase()),
    );
    const other = ['PUT', 'DELETE', 'PATCH', 'POST', 'GET'].find((method) => !declared.has(method));
    if (other) {
      add('method', `${other} instead of ${operation.method}`, { method: other });
    }
    add('path', 'a trailing slash', { path: `${pathOf(pathValues)}/` });

    // Path parameters.
    for (const parameter of byPlace('path')) {
      const valid = pathValues.get(parameter.name)!;
      const set = (value: string, encode = true) =>
        encode
          ? pathOf(new Map([...pathValues, [parameter.name, value]]))
          : pathOf(
              new Map([
                ...[...pathValues].map(([name, each]) => [name, encodeURIComponent(each)] as [string, string]),
                [parameter.name, value],
              ]),
              false,
            );
      for (const variant of scalarVariants(parameter.schema, valid)) {
        const text = wireString(variant.value);
        if (text !== undefined && text !== '') {
          add('path', `path ${parameter.name}: ${variant.label}`, { path: set(text) });
        }
      }
      add('path', `path ${parameter.name}: every character percent-encoded`, {
        path: set(
          [...Buffer.from(valid)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
          false,
        ),
      });
      add('path', `path ${parameter.name}: bad percent-encoding`, { path: set(`${valid}%ZZ`, false) });
      add('path', `path ${parameter.name}: an encoded slash`, { path: set(`${valid}%2Fx`, false) });
    }

    // Query parameters.
    const queryParameters = byPlace('query');
    add('query', 'an unknown query parameter', { query: [['unknown_param', '1']] });
    add('query', 'an unknown query parameter without a value', { rawQuery: '?unknown_param' });
    for (const parameter of queryParameters) {
      const { name } = parameter;
      const valid = parameterValue(operation, parameter);
      for (const each of validValues(parameter.schema, 6)) {
        add('query', `query ${name}: ${JSON.stringify(each)}`, { query: [[name, String(each)]] });
      }
      if ('default' in parameter.schema) {
        add('query', `query ${name}: its default`, { query: [[name, String(parameter.schema.default)]] });
      }
      if (valid === undefined) {
        continue;
      }
      for (const variant of scalarVariants(
        parameter.schema,
        parameter.schema.type === 'string' ? valid : Number(valid),
      )) {
        const text = wireString(variant.value);
        if (text !== undefined) {
          add('query', `query ${name}: ${variant.label}`, { query: [[name, text]] });
        }
      }
      add('query', `query ${name}: empty`, { rawQuery: `?${name}=` });
      add('query', `query ${name}: no '='`, { rawQuery: `?${name}` });
      add('query', `query ${name}: twice`, {
        query: [
          [name, valid],
          [name, valid],
        ],
      });
      add('query', `query ${name}: as name[]`, { rawQuery: `?${name}[]=${encodeURIComponent(valid)}` });
      add('query', `query ${name}: upper-case name`, { query: [[name.toUpperCase(), valid]] });
      add('query', `query ${name}: bad percent-encoding`, { rawQuery: `?${name}=%ZZ` });
    }

    // Declared headers.
    for (const parameter of headerParameters) {
      const header = parameter.name.toLowerCase();
      const valid = parameterValue(operation, parameter);
      if (valid === undefined) {
        continue;
      }
      // Each variant is made from a valid value unique to its case, so that no two cases share an
      // Idempotency-Key (Node trims a leading space, which would make two of them the same key).
      const variantsOf = (base: string): Variant[] => [
        { value: base, label: 'valid' },
        ...scalarVariants(parameter.schema, base),
      ];
      const count = variantsOf(valid).length;
      for (let i = 0; i < count; i++) {
        const variant = variantsOf(unique(parameter.schema, valid, `h${counter}`))[i]!;
        const text = wireString(variant.value);
        if (text === undefined || !SENDABLE_HEADER.test(text)) {
          continue;
        }
        add('header', `header ${parameter.name}: ${variant.label}`, { headers: { [header]: text } });
      }
      add('header', `header ${parameter.name}: sent twice`, {
        headers: {
          [header]: [unique(parameter.schema, valid, `a${counter}`), unique(parameter.schema, valid, `b${counter}`)],
        },
      });
    }

    if (!body) {
      add('media-type', 'a JSON body on an operation without one', { rawBody: '{"a":1}' });
      add('media-type', 'a text body on an operation without one', {
        rawBody: 'hello',
        headers: { 'content-type': 'text/plain' },
      });
      continue;
    }

    // Media types.
    for (const [type, label] of [
      [undefined, 'no Content-Type'],
      ['text/plain', 'text/plain'],
      ['application/json; charset=utf-8', 'with charset=utf-8'],
      ['application/json;charset=UTF-8', 'with charset=UTF-8'],
      ['APPLICATION/JSON', 'upper case'],
      ['application/json; charset=utf-16le', 'with charset=utf-16le'],
      ['application/json; charset=latin1', 'with charset=latin1'],
      ['application/merge-patch+json', 'application/merge-patch+json'],
      ['application/x-www-form-urlencoded', 'a form'],
      ['application/jsonx', 'application/jsonx'],
      ['application/*', 'a wildcard'],
    ] as const) {
      add('media-type', `Content-Type: ${label}`, { headers: { 'content-type': type as string } });
    }

    // Whole bodies.
    const exampleText = jsonText(baseBody) ?? '{}';
    for (const [raw, label] of [
      ['', 'an empty body'],
      ['{', 'malformed JSON'],
      ['{"a":1,}', 'a trailing comma'],
      ['null', 'JSON null'],
      ['[]', 'an array'],
      ['"text"', 'a string'],
      ['1', 'a number'],
      [`\ufeff${exampleText}`, 'the example after a byte order mark'],
      [`${exampleText}${' '.repeat(20_000)}`, 'the example padded with whitespace past 16 KiB'],
      [`${exampleText}${' '.repeat(110_000)}`, 'the example padded with whitespace past 100 KiB'],
      [
        `${exampleText.slice(0, -1)}${exampleText.length > 2 ? ',' : ''}"unexpected_field":1,"unexpected_field":2}`,
        'a repeated extra member',
      ],
    ] as const) {
      add('body', `body: ${label}`, { rawBody: raw });
    }
    // Bytes that are not UTF-8 at the start of the first string value (or of the first name).
    const stringStart = exampleText.includes('":"') ? exampleText.indexOf('":"') + 3 : exampleText.indexOf('"') + 1;
    add('body', 'body: not UTF-8 inside a string', {
      rawBody: Buffer.concat([
        Buffer.from(exampleText.slice(0, stringStart)),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(exampleText.slice(stringStart)),
      ]),
    });
    if (!body.required) {
      add('body', 'body: none at all', { noBody: true });
    }

    // Changes inside the body, one place at a time, from the first named example.
    for (const change of changesAt(body.schema, baseBody, '')) {
      add('body', `body ${change.pointer || '(whole)'}: ${change.label}`, { body: withChange(baseBody, change) });
    }
  }
  return cases;
}
