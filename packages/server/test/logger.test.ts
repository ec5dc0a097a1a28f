import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { generateSecret } from '../src/keys/secret.js';
import { createJsonLogger } from '../src/logger.js';
import { captureLogs } from './support/testServer.js';

describe('the JSON logger (pino)', () => {
  it('writes one JSON object per line with time, level and message', () => {
    const { logger, entries } = captureLogs();
    logger.info('listening', { url: 'http://localhost:3000' });
    logger.error('failed', { code: 7 });
    const common = { time: expect.any(String), pid: process.pid, hostname: expect.any(String) };
    expect(entries()).toEqual([
      { ...common, level: 'info', msg: 'listening', url: 'http://localhost:3000' },
      { ...common, level: 'error', msg: 'failed', code: 7 },
    ]);
  });

  it('masks credentials and anything shaped like an issued secret, wherever it appears', () => {
    const { logger, lines } = captureLogs();
    const secret = generateSecret('sk');
    logger.error(`unexpected ${secret}`, {
      authorization: 'Bearer abc',
      nested: { list: [`key=${secret}`], apiToken: 'tok', pepper: 'p' },
    });
    expect(lines.join('')).not.toContain(secret);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'unexpected [REDACTED]',
      authorization: '[REDACTED]',
      nested: { list: ['key=[REDACTED]'], apiToken: '[REDACTED]', pepper: '[REDACTED]' },
    });
  });

  it('masks configured credentials, generated dev tokens and secrets glued to other text', () => {
    const { logger, lines } = captureLogs(['my-configured-token-0123', 'the-pepper-value']);
    const secret = generateSecret('sk');
    const devToken = `dev_${'x'.repeat(32)}`;
    logger.info(`path /keys/${secret}more and prefix_${secret}`, {
      url: `/a/my-configured-token-0123/b`,
      note: `pepper=the-pepper-value ${devToken}`,
    });
    const line = lines.join('');
    for (const leaked of [secret, 'my-configured-token-0123', 'the-pepper-value', devToken]) {
      expect(line).not.toContain(leaked);
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({ url: '/a/[REDACTED]/b', note: 'pepper=[REDACTED] [REDACTED]' });
  });

  it('masks secrets in errors, in child loggers and in messages logged through pino directly', () => {
    const { logger, lines } = captureLogs(['my-configured-token-0123']);
    const secret = generateSecret('sk');
    const error = Object.assign(new Error(`lookup of ${secret} failed`), { token: 'my-configured-token-0123' });
    logger.error('request failed', { error });
    const child = logger.pino.child({ requestId: 'abc', note: `with ${secret}` });
    child.info({ err: new Error(`again ${secret}`) }, `message ${secret} my-configured-token-0123`);
    const text = lines.join('\n');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('my-configured-token-0123');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      error: { name: 'Error', message: 'lookup of [REDACTED] failed', stack: expect.stringContaining('[REDACTED]') },
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({
      requestId: 'abc',
      note: 'with [REDACTED]',
      msg: 'message [REDACTED] [REDACTED]',
      err: { message: 'again [REDACTED]' },
    });
  });

  it('writes only the lines at or above its level (LOG_LEVEL)', () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createJsonLogger(stream, undefined, [], 'error');
    logger.info('not written');
    logger.error('written');
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['written']);
  });
});
