import fc from 'fast-check';
import { NOW } from '../support/lifecycleServer.js';
import { contractOperation, limits, secretChecksum, type WireRequest } from './contractOracle.js';

// Generators of requests, valid and invalid, that reach the edges the contract draws: lengths at
// and one past each limit (counted in code points, astral characters included), control
// characters, U+0000, lone surrogates, duplicates and array limits, metadata at its byte and depth
// limits, impossible and far-future date-times, wrong types, unknown fields, and bodies that are
// not UTF-8, not JSON, too large or not labelled as JSON. Which of them is valid is not decided
// here: the oracle (contractOracle.ts) decides from the request alone.

// ---------------------------------------------------------------------------------------------
// JSON as it goes on the wire.

/** A JSON text fragment sent as it is: numbers JSON.stringify never writes (1e400, -0, 1.0). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object as an ordered list of members, so that `__proto__` is a plain member and a name may repeat. */
export class JsonMembers {
  constructor(readonly members: [string, unknown][]) {}
}

export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) {
    return value.text;
  }
  if (value instanceof JsonMembers) {
    return `{${value.members.map(([name, member]) => `${JSON.stringify(name)}:${toJsonText(member)}`).join(',')}}`;
  }
  if (Array.isArray(value)) {
    return `[${value.map(toJsonText).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    return toJsonText(new JsonMembers(Object.entries(value)));
  }
  // JSON.stringify writes a lone surrogate as a \ud800 escape, and NaN or Infinity as null.
  return JSON.stringify(value) ?? 'null';
}

// ---------------------------------------------------------------------------------------------
// Text.

const PLAIN = [...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 -_.:'];
/** One code point each: controls, U+0000, lone surrogates, astral characters, invisible ones. */
const EDGE_CODE_POINTS = [
  '\u0000',
  '\u0001',
  '\t',
  '\n',
  '\r',
  '\u001f',
  ' ',
  '\u007f',
  '\u0080',
  '\u009f',
  '\u00a0',
  '\u00ad',
  'é',
  '\u0301',
  '\u2028',
  '\u2029',
  '\u200b',
  '\u3000',
  '\ufeff',
  '\ufffd',
  '\ufffe',
  '\uffff',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '😀',
  '🔑',
  '\u{10ffff}',
  '\u{e0001}',
  '鍵',
  '"',
  '\\',
  '/',
  '~',
  '%',
  '<',
];

export const codePoint: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...PLAIN) },
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_CODE_POINTS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

/** `length` code points: one character repeated, with a few others at the end. */
const ofLength = (lengths: number[]) =>
  fc
    .tuple(
      fc.constantFrom(...lengths),
      fc.constantFrom('a', 'é', '鍵', '😀', ' '),
      fc.array(codePoint, { maxLength: 2 }),
    )
    .map(([length, fill, tail]) => fill.repeat(Math.max(0, length - tail.length)) + tail.join(''));

/** Any text: short ones of any code points, empty, and exactly at, below and one past `maxLength`. */
export function text(maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(codePoint, { minLength: 1, maxLength: 16 }).map((points) => points.join('')) },
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 2, arbitrary: ofLength([maxLength - 1, maxLength, maxLength + 1]) },
  );
}

/** Values of every JSON type, for fields of another type. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.array(fc.string({ maxLength: 3 }), { minLength: 1, maxLength: 2 }),
  fc.constant({}),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { minKeys: 1, maxKeys: 2 }),
);

/** Present in about `percent`% of cases; absent (undefined) shrinks first. */
export const optional = <T>(arbitrary: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 100 - percent, arbitrary: fc.constant(undefined) }, { weight: percent, arbitrary });

const nullable = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 5, arbitrary });

// ---------------------------------------------------------------------------------------------
// Fields.

const NAME_CHARS = [...'abcxyzABC-_.0129éü鍵😀🔑'];
/** A name of ordinary characters, never blank. */
export const plainName = fc
  .tuple(fc.constantFrom(...NAME_CHARS), fc.array(fc.constantFrom(...NAME_CHARS, ' '), { maxLength: 24 }))
  .map(([first, rest]) => first + rest.join(''));

/** name, owner: 1-128 characters, not blank, no control characters. */
export const displayText: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: plainName },
  { weight: 3, arbitrary: text(128) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      ' ',
      '\u00a0',
      '\u3000',
      '\u2028',
      ' x ',
      'tab\there',
      'x\u007f',
      'x\u0085',
      'e\u0301',
      '\ufeff',
    ),
  },
  { weight: 1, arbitrary: wrongType },
);

const PERMISSION_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCZ0129_.-'];
const permissionPart = fc.string({ unit: fc.constantFrom(...PERMISSION_CHARS), minLength: 1, maxLength: 8 });
export const validPermission = fc
  .tuple(permissionPart, fc.oneof(permissionPart, fc.constant('*')))
  .map(([resource, action]) => `${resource}:${action}`);
const permissionOfLength = (length: number) => `${'r'.repeat(length - 5)}:read`;
const permission: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: validPermission },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      permissionOfLength(128),
      permissionOfLength(129),
      'users',
      'users:',
      ':read',
      'users:read:all',
      'users:**',
      '*:read',
      'users:re*d',
      'users :read',
      'üsers:read',
      'users:read\n',
      '\nusers:read',
      'users:read\u0000',
      'users:\ud800',
      '',
    ),
  },
  { weight: 1, arbitrary: text(16) },
  { weight: 1, arbitrary: wrongType },
);

/** 99-101 distinct permissions of 8 or 128 characters, the last one possibly a duplicate. */
const manyPermissions = fc
  .tuple(fc.constantFrom(99, 100, 101), fc.constantFrom(8, 128), fc.boolean())
  .map(([count, length, duplicate]) => {
    const list = Array.from({ length: count }, (_, index) => `${String(index).padStart(length - 5, 'p')}:read`);
    if (duplicate) {
      list[count - 1] = list[0]!;
    }
    return list;
  });

export const permissions: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.uniqueArray(validPermission, { maxLength: 5 }) },
  { weight: 3, arbitrary: fc.array(permission, { maxLength: 5 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.uniqueArray(validPermission, { minLength: 1, maxLength: 4 }), fc.nat())
      .map(([list, index]) => [...list, list[index % list.length]]),
  },
  { weight: 1, arbitrary: manyPermissions },
  { weight: 1, arbitrary: wrongType },
);

const memberName = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 8 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      '',
      ' ',
      '$ref',
      'a/b~c',
      'ключ',
      '🔑',
      'nul\u0000',
      'lone\ud800',
      '\udc00',
      '\u2028',
    ),
  },
  { weight: 1, arbitrary: text(8) },
);
const rawNumber = fc.constantFrom(
  '-0',
  '1.0',
  '1E2',
  '1e-400',
  '0.1e1',
  '123456789012345678901234567890',
  '4.9e-324',
  '1.7976931348623157e308',
  '1e400',
  '-1e400',
);
const metadataValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 2, stringUnit: 'grapheme' }) },
  { weight: 2, arbitrary: text(24) },
  { weight: 1, arbitrary: rawNumber.map((number) => new RawJson(number)) },
);
const metadataMembers = fc
  .uniqueArray(fc.tuple(memberName, metadataValue), { selector: ([name]) => name, maxLength: 5 })
  .map((members) => new JsonMembers(members));

/** Objects and arrays nested around the depth limit (levels counted inside metadata, as the contract does). */
const deepMetadata = fc
  .tuple(
    fc.integer({ min: limits.metadataDepth - 1, max: limits.metadataDepth + 2 }),
    fc.array(fc.boolean(), { minLength: limits.metadataDepth + 2, maxLength: limits.metadataDepth + 2 }),
  )
  .map(([levels, asArray]) => {
    let value: unknown = 1;
    for (let level = 0; level < levels; level++) {
      value = asArray[level] ? [value] : new JsonMembers([['k', value]]);
    }
    return new JsonMembers([['deep', value]]);
  });
/** Thousands of levels, which a recursive check would not survive. */
const veryDeepMetadata = fc
  .constantFrom(1000, 5000)
  .map((levels) => new JsonMembers([['deep', new RawJson(`${'['.repeat(levels)}${']'.repeat(levels)}`)]]));

/** Metadata serialising to exactly `bytes` bytes of JSON, padded with 1- to 4-byte characters. */
const sizedMetadata = fc
  .tuple(
    fc.integer({ min: limits.metadataBytes - 2, max: limits.metadataBytes + 2 }),
    fc.constantFrom('a', 'é', '鍵', '😀'),
  )
  .map(([bytes, fill]) => {
    const room = bytes - Buffer.byteLength('{"pad":""}');
    const width = Buffer.byteLength(fill);
    return new JsonMembers([['pad', fill.repeat(Math.floor(room / width)) + 'a'.repeat(room % width)]]);
  });

const manyMembers = fc
  .constantFrom(49, 50, 51)
  .map(
    (count) => new JsonMembers(Array.from({ length: count }, (_, index) => [`k${index}`, index] as [string, unknown])),
  );

export const metadata: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: metadataMembers },
  { weight: 1, arbitrary: deepMetadata },
  { weight: 1, arbitrary: sizedMetadata },
  { weight: 1, arbitrary: manyMembers },
  { weight: 1, arbitrary: fc.oneof(wrongType, veryDeepMetadata) },
);

export const environment: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,31}$/) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'production',
      'staging',
      'e'.repeat(32),
      'e'.repeat(33),
      'Production',
      '-prod',
      '_prod',
      'prod\n',
      'prod ',
      ' prod',
      'prød',
      '',
      'prod\u0000',
    ),
  },
  { weight: 1, arbitrary: text(33) },
  { weight: 1, arbitrary: wrongType },
);

// ---------------------------------------------------------------------------------------------
// Date-times: instants next to the server's clock and to the latest storable expiry, written in
// any offset and precision, and impossible ones.

const NOW_MS = NOW.getTime();
const LATEST_MS = Date.parse(limits.latestExpiry);
const DAY_MS = 86_400_000;
const MAX_OFFSET = 23 * 60 + 59;

interface DateTimeParts {
  year: string;
  month: string;
  day: string;
  separator: string;
  hour: string;
  minute: string;
  second: string;
  fraction: string;
  zone: string;
}

const MUTATIONS: [string, (parts: DateTimeParts) => void][] = [
  ['30 February', (p) => Object.assign(p, { month: '02', day: '30' })],
  ['29 February 2100', (p) => Object.assign(p, { year: '2100', month: '02', day: '29' })],
  ['29 February 2400', (p) => Object.assign(p, { year: '2400', month: '02', day: '29' })],
  ['29 February 2028', (p) => Object.assign(p, { year: '2028', month: '02', day: '29' })],
  ['31 April', (p) => Object.assign(p, { month: '04', day: '31' })],
  ['month 13', (p) => Object.assign(p, { month: '13' })],
  ['month 00', (p) => Object.assign(p, { month: '00' })],
  ['day 00', (p) => Object.assign(p, { day: '00' })],
  ['day 32', (p) => Object.assign(p, { day: '32' })],
  ['24:00', (p) => Object.assign(p, { hour: '24', minute: '00', second: '00' })],
  ['hour 25', (p) => Object.assign(p, { hour: '25' })],
  ['minute 60', (p) => Object.assign(p, { minute: '60' })],
  ['leap second', (p) => Object.assign(p, { second: '60' })],
  [
    'leap second at 23:59 UTC',
    (p) =>
      Object.assign(p, { year: '2030', month: '06', day: '30', hour: '23', minute: '59', second: '60', zone: 'Z' }),
  ],
  ['second 61', (p) => Object.assign(p, { second: '61' })],
  ['offset +0100', (p) => Object.assign(p, { zone: '+0100' })],
  ['offset +01', (p) => Object.assign(p, { zone: '+01' })],
  ['offset +1:00', (p) => Object.assign(p, { zone: '+1:00' })],
  ['offset +24:00', (p) => Object.assign(p, { zone: '+24:00' })],
  ['offset -00:60', (p) => Object.assign(p, { zone: '-00:60' })],
  ['no offset', (p) => Object.assign(p, { zone: '' })],
  ['zone UTC', (p) => Object.assign(p, { zone: 'UTC' })],
  ['space before Z', (p) => Object.assign(p, { zone: ' Z' })],
  ['space separator', (p) => Object.assign(p, { separator: ' ' })],
  ['underscore separator', (p) => Object.assign(p, { separator: '_' })],
  ['empty fraction', (p) => Object.assign(p, { fraction: '.' })],
  ['comma fraction', (p) => Object.assign(p, { fraction: ',5' })],
  ['year 10000', (p) => Object.assign(p, { year: '10000' })],
  ['year +010000', (p) => Object.assign(p, { year: '+010000' })],
  ['year 0000', (p) => Object.assign(p, { year: '0000' })],
  ['three-digit year', (p) => Object.assign(p, { year: '999' })],
  ['full-width digits', (p) => Object.assign(p, { year: '２０３０' })],
  ['one-digit month', (p) => Object.assign(p, { month: '1' })],
  ['trailing space', (p) => Object.assign(p, { zone: `${p.zone} ` })],
  ['trailing newline', (p) => Object.assign(p, { zone: `${p.zone}\n` })],
  ['leading space', (p) => Object.assign(p, { year: ` ${p.year}` })],
];

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

const dateTime = fc
  .record({
    instant: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: -3, max: 3 }).map((delta) => NOW_MS + delta) },
      { weight: 3, arbitrary: fc.integer({ min: -3, max: 3 }).map((delta) => LATEST_MS + delta) },
      { weight: 2, arbitrary: fc.integer({ min: -DAY_MS, max: DAY_MS }).map((delta) => NOW_MS + delta) },
      { weight: 4, arbitrary: fc.integer({ min: NOW_MS, max: LATEST_MS }) },
      { weight: 1, arbitrary: fc.integer({ min: Date.parse('0000-01-01T00:00:00Z'), max: NOW_MS }) },
      { weight: 1, arbitrary: fc.integer({ min: LATEST_MS - 2 * DAY_MS, max: LATEST_MS + 2 * DAY_MS }) },
    ),
    offset: fc.oneof(
      { weight: 4, arbitrary: fc.constant(0) },
      { weight: 2, arbitrary: fc.integer({ min: -MAX_OFFSET, max: MAX_OFFSET }) },
      { weight: 1, arbitrary: fc.constantFrom(-MAX_OFFSET, MAX_OFFSET, -1, 1) },
    ),
    zero: fc.constantFrom('Z', 'Z', 'z', '+00:00', '-00:00'),
    separator: fc.constantFrom('T', 'T', 'T', 't'),
    /** Digits past the millisecond. */
    extra: fc.oneof(
      { weight: 4, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constantFrom('0', '000', '0001', '5', '9', '999999', '000000000001') },
    ),
    wholeSeconds: fc.boolean(),
    mutation: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(...MUTATIONS) },
    ),
  })
  .map(({ instant, offset, zero, separator, extra, wholeSeconds, mutation }) => {
    const local = new Date(instant + offset * 60_000);
    const year = local.getUTCFullYear();
    const milliseconds = local.getUTCMilliseconds();
    const absolute = Math.abs(offset);
    const parts: DateTimeParts = {
      year: year >= 0 && year <= 9999 ? pad(year, 4) : String(year),
      month: pad(local.getUTCMonth() + 1),
      day: pad(local.getUTCDate()),
      separator,
      hour: pad(local.getUTCHours()),
      minute: pad(local.getUTCMinutes()),
      second: pad(local.getUTCSeconds()),
      fraction: wholeSeconds && milliseconds === 0 && extra === '' ? '' : `.${pad(milliseconds, 3)}${extra}`,
      zone: offset === 0 ? zero : `${offset < 0 ? '-' : '+'}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`,
    };
    mutation?.[1](parts);
    const { month, day, hour, minute, second, fraction, zone } = parts;
    return `${parts.year}-${month}-${day}${parts.separator}${hour}:${minute}:${second}${fraction}${zone}`;
  });

export const expiresAt: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: dateTime },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '9999-12-31T23:59:59-23:59',
      '2030-02-30T00:00:00Z',
      '2100-02-29T00:00:00Z',
      '2030-01-01T24:00:00Z',
      '2030-01-01T00:00:00+0100',
      '+010000-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59.9991Z',
      '10000-01-01T00:00:00Z',
      '2030-01-01',
      '2030-01-01T00:00:00',
      '',
      'tomorrow',
      '1893456000000',
      'P1D',
    ),
  },
  { weight: 1, arbitrary: text(30) },
  { weight: 1, arbitrary: fc.oneof(wrongType, fc.integer({ min: NOW_MS, max: LATEST_MS })) },
);

// ---------------------------------------------------------------------------------------------
// Bodies.

export const APP_NAMES = ['internal-api', 'billing-api'] as const;
const ODD_APP_NAMES = [
  'no-such-app',
  'a'.repeat(63),
  'a'.repeat(64),
  'Internal-API',
  'internal-api-',
  'internal_api',
  '-x',
  'é',
  'internal-api ',
  '',
];

/** An app slug for the URL: mostly the two apps that exist. */
export const urlAppName = fc.oneof(
  { weight: 16, arbitrary: fc.constant('internal-api') },
  { weight: 3, arbitrary: fc.constant('billing-api') },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_APP_NAMES) },
);

const bodyAppName: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...APP_NAMES) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_APP_NAMES) },
  { weight: 1, arbitrary: wrongType },
);

const unknownMembers = fc.oneof(
  { weight: 12, arbitrary: fc.constant([] as [string, unknown][]) },
  {
    weight: 1,
    arbitrary: fc.array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            'organization_id',
            'workspace_id',
            'organization_membership_id',
            'workspace_membership_id',
            'user_id',
            'app_slug',
            'Name',
            'id',
            'secret',
            'status',
            'created_at',
            '__proto__',
            'constructor',
            'name ',
            'expiresAt',
            '',
          ),
          fc.string({ maxLength: 8 }),
        ),
        fc.jsonValue({ maxDepth: 1 }),
      ),
      { minLength: 1, maxLength: 2 },
    ),
  },
);

/** The members of a body, the fields the contract names first, then unknown ones, maybe a repeated one. */
function bodyMembers(fields: Record<string, unknown>, unknown: [string, unknown][], repeat: boolean): JsonMembers {
  const members = Object.entries(fields).filter(([, value]) => value !== undefined) as [string, unknown][];
  members.push(...unknown);
  if (repeat && members.length > 0) {
    members.push(members[0]!);
  }
  return new JsonMembers(members);
}

const repeatMember = fc.oneof(
  { weight: 30, arbitrary: fc.constant(false) },
  { weight: 1, arbitrary: fc.constant(true) },
);

export const createBody = fc
  .record({
    fields: fc.record({
      name: optional(displayText, 96),
      permissions: optional(permissions, 40),
      metadata: optional(metadata, 40),
      owner: optional(displayText, 30),
      environment: optional(environment, 30),
      expires_at: optional(expiresAt, 35),
      appName: optional(bodyAppName, 15),
    }),
    unknown: unknownMembers,
    repeat: repeatMember,
  })
  .map(({ fields, unknown, repeat }) => bodyMembers(fields, unknown, repeat));

export const updateBody = fc
  .record({
    fields: fc.record({
      name: optional(displayText, 30),
      permissions: optional(permissions, 30),
      metadata: optional(metadata, 30),
      owner: optional(nullable(displayText), 30),
      environment: optional(nullable(environment), 30),
      expires_at: optional(nullable(expiresAt), 30),
    }),
    unknown: unknownMembers,
    repeat: repeatMember,
  })
  .map(({ fields, unknown, repeat }) => bodyMembers(fields, unknown, repeat));

/** Fields of a key that any server must accept: the starting point of an update. */
export const validKeyFields = fc.record(
  {
    name: plainName,
    permissions: fc.uniqueArray(validPermission, { maxLength: 3 }),
    metadata: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 6 }),
      fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()),
    ),
    owner: plainName,
    environment: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,31}$/),
    expires_at: fc
      .integer({ min: NOW_MS + DAY_MS, max: NOW_MS + 3650 * DAY_MS })
      .map((ms) => new Date(ms).toISOString()),
  },
  { requiredKeys: ['name'] },
);

// ---------------------------------------------------------------------------------------------
// From a JSON value to the bytes and headers sent.

type Encoding =
  | { kind: 'json' }
  | { kind: 'padded'; delta: number; blank: string; before: boolean }
  | { kind: 'bom' }
  | { kind: 'truncated'; at: number }
  | { kind: 'appended'; suffix: string }
  | { kind: 'not UTF-8'; at: number; bytes: readonly number[] }
  | { kind: 'raw control character'; at: number; char: string }
  | { kind: 'UTF-16'; label: string | undefined }
  | { kind: 'random bytes'; bytes: Uint8Array }
  | { kind: 'other text'; text: string };

const position = fc.double({ min: 0, max: 1, noNaN: true });

const encoding: fc.Arbitrary<Encoding> = fc.oneof(
  { weight: 60, arbitrary: fc.constant({ kind: 'json' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('padded' as const),
      delta: fc.integer({ min: -1, max: 1 }),
      blank: fc.constantFrom(' ', '\n', '\t', '\r'),
      before: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'bom' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncated' as const), at: position }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('appended' as const),
      suffix: fc.constantFrom('}', ',', 'x', ' null', '\u0000', '{}', ' '),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('not UTF-8' as const),
      at: position,
      bytes: fc.constantFrom(
        [0xff],
        [0xfe],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xed, 0xbf, 0xbf],
        [0xf4, 0x90, 0x80, 0x80],
        [0xe2, 0x82],
        [0x80],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('raw control character' as const),
      at: position,
      char: fc.constantFrom('\u0000', '\u0001', '\t', '\n', '\u001f', '\u007f'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('UTF-16' as const),
      label: fc.constantFrom('utf-16le', 'utf-16', undefined),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('random bytes' as const), bytes: fc.uint8Array({ maxLength: 48 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('other text' as const),
      text: fc.constantFrom(
        'null',
        '[]',
        '"name"',
        '1',
        'true',
        '',
        ' ',
        '{',
        '{"name":"x"',
        '[{"name":"x"}]',
        'name=x',
      ),
    }),
  },
);

const contentType = fc.oneof(
  { weight: 40, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
      'Application/JSON',
      'application/json; charset="utf-8"',
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'application/merge-patch+json',
      'application/json-patch+json',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'multipart/form-data; boundary=x',
      '*/*',
      'application/*',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

export interface BodyOnTheWire {
  body: Buffer;
  contentType: string | undefined;
}

export const bodyEncoding = fc.record({ encoding, contentType });

export function encodeBody(
  value: unknown,
  { encoding, contentType }: { encoding: Encoding; contentType: string | undefined },
): BodyOnTheWire {
  const json = toJsonText(value);
  const at = (fraction: number, length: number) => Math.min(length, Math.floor(fraction * (length + 1)));
  switch (encoding.kind) {
    case 'json':
      return { body: Buffer.from(json), contentType };
    case 'padded': {
      const room = Math.max(0, limits.bodyBytes + encoding.delta - Buffer.byteLength(json));
      const padding = encoding.blank.repeat(room);
      return { body: Buffer.from(encoding.before ? padding + json : json + padding), contentType };
    }
    case 'bom':
      return { body: Buffer.from(`\ufeff${json}`), contentType };
    case 'truncated':
      return { body: Buffer.from(json.slice(0, Math.max(0, at(encoding.at, json.length) - 1))), contentType };
    case 'appended':
      return { body: Buffer.from(json + encoding.suffix), contentType };
    case 'not UTF-8': {
      const bytes = Buffer.from(json);
      const cut = at(encoding.at, bytes.length);
      return {
        body: Buffer.concat([bytes.subarray(0, cut), Buffer.from(encoding.bytes), bytes.subarray(cut)]),
        contentType,
      };
    }
    case 'raw control character': {
      const cut = at(encoding.at, json.length);
      return { body: Buffer.from(json.slice(0, cut) + encoding.char + json.slice(cut)), contentType };
    }
    case 'UTF-16':
      return {
        body: Buffer.from(json, 'utf16le'),
        contentType: encoding.label === undefined ? contentType : `application/json; charset=${encoding.label}`,
      };
    case 'random bytes':
      return { body: Buffer.from(encoding.bytes), contentType };
    case 'other text':
      return { body: Buffer.from(encoding.text), contentType };
  }
}

// ---------------------------------------------------------------------------------------------
// Requests.

export const createApiKey = contractOperation('createApiKey');
export const updateApiKey = contractOperation('updateApiKey');
export const verifyApiKey = contractOperation('verifyApiKey');
export const listApiKeys = contractOperation('listApiKeys');

/** The contract's path with its parameters filled in, each percent-encoded. */
export function pathOf(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));
}

export function wireRequest(method: string, target: string, onTheWire?: BodyOnTheWire): WireRequest {
  return {
    method,
    target,
    headers: onTheWire?.contentType === undefined ? {} : { 'content-type': onTheWire.contentType },
    ...(onTheWire ? { body: onTheWire.body } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// verifyApiKey: secrets, well-formed or not, that the test resolves against its own keys.

export type SecretChoice =
  | { kind: 'key'; index: number }
  | { kind: 'altered key'; index: number; at: number; char: string }
  | { kind: 'well-formed'; prefix: string; random: string }
  | { kind: 'value'; value: unknown };

const BASE62_CHARS = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'];

export const secretChoice: fc.Arbitrary<SecretChoice> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('key' as const), index: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('altered key' as const),
      index: fc.nat(),
      at: fc.nat(),
      char: fc.oneof(fc.constantFrom(...BASE62_CHARS), codePoint),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('well-formed' as const),
      prefix: fc.constantFrom('sk', 'bill', 'zz9', 'a'.repeat(16)),
      random: fc.string({ unit: fc.constantFrom(...BASE62_CHARS), minLength: 43, maxLength: 43 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('value' as const),
      value: fc.oneof(text(512), fc.constantFrom('', 'sk_', 'sk_x', `SK_${'a'.repeat(49)}`)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('value' as const), value: wrongType }) },
);

export function resolveSecret(choice: SecretChoice, secrets: readonly string[]): unknown {
  switch (choice.kind) {
    case 'key':
      return secrets[choice.index % secrets.length];
    case 'altered key': {
      const points = [...secrets[choice.index % secrets.length]!];
      points[choice.at % points.length] = choice.char;
      return points.join('');
    }
    case 'well-formed': {
      const body = `${choice.prefix}_${choice.random}`;
      return body + secretChecksum(body);
    }
    case 'value':
      return choice.value;
  }
}

/** Permissions a verification may require, related to the test's keys, and some invalid ones. */
export const requiredPermissions: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.array(
      fc.constantFrom('users:read', 'users:write', 'users:*', 'billing:read', 'billing:*', 'admin:all', 'Users:read'),
      { maxLength: 4 },
    ),
  },
  { weight: 2, arbitrary: fc.array(permission, { maxLength: 4 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(99, 100, 101).map((count) => Array.from({ length: count }, () => 'users:read')),
  },
  { weight: 1, arbitrary: wrongType },
);

export const verifyBody = fc.record({
  secret: optional(secretChoice, 95),
  required_permissions: optional(requiredPermissions, 50),
  unknown: unknownMembers,
  repeat: repeatMember,
});

// ---------------------------------------------------------------------------------------------
// listApiKeys: query strings.

export type QueryValue = string | { cursor: 'of this listing' | 'of another listing' };

const queryText = fc.oneof(
  { weight: 4, arbitrary: plainName },
  { weight: 2, arbitrary: text(129) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', 'team-a', 'Équipe 🔑', '\u0000', 'a\u0000b', 'x'.repeat(128), 'x'.repeat(129)),
  },
);

const queryParameter: fc.Arbitrary<[string, QueryValue]> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constant('limit'),
      fc.oneof(
        fc.integer({ min: 1, max: 100 }).map(String),
        fc.constantFrom(
          '0',
          '1',
          '100',
          '101',
          '-1',
          '',
          'abc',
          '01',
          '1.0',
          '1.5',
          '1e1',
          ' 5',
          '5 ',
          '0x10',
          '２',
          '9007199254740993',
        ),
      ),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constant('status'),
      fc.constantFrom('active', 'revoked', 'expired', 'all', 'ALL', '', 'Active', 'deleted'),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constant('environment'),
      fc.oneof(
        fc.constantFrom('production', 'staging', 'e'.repeat(32), 'e'.repeat(33)),
        environment.filter((value): value is string => typeof value === 'string'),
      ),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constant('owner'),
      fc.oneof(fc.constantFrom('team-a', 'Équipe 🔑', 'x'.repeat(128)), queryText),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.constant('cursor'),
      fc.oneof(
        fc.constantFrom({ cursor: 'of this listing' as const }, { cursor: 'of another listing' as const }),
        fc.constantFrom(
          'a.b',
          'x',
          '',
          'a.b.c',
          `${'a'.repeat(300)}.${'b'.repeat(211)}`,
          `${'a'.repeat(300)}.${'b'.repeat(212)}`,
        ),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,40}\.[A-Za-z0-9_-]{1,40}$/),
      ),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom('Limit', 'page', 'owner[]', 'app_slug', 'q', ''),
      fc.constantFrom('1', 'x', ''),
    ),
  },
);

export const listQuery = fc.array(queryParameter, { maxLength: 4 });

/** Percent-encodes a query value as UTF-8, reserved characters included; a lone surrogate as the bytes a careless encoder would write. */
export function encodeQueryComponent(value: string): string {
  let out = '';
  for (const char of value) {
    const unit = char.charCodeAt(0);
    const bytes =
      unit >= 0xd800 && unit <= 0xdfff && char.length === 1
        ? Buffer.from([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)])
        : Buffer.from(char);
    out += /^[A-Za-z0-9_.~-]$/.test(char)
      ? char
      : [...bytes].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}
