import { gzipSync } from 'node:zlib';
import type { ApiKeyWithSecret } from '@apikeys/types';
import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { parseAnswer, rawExchange } from '../../../test/support/rawHttp.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem, TOKEN } from '../../../test/support/testServer.js';

// A plain JSON body is read by jsonBody itself, any other by body-parser: both ways must give
// the same answers.
describe('reading a JSON body', () => {
  const api = lifecycleServer(storeKinds[0].open);
  const keys = api.keys('internal-api');
  const send = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${api.server.url}${keys}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });

  it('takes the same key whether sent plain, with a byte order mark, in chunks, compressed or with its charset named', async () => {
    const json = JSON.stringify({ name: 'ünïcode name' });
    const answers = [
      await send(json),
      await send(`\uFEFF${json}`),
      await send(gzipSync(json), { 'content-encoding': 'gzip' }),
      await send(json, { 'content-type': 'Application/JSON; charset="UTF-8"' }),
    ];
    const chunked = parseAnswer(
      await rawExchange(
        api.server.url,
        `POST ${keys} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${Buffer.byteLength(json).toString(16)}\r\n${json}\r\n0\r\n\r\n`,
      ),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(201);
      expect(((await answer.json()) as ApiKeyWithSecret).key.name).toBe('ünïcode name');
    }
    expect(chunked.status).toBe(201);
    // The raw answer is read byte for byte (latin1): decode its UTF-8 name.
    expect(Buffer.from((chunked.body as ApiKeyWithSecret).key.name, 'latin1').toString('utf8')).toBe('ünïcode name');
  });

  it('refuses what is not a JSON object, not UTF-8, or too large, the same way plain or compressed', async () => {
    for (const headers of [{}, { 'content-encoding': 'gzip' }] as Record<string, string>[]) {
      const encode = (body: string | Buffer) => ('content-encoding' in headers ? gzipSync(body) : body);
      const scalar = await expectProblem(await send(encode('"just a string"'), headers), 400, 'invalid-request');
      expect(scalar.errors).toEqual([{ pointer: '/body', message: 'malformed JSON' }]);
      const latin1 = await expectProblem(
        await send(encode(Buffer.from('{"name":"caf\xe9"}', 'latin1')), headers),
        400,
        'invalid-request',
      );
      expect(latin1.errors).toEqual([{ pointer: '/body', message: 'is not valid UTF-8' }]);
      // Only a body of no bytes at all counts as `{}`: whitespace, JSON's or not, is malformed.
      for (const blank of ['   ', '\u00a0', '\n\t']) {
        const refused = await expectProblem(await send(encode(blank), headers), 400, 'invalid-request');
        expect(refused.errors).toEqual([{ pointer: '/body', message: 'malformed JSON' }]);
      }
      const empty = await expectProblem(await send(encode(''), headers), 400, 'invalid-request');
      expect(empty.errors).toEqual([{ pointer: '/body/name', message: "must have required property 'name'" }]);
    }
    const tooLarge = await expectProblem(
      await send(JSON.stringify({ name: 'x', metadata: { blob: 'x'.repeat(20_000) } })),
      413,
      'payload-too-large',
    );
    expect(tooLarge.detail).toMatch(/larger than \d+ bytes/);
    expect((await api.server.call('GET', keys)).status).toBe(200);
  });
});
