import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, inject, it } from 'vitest';
import { serverPackage } from './support/processes.js';

// `pnpm bench` is not part of the test run; this runs it for a second per measurement so that it
// cannot rot. Its figures mean nothing here: only that every one of them is printed.
it('pnpm bench builds the server, drives every peer and prints the whole table', { timeout: 300_000 }, async () => {
  const { stdout } = await promisify(execFile)('pnpm', ['run', 'bench'], {
    cwd: serverPackage,
    env: {
      ...process.env,
      BENCH_SECONDS: '1',
      BENCH_ROUNDS: '1',
      BENCH_REVOCATIONS: '3',
      DATABASE_URL: inject('postgresUrl'),
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  for (const server of [
    'bare node:http ceiling',
    'stock Express 5 + eov',
    'apikeys, SQLite FULL',
    'apikeys, SQLite FULL, webhook endpoint',
    'apikeys, PostgreSQL',
  ]) {
    for (const operation of ['create', 'verify']) {
      expect(stdout).toMatch(
        new RegExp(
          `\\| ${server.replace(/[+.,]/g, '\\$&')} \\| ${operation} \\| \\d+ \\| [\\d.]+ \\| [\\d.]+ \\| \\d+ \\|`,
        ),
      );
    }
  }
  // Verifications of a key with credits, and of one with a rate limit, on the real server only.
  for (const server of ['apikeys, SQLite FULL', 'apikeys, PostgreSQL']) {
    for (const operation of ['spend', 'limit']) {
      expect(stdout).toMatch(
        new RegExp(
          `\\| ${server.replace(/[+.,]/g, '\\$&')} \\| ${operation} \\| \\d+ \\| [\\d.]+ \\| [\\d.]+ \\| \\d+ \\|`,
        ),
      );
    }
  }
  for (const measure of [
    /createApiKey \(SQLite\) \/ stock Express \+ eov \| [\d.]+x/,
    /createApiKey \(SQLite\) \/ bare node:http \| [\d.]+x/,
    /verifyApiKey \(SQLite\) \/ stock Express \+ eov \| [\d.]+x/,
    /verifyApiKey with credits \/ plain verifyApiKey \(SQLite\) \| [\d.]+x/,
    /verifyApiKey with credits \/ plain verifyApiKey \(PostgreSQL\) \| [\d.]+x/,
    /verifyApiKey with a rate limit \/ plain verifyApiKey \(SQLite\) \| [\d.]+x/,
    /verifyApiKey with a rate limit \/ plain verifyApiKey \(PostgreSQL\) \| [\d.]+x/,
    /createApiKey with a webhook endpoint \/ without \(SQLite\) \| [\d.]+x/,
    /p99, create and verify \(SQLite\) \| [\d.]+ ms/,
    /peak RSS under load \(SQLite\) \| \d+ MB/,
    /seen by the other, 3 times \| p50 [\d.]+ ms, p99 [\d.]+ ms/,
    /SQLite synchronous=FULL \/ NORMAL: [\d.]+x/,
  ]) {
    expect(stdout).toMatch(measure);
  }
});
