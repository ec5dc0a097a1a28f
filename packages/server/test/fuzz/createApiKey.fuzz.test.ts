import type { ApiKeyWithSecret } from '@apikeys/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../support/lifecycleServer.js';
import { storeKinds } from '../support/stores.js';
import {
  answeredExpiries,
  isWellFormedSecret,
  jsonEqual,
  judgeCreate,
  showJson,
  type Verdict,
} from './contractOracle.js';
import { type Answer, checkAnyAnswer, checkRefusal, describeRequest, Findings, printable, send } from './exchange.js';
import { expectsCoverage, FUZZ_SERVER_OPTIONS, fuzzParameters, fuzzRuns, fuzzTimeout } from './fuzzSettings.js';
import {
  bodyEncoding,
  createApiKey,
  createBody,
  encodeBody,
  pathOf,
  urlAppName,
  wireRequest,
} from './requestArbitraries.js';

// createApiKey, fuzzed: generated bodies (valid, invalid and not JSON at all) sent over HTTP to
// the real server on each store. What the contract allows is decided by the oracle; a request it
// allows is answered 201 with exactly what was sent, and stored as answered; one it refuses is a
// 4xx problem of the contract's types that creates nothing; nothing is ever a 5xx.

const RUNS = fuzzRuns(800);

const createRequest = fc
  .record({ appName: urlAppName, body: createBody, onTheWire: bodyEncoding })
  .map(({ appName, body, onTheWire }) => {
    const wire = wireRequest(createApiKey.method, pathOf(createApiKey.path, { appName }), encodeBody(body, onTheWire));
    return printable({ appName, wire }, () => describeRequest(wire));
  });

describe.each(storeKinds)('createApiKey fuzz on $kind', ({ open }) => {
  const api = lifecycleServer(open, FUZZ_SERVER_OPTIONS);

  /** A 201 that carries what was sent, stored and read back (the store, getApiKey) exactly as answered. */
  async function checkCreated(
    findings: Findings,
    verdict: Verdict,
    answer: Answer,
    appName: string,
    keyPrefix: string,
    countBefore: number,
  ) {
    if (!findings.check(answer.status === 201, `expected 201, got ${answer.status}`)) {
      return;
    }
    findings.check(
      answer.headers.get('cache-control') === 'no-store',
      `Cache-Control is ${answer.headers.get('cache-control')}, not no-store`,
    );
    findings.check(
      /^application\/json(;|$)/.test(answer.headers.get('content-type') ?? ''),
      'the answer is not application/json',
    );
    const { key, secret } = answer.json as ApiKeyWithSecret;
    const sent = verdict.body as Record<string, unknown>;
    const expected: Record<string, unknown> = {
      app_slug: appName,
      key_prefix: keyPrefix,
      name: sent.name,
      permissions: sent.permissions ?? [],
      metadata: sent.metadata ?? {},
      owner: sent.owner ?? null,
      environment: sent.environment ?? null,
      created_at: NOW.toISOString(),
      status: 'active',
      revoked_at: null,
      revocation_reason: null,
      last_used_at: null,
      rotated_from: null,
      rotated_to: null,
    };
    for (const [field, value] of Object.entries(expected)) {
      const answered = (key as unknown as Record<string, unknown>)[field];
      findings.check(
        jsonEqual(answered, value),
        () => `answered ${field} ${showJson(answered)}, expected ${showJson(value)}`,
      );
    }
    const expiries: (string | null)[] =
      sent.expires_at === undefined ? [null] : answeredExpiries(sent.expires_at as string);
    findings.check(
      expiries.includes(key.expires_at),
      () =>
        `answered expires_at ${JSON.stringify(key.expires_at)} for ${JSON.stringify(sent.expires_at)}, expected ${expiries.join(' or ')}`,
    );
    findings.check(
      secret.startsWith(`${keyPrefix}_`) && isWellFormedSecret(secret),
      `the secret ${secret} is not a well-formed secret of prefix ${keyPrefix}`,
    );
    findings.check(key.key_suffix === secret.slice(-4), `key_suffix ${key.key_suffix} is not the end of the secret`);

    const { status: _status, ...record } = key;
    const stored = await api.store.findKey(appName, key.id);
    findings.check(jsonEqual(stored, record), () => `stored ${showJson(stored)}\nanswered ${showJson(record)}`);
    const readBack = await send(api.server.url, { method: 'GET', target: api.keyPath(appName, key.id), headers: {} });
    findings.check(
      readBack.status === 200 && jsonEqual(readBack.json, key),
      () => `getApiKey answered ${readBack.status} ${readBack.text}`,
    );
    const countAfter = await api.store.countKeys();
    findings.check(countAfter === countBefore + 1, `${countAfter - countBefore} keys were created`);
  }

  it(`answers ${RUNS} generated requests as the contract says`, { timeout: fuzzTimeout(RUNS) }, async () => {
    const apps = new Map((await api.store.findApps()).map((app) => [app.slug, app.keyPrefix]));
    const seen = { created: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(createRequest, async ({ appName, wire }) => {
        const verdict = judgeCreate(createApiKey, wire, appName, new Set(apps.keys()), NOW);
        const countBefore = await api.store.countKeys();
        const answer = await send(api.server.url, wire);
        const findings = new Findings();
        checkAnyAnswer(findings, createApiKey, answer);
        const mustSucceed = verdict.problems.length === 0 && (answer.status < 400 || verdict.ambiguities.length === 0);
        if (mustSucceed) {
          seen.created++;
          await checkCreated(findings, verdict, answer, appName, apps.get(appName) ?? '', countBefore);
        } else {
          seen.refused++;
          checkRefusal(findings, verdict, answer);
          const countAfter = await api.store.countKeys();
          findings.check(countAfter === countBefore, `a refused request created ${countAfter - countBefore} keys`);
        }
        findings.throwIfAny(wire, verdict, answer);
      }),
      fuzzParameters(RUNS),
    );
    // Both kinds were reached: an oracle that refuses (or allows) everything would prove nothing.
    if (expectsCoverage(RUNS)) {
      expect(seen.created).toBeGreaterThan(RUNS / 10);
      expect(seen.refused).toBeGreaterThan(RUNS / 10);
    }
  });
});
