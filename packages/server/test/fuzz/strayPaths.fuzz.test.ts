import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../support/lifecycleServer.js';
import { storeKinds } from '../support/stores.js';
import { contract, problemType, type Verdict, type WireRequest } from './contractOracle.js';
import { checkRefusal, describeRequest, Findings, printable, send } from './exchange.js';
import { FUZZ_SERVER_OPTIONS, fuzzParameters, fuzzRuns, fuzzTimeout } from './fuzzSettings.js';
import { bodyEncoding, createBody, encodeBody, wireRequest } from './requestArbitraries.js';

// Requests for what the contract does not have, fuzzed: paths near the contract's (a letter's
// case changed, a segment added, dropped or doubled, another prefix) and methods a path lacks,
// each with a generated body, good or bad (malformed JSON, bytes that are not UTF-8, a lone
// surrogate, too large). The answer depends on the path and method alone, decided before the
// body is read: 404 for no such path, 405 with the path's Allow for a method it lacks; never a
// 400 about the body, never a 5xx, and nothing is created.

const RUNS = fuzzRuns(400);
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The contract's templates with their methods, as the oracle reads them (not the server's table):
 * concrete paths before templated ones, as OpenAPI matches them (fewer parameters first).
 */
const templates = Object.entries(contract.paths)
  .map(([path, item]) => ({
    segments: path.split('/'),
    parameters: path.split('{').length - 1,
    methods: METHODS.filter((method) => method !== 'HEAD' && item[method.toLowerCase()] !== undefined),
  }))
  .sort((a, b) => a.parameters - b.parameters);

/** The template a path falls under (one trailing slash allowed), if any. */
function templateOf(path: string) {
  const segments = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/');
  return templates.find(
    (template) =>
      template.segments.length === segments.length &&
      template.segments.every((part, i) => (/^\{\w+\}$/.test(part) ? segments[i] !== '' : part === segments[i])),
  );
}

/** A value for every `{parameter}`: the path's shape is what matters here, not the values' formats. */
const filled = (segments: readonly string[]) =>
  segments.map((part) => (/^\{\w+\}$/.test(part) ? 'internal-api' : part));

const nearbyPath: fc.Arbitrary<string> = fc
  .record({
    template: fc.constantFrom(...templates),
    change: fc.oneof(
      fc.record({ kind: fc.constant('case' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('added' as const),
        at: fc.nat(),
        segment: fc.constantFrom('x', 'Keys', 'keys', 'v2', 'apps', 'revoke', 'internal-api', '%2F'),
      }),
      fc.record({ kind: fc.constant('dropped' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('doubled slash' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('prefix' as const), prefix: fc.constantFrom('/api-auth-v2', '/API-AUTH', '/v1') }),
      fc.record({ kind: fc.constant('as is' as const) }),
    ),
  })
  .map(({ template, change }) => {
    const segments = filled(template.segments);
    const at = 'at' in change ? 1 + (change.at % (segments.length - 1)) : 0;
    switch (change.kind) {
      case 'case':
        segments[at] = segments[at]!.replace(/[a-z]/, (letter) => letter.toUpperCase());
        break;
      case 'added':
        segments.splice(at + 1, 0, change.segment);
        break;
      case 'dropped':
        segments.splice(at, 1);
        break;
      case 'doubled slash':
        segments.splice(at, 0, '');
        break;
      case 'prefix':
        segments.splice(1, 1, change.prefix.slice(1));
        break;
      case 'as is':
        break;
    }
    return segments.join('/');
  });

const strayBody = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(createBody, bodyEncoding).map(([body, onTheWire]) => encodeBody(body, onTheWire)) },
  // The case the issue found: a lone surrogate, which the body parser would refuse as 400.
  { weight: 1, arbitrary: fc.constant({ body: Buffer.from('{"name":"\\ud800"}'), contentType: 'application/json' }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

interface Expected {
  status: 404 | 405;
  verdict: Verdict;
  /** For a 405: the methods the path has, as `Allow` lists them. */
  allow?: string[];
}

/** What the contract says the answer is, or undefined for a request it serves (not fuzzed here). */
function expected(method: string, path: string): Expected | undefined {
  const template = templateOf(path);
  if (!template) {
    return {
      status: 404,
      verdict: { problems: [{ type: problemType('not-found'), reason: 'no such path' }], ambiguities: [] },
    };
  }
  const served = method === 'HEAD' ? 'GET' : method;
  if ((template.methods as readonly string[]).includes(served)) {
    return undefined;
  }
  const allow = template.methods.flatMap((each) => (each === 'GET' ? ['GET', 'HEAD'] : [each]));
  return {
    status: 405,
    verdict: {
      problems: [{ type: problemType('method-not-allowed'), reason: `the path has no ${method}` }],
      ambiguities: [],
    },
    allow: [...allow, 'OPTIONS'],
  };
}

const strayRequest = fc
  .record({ method: fc.constantFrom(...METHODS), path: nearbyPath, body: strayBody })
  .map(({ method, path, body }) => {
    const wire: WireRequest = wireRequest(method, path, method === 'GET' || method === 'HEAD' ? undefined : body);
    return printable({ wire, expected: expected(method, path) }, () => describeRequest(wire));
  })
  .filter(({ expected }) => expected !== undefined);

describe.each(storeKinds)('requests outside the contract, fuzzed, on $kind', ({ open }) => {
  const api = lifecycleServer(open, FUZZ_SERVER_OPTIONS);

  it(`answers ${RUNS} of them from the path and method alone, whatever the body`, {
    timeout: fuzzTimeout(RUNS),
  }, async () => {
    const seen = { 404: 0, 405: 0 };
    // What a stray write could have made: keys, apps, service tokens.
    const counts = async () => [
      await api.store.countKeys(),
      (await api.store.findApps()).length,
      (await api.store.allServiceTokens()).length,
    ];
    const before = await counts();
    await fc.assert(
      fc.asyncProperty(strayRequest, async ({ wire, expected }) => {
        const answer = await send(api.server.url, wire);
        const findings = new Findings();
        const want = expected!;
        seen[want.status]++;
        findings.check(answer.status === want.status, `expected ${want.status}, got ${answer.status}`);
        // A HEAD answer has no body to name its problem.
        if (wire.method !== 'HEAD') {
          checkRefusal(findings, want.verdict, answer);
        }
        if (want.allow) {
          const allow = (answer.headers.get('allow') ?? '').split(', ').sort();
          findings.check(
            JSON.stringify(allow) === JSON.stringify([...want.allow].sort()),
            () => `Allow is ${answer.headers.get('allow')}, expected ${want.allow!.join(', ')}`,
          );
        }
        findings.throwIfAny(wire, want.verdict, answer);
      }),
      fuzzParameters(RUNS),
    );
    expect(await counts()).toEqual(before);
    // Both kinds were reached, so that neither half of the rule goes untested.
    expect(seen[404]).toBeGreaterThan(RUNS / 10);
    expect(seen[405]).toBeGreaterThan(RUNS / 20);
  });
});
