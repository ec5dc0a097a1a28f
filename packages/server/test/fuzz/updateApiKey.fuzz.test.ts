import type { ApiKey, ApiKeyWithSecret } from '@apikeys/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../support/lifecycleServer.js';
import { storeKinds } from '../support/stores.js';
import {
  answeredExpiries,
  jsonEqual,
  judgeUpdate,
  showJson,
  type UpdateTarget,
  type Verdict,
} from './contractOracle.js';
import { type Answer, checkAnyAnswer, checkRefusal, describeRequest, Findings, printable, send } from './exchange.js';
import { expectsCoverage, FUZZ_SERVER_OPTIONS, fuzzParameters, fuzzRuns, fuzzTimeout } from './fuzzSettings.js';
import {
  bodyEncoding,
  encodeBody,
  pathOf,
  toJsonText,
  updateApiKey,
  updateBody,
  validKeyFields,
  wireRequest,
} from './requestArbitraries.js';

// updateApiKey, fuzzed: each run creates a key (from valid fields), puts it in a state (active,
// in a rotation grace period, revoked, …), then sends a generated PATCH body to it. A body the
// contract allows changes exactly the fields sent and is stored as answered; a refused one
// changes nothing; nothing is ever a 5xx.

const RUNS = fuzzRuns(300);

const target: fc.Arbitrary<UpdateTarget> = fc.oneof(
  { weight: 14, arbitrary: fc.constant('active' as const) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<UpdateTarget>(
      'in rotation grace period',
      'revoked',
      'missing',
      "another app's key",
      'id in upper case',
      'not a UUID',
      'unknown app',
    ),
  },
);

const updateRequest = fc
  .record({
    initial: validKeyFields,
    target,
    missingId: fc.uuid({ version: 4 }),
    body: updateBody,
    onTheWire: bodyEncoding,
  })
  .map((spec) => {
    const wire = (appName: string, keyId: string) =>
      wireRequest(
        updateApiKey.method,
        pathOf(updateApiKey.path, { appName, keyId }),
        encodeBody(spec.body, spec.onTheWire),
      );
    return printable(
      { ...spec, wireFor: wire },
      () =>
        `a key created with ${toJsonText(spec.initial)}, ${spec.target}, then\n${describeRequest(wire('internal-api', '{keyId}')).replace('%7BkeyId%7D', '{keyId}')}`,
    );
  });

describe.each(storeKinds)('updateApiKey fuzz on $kind', ({ open }) => {
  const api = lifecycleServer(open, FUZZ_SERVER_OPTIONS);

  async function call(method: string, target: string, body?: unknown): Promise<Answer> {
    return send(api.server.url, {
      method,
      target,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
    });
  }

  /** The key the update is aimed at, in the state the run asked for; where the PATCH goes. */
  async function prepare(spec: { initial: object; target: UpdateTarget; missingId: string }) {
    const owningApp = spec.target === "another app's key" ? 'billing-api' : 'internal-api';
    const created = await call('POST', api.keys(owningApp), spec.initial);
    expect(created.status, created.text).toBe(201);
    const { key } = created.json as ApiKeyWithSecret;
    if (spec.target === 'in rotation grace period') {
      expect(
        (await call('POST', api.keyPath(owningApp, key.id, 'rotate'), { grace_period_seconds: 3600 })).status,
      ).toBe(201);
    }
    if (spec.target === 'revoked') {
      expect((await call('POST', api.keyPath(owningApp, key.id, 'revoke'), { reason: 'fuzz' })).status).toBe(200);
    }
    const path = {
      appName: spec.target === 'unknown app' ? 'no-such-app' : 'internal-api',
      keyId:
        { missing: spec.missingId, 'id in upper case': key.id.toUpperCase(), 'not a UUID': `${key.id}0` }[
          spec.target as string
        ] ?? key.id,
    };
    return { owningApp, id: key.id, path };
  }

  /** A 200 whose record is the old one with exactly the fields sent changed, stored and read back as answered. */
  async function checkUpdated(
    findings: Findings,
    verdict: Verdict,
    answer: Answer,
    before: Omit<ApiKey, 'status'>,
    owningApp: string,
  ) {
    if (!findings.check(answer.status === 200, `expected 200, got ${answer.status}`)) {
      return;
    }
    const key = answer.json as ApiKey;
    const sent = verdict.body as Record<string, unknown>;
    const expected: Record<string, unknown> = { ...before, status: 'active' };
    for (const field of ['name', 'permissions', 'metadata', 'owner', 'environment'] as const) {
      if (field in sent) {
        expected[field] = sent[field];
      }
    }
    for (const [field, value] of Object.entries(expected)) {
      const answered = (key as unknown as Record<string, unknown>)[field];
      if (field === 'expires_at' && 'expires_at' in sent) {
        continue;
      }
      findings.check(
        jsonEqual(answered, value),
        () => `answered ${field} ${showJson(answered)}, expected ${showJson(value)}`,
      );
    }
    if ('expires_at' in sent) {
      const expiries: (string | null)[] =
        sent.expires_at === null ? [null] : answeredExpiries(sent.expires_at as string);
      findings.check(
        expiries.includes(key.expires_at),
        () =>
          `answered expires_at ${JSON.stringify(key.expires_at)} for ${JSON.stringify(sent.expires_at)}, expected ${expiries.join(' or ')}`,
      );
    }
    findings.check(
      Object.keys(key).length === Object.keys(expected).length,
      () => `answered the fields ${Object.keys(key).join(', ')}`,
    );
    const { status: _status, ...record } = key;
    const stored = await api.store.findKey(owningApp, before.id);
    findings.check(jsonEqual(stored, record), () => `stored ${showJson(stored)}\nanswered ${showJson(record)}`);
    const readBack = await call('GET', api.keyPath(owningApp, before.id));
    findings.check(
      readBack.status === 200 && jsonEqual(readBack.json, key),
      () => `getApiKey answered ${readBack.status} ${readBack.text}`,
    );
  }

  it(`answers ${RUNS} generated updates as the contract says`, { timeout: fuzzTimeout(RUNS) }, async () => {
    const seen = { updated: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(updateRequest, async (spec) => {
        const { owningApp, id, path } = await prepare(spec);
        const wire = spec.wireFor(path.appName, path.keyId);
        const verdict = judgeUpdate(updateApiKey, wire, path, spec.target, NOW);
        const before = (await api.store.findKey(owningApp, id))!;
        const countBefore = await api.store.countKeys();
        const answer = await send(api.server.url, wire);
        const findings = new Findings();
        checkAnyAnswer(findings, updateApiKey, answer);
        if (verdict.problems.length === 0 && (answer.status < 400 || verdict.ambiguities.length === 0)) {
          seen.updated++;
          await checkUpdated(findings, verdict, answer, before, owningApp);
        } else {
          seen.refused++;
          checkRefusal(findings, verdict, answer);
          const after = await api.store.findKey(owningApp, id);
          findings.check(
            jsonEqual(after, before),
            () => `a refused update changed the key\nfrom ${showJson(before)}\nto   ${showJson(after)}`,
          );
        }
        findings.check((await api.store.countKeys()) === countBefore, 'an update changed the number of keys');
        findings.throwIfAny(
          wire,
          verdict,
          answer,
          `the key ${id} of ${owningApp}, ${spec.target}, was ${showJson(before)}`,
        );
      }),
      fuzzParameters(RUNS),
    );
    if (expectsCoverage(RUNS)) {
      expect(seen.updated).toBeGreaterThan(RUNS / 10);
      expect(seen.refused).toBeGreaterThan(RUNS / 10);
    }
  });
});
