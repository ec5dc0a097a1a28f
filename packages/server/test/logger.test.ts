import { describe, expect, it } from 'vitest';
import { generateSecret } from '../src/keys/secret.js';
import { captureLogs } from './support/testServer.js';

describe('the JSON logger', () => {
  it('writes one JSON object per line with time, level and message', () => {
    const { logger, entries } = captureLogs();
    logger.info('listening', { url: 'http://localhost:3000' });
    logger.error('failed', { code: 7 });
    expect(entries()).toEqual([
      { time: expect.any(String), level: 'info', msg: 'listening', url: 'http://localhost:3000' },
      { time: expect.any(String), level: 'error', msg: 'failed', code: 7 },
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
});
