import type { ApiKey, ApiKeyWithSecret } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { hashSecret } from '../src/keys/secret.js';
import { lifecycleServer } from './support/lifecycleServer.js';
import { storeKinds } from './support/stores.js';
import { expectProblem } from './support/testServer.js';

// The hardening issue's reproducers, on both stores, with responses checked against the
// contract (development) and not (production): each refusal is a 400 that stores nothing; each
// acceptance is stored exactly as it was answered.
const modes = [
  { mode: 'development', validateResponses: true },
  { mode: 'production', validateResponses: false },
];

describe.each(storeKinds.flatMap((store) => modes.map((mode) => ({ ...store, ...mode }))))(
  'bad input on $kind in $mode',
  ({ open, validateResponses }) => {
    const api = lifecycleServer(open, { validateResponses });

    async function refused(body: unknown, pointer: string, raw?: Buffer | string) {
      const before = await api.store.countKeys();
      const response =
        raw === undefined
          ? await api.server.post('internal-api', body)
          : await api.server.call('POST', api.keys('internal-api'), undefined, { raw: raw as string });
      const problem = await expectProblem(response, 400, 'invalid-request');
      expect(problem.errors?.map((error) => error.pointer)).toContain(pointer);
      expect(await api.store.countKeys()).toBe(before);
      return problem;
    }

    async function storedAsAnswered(body: Record<string, unknown>): Promise<ApiKey> {
      const response = await api.server.post('internal-api', body);
      expect(response.status).toBe(201);
      const text = await response.text();
      const { key, secret } = JSON.parse(text) as ApiKeyWithSecret;
      const { status: _status, ...record } = key;
      expect((await api.store.findKeyBySecretHash(hashSecret(secret)))?.key).toEqual(record);
      expect(await api.getKey(key.id)).toEqual(key);
      return key;
    }

    it('refuses expiries that are not RFC 3339 date-times or that the stores cannot hold', async () => {
      for (const expires_at of [
        '9999-12-31T23:59:59-23:59',
        '2030-02-30T00:00:00Z',
        '2100-02-29T00:00:00Z',
        '2030-01-01T24:00:00Z',
        '2030-01-01T00:00:00+0100',
        '+010000-01-01T00:00:00Z',
      ]) {
        await refused({ name: 'x', expires_at }, '/body/expires_at');
      }
      const latest = await storedAsAnswered({ name: 'far future', expires_at: '9999-12-31T23:59:59.999Z' });
      expect(latest.expires_at).toBe('9999-12-31T23:59:59.999Z');
      const offset = await storedAsAnswered({ name: 'offset', expires_at: '2028-02-29T23:30:00.5-01:00' });
      expect(offset.expires_at).toBe('2028-03-01T00:30:00.500Z');
    });

    it('refuses control characters in text fields and lone surrogates or U+0000 anywhere', async () => {
      await refused({ name: 'a\u0000b' }, '/body/name');
      await refused({ name: 'x', owner: 'a\u0000b' }, '/body/owner');
      await refused({ name: 'tab\there' }, '/body/name');
      await refused({ name: '\ud800x' }, '/body/name');
      await refused({ name: 'x', metadata: { note: 'a\udc00' } }, '/body/metadata/note');
      await refused({ name: 'x', metadata: { 'bad\ud800key': 1 } }, '/body/metadata/bad\ud800key');
      await refused({ name: 'x', metadata: { deep: [{ nul: 'a\u0000' }] } }, '/body/metadata/deep/0/nul');
      // The same, spelled as JSON escapes rather than characters.
      await refused(undefined, '/body/name', '{"name":"\\ud800x"}');
    });

    it('refuses a body that is not UTF-8', async () => {
      for (const bytes of [
        Buffer.from('{"name":"\xff"}', 'latin1'),
        Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
      ]) {
        const before = await api.store.countKeys();
        const response = await fetch(`${api.server.url}${api.keys('internal-api')}`, {
          method: 'POST',
          headers: { authorization: 'Bearer test-token-0123456789abcdef', 'content-type': 'application/json' },
          body: bytes,
        });
        const problem = await expectProblem(response, 400, 'invalid-request');
        expect(problem.detail).toBe('The request body is not valid UTF-8.');
        expect(await api.store.countKeys()).toBe(before);
      }
    });

    it('stores exactly what it answered for text beyond ASCII and pairs of surrogates', async () => {
      await storedAsAnswered({
        name: 'Schlüssel 🔑 鍵',
        owner: 'équipe',
        metadata: { emoji: '😀', nested: { ключ: ['\u00e9', 'tab\tand\nnewline'] } },
      });
    });

    it('refuses metadata nested deeper than 8 levels, however deep, with a 400', async () => {
      const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)]);
      await storedAsAnswered({ name: 'eight levels', metadata: { a: nested(8) } });
      const problem = await refused({ name: 'nine levels', metadata: { a: nested(9) } }, '/body/metadata');
      expect(problem.errors).toEqual([
        { pointer: '/body/metadata', message: 'must nest at most 8 levels of objects and arrays' },
      ]);
      const deep = `{"name":"deep","metadata":{"a":${'['.repeat(8000)}${']'.repeat(8000)}}}`;
      await refused(undefined, '/body/metadata', deep);
    });

    it('applies the same rules to updates', async () => {
      const { key } = await api.createKey({ name: 'to update' });
      for (const [body, pointer] of [
        [{ name: 'a\u0000b' }, '/body/name'],
        [{ expires_at: '2030-02-30T00:00:00Z' }, '/body/expires_at'],
        [{ metadata: { x: '\ud800' } }, '/body/metadata/x'],
      ] as const) {
        const problem = await expectProblem(
          await api.server.call('PATCH', api.keyPath('internal-api', key.id), body),
          400,
          'invalid-request',
        );
        expect(problem.errors?.map((error) => error.pointer)).toContain(pointer);
      }
      expect(await api.getKey(key.id)).toEqual(key);
    });
  },
);
