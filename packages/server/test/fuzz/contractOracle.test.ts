import { describe, expect, it } from 'vitest';
import { NOW } from '../support/lifecycleServer.js';
import {
  contractOperation,
  judgeCreate,
  judgeUpdate,
  limits,
  parseDateTime,
  type WireRequest,
} from './contractOracle.js';

// The fuzz suite is only as good as its oracle: these pin what it decides on hand-written
// requests, from the contract's own examples and the rules its text states.

const createApiKey = contractOperation('createApiKey');
const updateApiKey = contractOperation('updateApiKey');
const apps = new Set(['internal-api']);

const wire = (body: string | Buffer, contentType: string | undefined = 'application/json'): WireRequest => ({
  method: 'POST',
  target: '/',
  headers: contentType === undefined ? {} : { 'content-type': contentType },
  body: Buffer.from(body),
});
const create = (body: unknown, appName = 'internal-api') =>
  judgeCreate(createApiKey, wire(JSON.stringify(body)), appName, apps, NOW);
const allowed = (body: unknown) => create(body).problems.map((problem) => problem.reason);

describe('the fuzz oracle', () => {
  it('reads the limits the contract states', () => {
    expect(limits.bodyBytes % 1024).toBe(0);
    expect(limits.bodyBytes).toBeGreaterThan(limits.metadataBytes);
    expect(Number.isInteger(limits.metadataBytes) && Number.isInteger(limits.metadataDepth)).toBe(true);
    expect(parseDateTime(limits.latestExpiry)).toBeDefined();
  });

  it("allows every named example of the contract's request bodies", () => {
    for (const [operation, judge] of [
      [createApiKey, (body: string) => judgeCreate(createApiKey, wire(body), 'internal-api', apps, NOW)],
      [
        updateApiKey,
        (body: string) =>
          judgeUpdate(
            updateApiKey,
            wire(body),
            { appName: 'internal-api', keyId: '2f6c1d3e-8b4a-4c5d-9e7f-0a1b2c3d4e5f' },
            'active',
            NOW,
          ),
      ],
    ] as const) {
      const examples =
        (
          operation.operation.requestBody?.content['application/json'] as
            | { examples?: Record<string, { value: unknown }> }
            | undefined
        )?.examples ?? {};
      expect(Object.keys(examples).length).toBeGreaterThan(0);
      for (const example of Object.values(examples)) {
        expect(judge(JSON.stringify(example.value)).problems).toEqual([]);
      }
    }
  });

  it('takes date-times exactly as the contract states them', () => {
    const valid = [
      '2026-12-31T23:59:59Z',
      '2026-12-31T23:59:59.5+02:00',
      '2028-02-29T00:00:00z',
      '2030-01-01t00:00:00-23:59',
      '2400-02-29T00:00:00Z',
      '2030-01-01T00:00:00.0000000001Z',
    ];
    const invalid = [
      '2030-02-30T00:00:00Z',
      '2100-02-29T00:00:00Z',
      '2030-01-01T24:00:00Z',
      '2030-01-01T00:00:00+0100',
      '2030-01-01 00:00:00Z',
      '2030-01-01T00:00:00',
      '+010000-01-01T00:00:00Z',
      '2030-01-01T00:00:00+24:00',
      '２０３０-01-01T00:00:00Z',
    ];
    for (const text of valid) {
      expect(parseDateTime(text), text).toBeDefined();
    }
    for (const text of invalid) {
      expect(parseDateTime(text), text).toBeUndefined();
    }
    expect(parseDateTime('2030-06-30T23:59:60Z')?.leapSecond).toBe(true);
  });

  it('applies the expiry rules: in the future, no later than the latest, no leap second', () => {
    expect(allowed({ name: 'a', expires_at: '2026-06-01T12:00:00.001Z' })).toEqual([]);
    expect(allowed({ name: 'a', expires_at: '2026-06-01T12:00:00.0001Z' })).toEqual([]);
    expect(allowed({ name: 'a', expires_at: '2026-06-01T12:00:00Z' })).toEqual([
      'expires_at does not lie in the future',
    ]);
    expect(allowed({ name: 'a', expires_at: '9999-12-31T23:59:59.999Z' })).toEqual([]);
    expect(allowed({ name: 'a', expires_at: '9999-12-31T23:59:59.9991Z' })).toEqual([
      'expires_at is later than 9999-12-31T23:59:59.999Z',
    ]);
    // Year 10000 in UTC, written in year 9999 with an offset.
    expect(allowed({ name: 'a', expires_at: '9999-12-31T23:59:59-00:01' })).toEqual([
      'expires_at is later than 9999-12-31T23:59:59.999Z',
    ]);
    expect(allowed({ name: 'a', expires_at: '2030-06-30T23:59:60Z' })).toEqual(['expires_at is a leap second']);
  });

  it('applies the metadata limits at their edge: bytes of JSON in UTF-8, and levels inside', () => {
    // {"pad":"…"} is 10 bytes around two-byte characters (and an ASCII one for an odd size).
    const padded = (bytes: number) => ({
      pad: 'é'.repeat(Math.floor((bytes - 10) / 2)) + 'a'.repeat((bytes - 10) % 2),
    });
    expect(allowed({ name: 'a', metadata: padded(limits.metadataBytes) })).toEqual([]);
    expect(allowed({ name: 'a', metadata: padded(limits.metadataBytes + 1) })).toEqual([
      `metadata serialises to ${limits.metadataBytes + 1} bytes > ${limits.metadataBytes}`,
    ]);
    const nested = (levels: number): unknown => (levels === 0 ? 1 : [nested(levels - 1)]);
    expect(allowed({ name: 'a', metadata: { a: nested(limits.metadataDepth) } })).toEqual([]);
    expect(allowed({ name: 'a', metadata: { a: nested(limits.metadataDepth + 1) } })).toEqual([
      `metadata nests ${limits.metadataDepth + 1} levels > ${limits.metadataDepth}`,
    ]);
  });

  it('refuses lone surrogates and U+0000 anywhere, names included, and other apps in the body', () => {
    expect(allowed({ name: 'a', metadata: { 'lone\ud800': 1 } })).toEqual([
      '/metadata/lone\ud800 (name) holds a lone surrogate or U+0000',
    ]);
    expect(allowed({ name: 'a\u0000' }).length).toBeGreaterThan(0);
    expect(allowed({ name: 'Schlüssel 🔑', metadata: { emoji: '😀', 'tab\t': '\u007f' } })).toEqual([]);
    expect(allowed({ name: 'a', appName: 'billing-api' })).toEqual([
      'body appName "billing-api" differs from the URL\'s "internal-api"',
    ]);
  });

  it('judges the bytes: UTF-8 JSON of at most 16 KiB, labelled application/json', () => {
    const body = '{"name":"a"}';
    const judge = (bytes: string | Buffer, contentType?: string) =>
      judgeCreate(createApiKey, wire(bytes, contentType), 'internal-api', apps, NOW);
    expect(judge(body + ' '.repeat(limits.bodyBytes - body.length)).problems).toEqual([]);
    expect(
      judge(body + ' '.repeat(limits.bodyBytes + 1 - body.length)).problems.map((problem) => problem.type),
    ).toEqual(['urn:apikeys:problem:payload-too-large']);
    expect(judge(Buffer.from([0x7b, 0xff, 0x7d])).problems.map((problem) => problem.reason)).toEqual([
      'the body is not UTF-8',
    ]);
    expect(judge(Buffer.from(body, 'utf16le'), 'application/json; charset=utf-16le').problems.length).toBeGreaterThan(
      0,
    );
    expect(judge(body, 'text/plain').problems.map((problem) => problem.type)).toEqual([
      'urn:apikeys:problem:unsupported-media-type',
    ]);
    expect(judge(body, 'Application/JSON; charset="UTF-8"').problems).toEqual([]);
    // Left open by RFC 8259: a byte order mark, a repeated name, a number beyond a double.
    for (const open of [`\ufeff${body}`, '{"name":"a","name":"b"}', '{"name":"a","metadata":{"n":1e400}}']) {
      const verdict = judge(open);
      expect(verdict.problems, open).toEqual([]);
      expect(verdict.ambiguities, open).toHaveLength(1);
    }
  });
});
