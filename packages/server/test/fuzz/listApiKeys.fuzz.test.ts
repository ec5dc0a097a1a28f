import type { ApiKey, ApiKeyList, ApiKeyWithSecret } from '@apikeys/types';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { lifecycleServer, NOW } from '../support/lifecycleServer.js';
import { storeKinds } from '../support/stores.js';
import { decodeQueryComponent, jsonEqual, judgeList, type ListFilters, showJson } from './contractOracle.js';
import { type Answer, checkAnyAnswer, checkRefusal, Findings, printable, send } from './exchange.js';
import { expectsCoverage, FUZZ_SERVER_OPTIONS, fuzzParameters, fuzzRuns, fuzzTimeout } from './fuzzSettings.js';
import {
  encodeQueryComponent,
  listApiKeys,
  listQuery,
  pathOf,
  type QueryValue,
  urlAppName,
} from './requestArbitraries.js';

// listApiKeys, fuzzed: generated query strings (known and unknown parameters, values at and past
// their limits, repeated parameters, bytes that are not UTF-8, cursors of this listing, of
// another listing, and forged ones) against a fixed set of keys in every state. A query the
// contract allows is answered with exactly the page it describes; a refused one is a 4xx
// problem; nothing is a 5xx.

const RUNS = fuzzRuns(400);
const ELAPSED_MS = 60_000;

const listRequest = fc.record({ appName: urlAppName, query: listQuery }).map((spec) => {
  const shown = spec.query
    .map(
      ([name, value]) =>
        `${encodeQueryComponent(name)}=${typeof value === 'string' ? encodeQueryComponent(value) : `{cursor ${value.cursor}}`}`,
    )
    .join('&');
  return printable(spec, () => `GET ${pathOf(listApiKeys.path, { appName: spec.appName })}?${shown}`);
});

const OWNERS = ['team-a', 'team-b', 'Équipe 🔑', 'x'.repeat(128), undefined];
const ENVIRONMENTS = ['production', 'staging', 'e'.repeat(32), undefined];

describe.each(storeKinds)('listApiKeys fuzz on $kind', ({ open }) => {
  const api = lifecycleServer(open, FUZZ_SERVER_OPTIONS);
  /** Every key of every app, as stored after the setup. */
  let records: Omit<ApiKey, 'status'>[] = [];

  async function call(method: string, target: string, body?: unknown): Promise<Answer> {
    return send(api.server.url, {
      method,
      target,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
    });
  }

  // Keys in every state, each created a millisecond after the one before, so that "newest first" is one order.
  beforeAll(async () => {
    const ids: [string, string][] = [];
    for (let index = 0; index < 24; index++) {
      api.advance(1);
      const appName = index % 8 === 7 ? 'billing-api' : 'internal-api';
      const owner = OWNERS[index % OWNERS.length];
      const environment = ENVIRONMENTS[index % ENVIRONMENTS.length];
      // The contract does not say whether a key both revoked and expired lists as one or the other: none is both.
      const expiring = index % 6 === 2 && index % 5 !== 1 && index % 5 !== 3;
      const created = await call('POST', api.keys(appName), {
        name: `key ${index}`,
        ...(owner ? { owner } : {}),
        ...(environment ? { environment } : {}),
        ...(expiring ? { expires_at: new Date(NOW.getTime() + ELAPSED_MS / 2).toISOString() } : {}),
      });
      expect(created.status, created.text).toBe(201);
      const { key } = created.json as ApiKeyWithSecret;
      ids.push([appName, key.id]);
      api.advance(1);
      if (index % 5 === 1) {
        expect((await call('POST', api.keyPath(appName, key.id, 'revoke'), {})).status).toBe(200);
      }
      if (index % 5 === 3) {
        const rotated = await call('POST', api.keyPath(appName, key.id, 'rotate'), {
          grace_period_seconds: index % 2 === 0 ? 0 : 3600,
        });
        expect(rotated.status).toBe(201);
        ids.push([appName, (rotated.json as ApiKeyWithSecret).key.id]);
      }
    }
    records = await Promise.all(ids.map(async ([appName, id]) => (await api.store.findKey(appName, id))!));
  });

  const statusAt = (key: Omit<ApiKey, 'status'>, now: number): ApiKey['status'] =>
    key.revoked_at !== null && Date.parse(key.revoked_at) <= now
      ? 'revoked'
      : key.expires_at !== null && Date.parse(key.expires_at) <= now
        ? 'expired'
        : 'active';

  /** The listing the contract describes: the app's keys matching the filters, newest first. */
  function listing(appName: string, filters: ListFilters, now: number): ApiKey[] {
    return records
      .filter((key) => key.app_slug === appName)
      .map((key) => ({ ...key, status: statusAt(key, now) }))
      .filter((key) => filters.status === 'all' || key.status === filters.status)
      .filter((key) => filters.environment === undefined || key.environment === filters.environment)
      .filter((key) => filters.owner === undefined || key.owner === filters.owner)
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
  }

  const queryString = (pairs: readonly [string, string][]) =>
    pairs.map(([name, value]) => `${name}=${value}`).join('&');

  /** The first page's cursor (limit 1) of a listing, or undefined when there is none. */
  async function cursorOf(appName: string, filters: [string, string][]): Promise<string | undefined> {
    const answer = await call('GET', `${api.keys(appName)}?${queryString([...filters, ['limit', '1']])}`);
    return answer.status === 200 ? ((answer.json as ApiKeyList).next_cursor ?? undefined) : undefined;
  }

  /** The query as sent (percent-encoded pairs), cursors fetched from real listings. */
  async function resolve(
    appName: string,
    query: readonly [string, QueryValue][],
  ): Promise<{ pairs: [string, string][]; cursorOfThisListing: boolean }> {
    const plain = query
      .filter((pair): pair is [string, string] => typeof pair[1] === 'string')
      .map(([name, value]) => [encodeQueryComponent(name), encodeQueryComponent(value)] as [string, string]);
    const filters = plain.filter(([name]) => ['status', 'environment', 'owner'].includes(name));
    let cursorOfThisListing = false;
    const pairs: [string, string][] = [];
    for (const [name, value] of query) {
      if (typeof value === 'string') {
        pairs.push([encodeQueryComponent(name), encodeQueryComponent(value)]);
        continue;
      }
      let cursor: string | undefined;
      if (value.cursor === 'of this listing') {
        cursor = await cursorOf(appName, filters);
        cursorOfThisListing = cursor !== undefined;
      } else {
        const status = filters.some(
          ([filter, text]) => filter === 'status' && decodeQueryComponent(text).text === 'all',
        )
          ? 'revoked'
          : 'all';
        cursor = await cursorOf(appName === 'billing-api' ? 'internal-api' : 'billing-api', [['status', status]]);
      }
      pairs.push(['cursor', cursor ?? 'forged.cursor']);
    }
    return { pairs, cursorOfThisListing };
  }

  it(`answers ${RUNS} generated listings as the contract says`, { timeout: fuzzTimeout(RUNS) }, async () => {
    api.advance(ELAPSED_MS);
    const now = NOW.getTime() + ELAPSED_MS;
    const apps = new Set((await api.store.findApps()).map((app) => app.slug));
    const seen = { listed: 0, refused: 0, nonEmpty: 0 };
    await fc.assert(
      fc.asyncProperty(listRequest, async ({ appName, query }) => {
        const { pairs, cursorOfThisListing } = await resolve(appName, query);
        const target = `${pathOf(listApiKeys.path, { appName })}${pairs.length > 0 ? `?${queryString(pairs)}` : ''}`;
        const wire = { method: listApiKeys.method, target, headers: {} };
        const verdict = judgeList(listApiKeys, appName, apps, pairs, cursorOfThisListing);
        const answer = await send(api.server.url, wire);
        const findings = new Findings();
        checkAnyAnswer(findings, listApiKeys, answer);
        let context = '';
        if (verdict.problems.length === 0 && (answer.status < 400 || verdict.ambiguities.length === 0)) {
          seen.listed++;
          // A cursor of this listing was taken from its first page of one key.
          const offset = verdict.cursor === undefined ? 0 : 1;
          const all = listing(appName, verdict.filters, now);
          const page = all.slice(offset, offset + verdict.filters.limit);
          if (page.length > 0) {
            seen.nonEmpty++;
          }
          context = `the listing ${showJson(verdict.filters)} from key ${offset} holds ${all.length} keys`;
          if (findings.check(answer.status === 200, `expected 200, got ${answer.status}`)) {
            const list = answer.json as ApiKeyList;
            findings.check(
              jsonEqual(list.data, page),
              () =>
                `answered the keys ${list.data.map((key) => key.name).join(', ')}; expected ${page.map((key) => key.name).join(', ')}`,
            );
            findings.check(
              (list.next_cursor === null) === all.length <= offset + verdict.filters.limit,
              `next_cursor is ${list.next_cursor} with ${all.length} keys from ${offset}`,
            );
          }
        } else {
          seen.refused++;
          checkRefusal(findings, verdict, answer);
        }
        findings.throwIfAny(wire, verdict, answer, context);
      }),
      fuzzParameters(RUNS),
    );
    if (expectsCoverage(RUNS)) {
      expect(seen.listed).toBeGreaterThan(RUNS / 10);
      expect(seen.refused).toBeGreaterThan(RUNS / 10);
      expect(seen.nonEmpty).toBeGreaterThan(RUNS / 20);
    }
  });
});
