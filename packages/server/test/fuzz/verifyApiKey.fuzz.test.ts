import type { ApiKey, ApiKeyWithSecret, VerificationResult } from '@apikeys/types';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../support/lifecycleServer.js';
import { storeKinds } from '../support/stores.js';
import { jsonEqual, judgeVerify, type KnownKey, showJson } from './contractOracle.js';
import { type Answer, checkAnyAnswer, checkRefusal, describeRequest, Findings, printable, send } from './exchange.js';
import { expectsCoverage, FUZZ_SERVER_OPTIONS, fuzzParameters, fuzzRuns, fuzzTimeout } from './fuzzSettings.js';
import {
  bodyEncoding,
  encodeBody,
  JsonMembers,
  pathOf,
  resolveSecret,
  urlAppName,
  verifyApiKey,
  verifyBody,
  wireRequest,
} from './requestArbitraries.js';

// verifyApiKey, fuzzed: generated bodies with the secrets of keys in every state (active,
// revoked, expired, in a rotation grace period, another app's), altered secrets, well-formed
// secrets of no key, and anything else. A body the contract allows is answered 200 with the code
// it prescribes; a refused one is a 4xx problem; neither creates anything; nothing is a 5xx.

const RUNS = fuzzRuns(400);
/** The test moves the clock past some keys' expiry. */
const ELAPSED_MS = 60_000;

const verifyRequest = fc.record({ appName: urlAppName, body: verifyBody, onTheWire: bodyEncoding }).map((spec) => {
  const wireFor = (secrets: readonly string[]) => {
    const { secret, required_permissions, unknown, repeat } = spec.body;
    const members: [string, unknown][] = [];
    if (secret !== undefined) {
      members.push(['secret', resolveSecret(secret, secrets)]);
    }
    if (required_permissions !== undefined) {
      members.push(['required_permissions', required_permissions]);
    }
    members.push(...unknown);
    if (repeat && members.length > 0) {
      members.push(members[0]!);
    }
    return wireRequest(
      verifyApiKey.method,
      pathOf(verifyApiKey.path, { appName: spec.appName }),
      encodeBody(new JsonMembers(members), spec.onTheWire),
    );
  };
  const secretName = spec.body.secret ? JSON.stringify(spec.body.secret) : 'no secret';
  return printable(
    { ...spec, wireFor },
    () =>
      `secret: ${secretName} (key indices: ${KEY_NAMES.map((name, index) => `${index} ${name}`).join(' · ')})\n${describeRequest(wireFor(KEY_NAMES.map((name) => `<secret of ${name}>`)))}`,
  );
});

/** The keys the verifications are about, in this order (a SecretChoice's index picks one). */
const KEY_NAMES = [
  'active',
  'active, no permissions',
  'revoked',
  'expired',
  'in rotation grace period',
  'successor',
  "billing-api's",
] as const;

describe.each(storeKinds)('verifyApiKey fuzz on $kind', ({ open }) => {
  const api = lifecycleServer(open, FUZZ_SERVER_OPTIONS);
  const keys: (KnownKey & { record: ApiKey })[] = [];

  async function call(method: string, target: string, body: unknown): Promise<Answer> {
    return send(api.server.url, {
      method,
      target,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
    });
  }

  async function create(appName: string, body: object) {
    const answer = await call('POST', api.keys(appName), body);
    expect(answer.status, answer.text).toBe(201);
    return answer.json as ApiKeyWithSecret;
  }

  const known = (created: ApiKeyWithSecret, record: ApiKey = created.key) => ({
    secret: created.secret,
    appSlug: record.app_slug,
    permissions: record.permissions,
    expiresAt: record.expires_at,
    revokedAt: record.revoked_at,
    record,
  });

  beforeAll(async () => {
    const active = await create('internal-api', {
      name: 'active',
      permissions: ['users:read', 'users:write', 'billing:*'],
    });
    const bare = await create('internal-api', { name: 'no permissions' });
    const revoked = await create('internal-api', { name: 'revoked', permissions: ['users:*'] });
    const revokedRecord = (await call('POST', api.keyPath('internal-api', revoked.key.id, 'revoke'), {}))
      .json as ApiKey;
    const expiring = await create('internal-api', {
      name: 'expiring',
      permissions: ['users:*'],
      expires_at: new Date(NOW.getTime() + ELAPSED_MS / 2).toISOString(),
    });
    const rotated = await create('internal-api', { name: 'rotated', permissions: ['users:read'] });
    const successor = (
      await call('POST', api.keyPath('internal-api', rotated.key.id, 'rotate'), { grace_period_seconds: 3600 })
    ).json as ApiKeyWithSecret;
    const rotatedRecord = (await call('GET', api.keyPath('internal-api', rotated.key.id), undefined)).json as ApiKey;
    const billing = await create('billing-api', { name: 'billing', permissions: ['users:read'] });
    keys.push(
      known(active),
      known(bare),
      known(revoked, revokedRecord),
      known(expiring),
      known(rotated, rotatedRecord),
      known(successor),
      known(billing),
    );
  });

  /** A 200 with the code the contract prescribes, `key` exactly when it says so, and nothing stored. */
  function checkVerdict(findings: Findings, expected: ReturnType<typeof judgeVerify>, answer: Answer) {
    if (!findings.check(answer.status === 200, `expected 200, got ${answer.status}`)) {
      return;
    }
    findings.check(
      answer.headers.get('cache-control') === 'no-store',
      `Cache-Control is ${answer.headers.get('cache-control')}, not no-store`,
    );
    const verdict = answer.json as VerificationResult;
    findings.check(verdict.code === expected.code, `answered ${verdict.code}, expected ${expected.code}`);
    findings.check(verdict.valid === (verdict.code === 'VALID'), `valid is ${verdict.valid} with ${verdict.code}`);
    const withKey = verdict.code === 'VALID' || verdict.code === 'INSUFFICIENT_PERMISSIONS';
    findings.check(
      withKey === (verdict.key !== undefined),
      `key is ${verdict.key === undefined ? 'missing' : 'present'} with ${verdict.code}`,
    );
    if (withKey && verdict.key && expected.key) {
      const record = keys.find((each) => each.secret === expected.key!.secret)!.record;
      // last_used_at follows valid verifications within two seconds: not compared.
      const { last_used_at: _answered, ...answered } = verdict.key;
      const { last_used_at: _recorded, ...recorded } = { ...record, status: 'active' };
      findings.check(
        jsonEqual(answered, recorded),
        () => `answered the key ${showJson(verdict.key)}, expected ${showJson(recorded)}`,
      );
    }
  }

  it(`answers ${RUNS} generated verifications as the contract says`, { timeout: fuzzTimeout(RUNS) }, async () => {
    api.advance(ELAPSED_MS);
    const now = new Date(NOW.getTime() + ELAPSED_MS);
    const apps = new Set((await api.store.findApps()).map((app) => app.slug));
    const secrets = keys.map((key) => key.secret);
    const seen = { answered: 0, refused: 0, codes: new Set<string>() };
    await fc.assert(
      fc.asyncProperty(verifyRequest, async (spec) => {
        const wire = spec.wireFor(secrets);
        const verdict = judgeVerify(verifyApiKey, wire, spec.appName, apps, keys, now);
        const countBefore = await api.store.countKeys();
        const answer = await send(api.server.url, wire);
        const findings = new Findings();
        checkAnyAnswer(findings, verifyApiKey, answer);
        if (verdict.problems.length === 0 && (answer.status < 400 || verdict.ambiguities.length === 0)) {
          seen.answered++;
          seen.codes.add(String(verdict.code));
          checkVerdict(findings, verdict, answer);
        } else {
          seen.refused++;
          checkRefusal(findings, verdict, answer);
        }
        findings.check((await api.store.countKeys()) === countBefore, 'a verification changed the number of keys');
        findings.throwIfAny(wire, verdict, answer, verdict.code ? `the contract's code: ${verdict.code}` : '');
      }),
      fuzzParameters(RUNS),
    );
    if (expectsCoverage(RUNS)) {
      expect(seen.answered).toBeGreaterThan(RUNS / 10);
      expect(seen.refused).toBeGreaterThan(RUNS / 10);
      expect([...seen.codes].sort()).toEqual([
        'EXPIRED',
        'INSUFFICIENT_PERMISSIONS',
        'MALFORMED',
        'NOT_FOUND',
        'REVOKED',
        'VALID',
      ]);
    }
  });
});
