import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startRealServer, type Target, TOKEN } from '../../../test/support/targets.js';

// A consuming team's project: outside the workspace, no links, only the packed tarball and the
// public registry. It must install, type-check and run against the real server.
const clientDir = fileURLToPath(new URL('..', import.meta.url));
const specFile = fileURLToPath(new URL('../../../spec/openapi.yaml', import.meta.url));
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: 'pipe',
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' },
  });

const consumer = `import { createHmac } from 'node:crypto';
import { ApiKeysError, createApiKeysClient, type ApiKeyWithSecret, type ProblemType, type WebhookEvent } from '@apikeys/client';
import { verifyWebhook } from '@apikeys/client/webhooks';

const client = createApiKeysClient({ baseUrl: process.env.BASE_URL!, token: process.env.TOKEN! });
const created: ApiKeyWithSecret = await client.apiKeys.createApiKey('internal-api', { name: 'from a consumer', permissions: ['users:read'] });
const verdict = await client.apiKeys.verifyApiKey('internal-api', { secret: created.secret, required_permissions: ['users:read'] });
const missing = await client.apiKeys.getApiKey('no-such-app', created.key.id).catch((error: unknown) => error);
const notFound: ProblemType = 'urn:apikeys:problem:app-not-found';

// A delivery signed by hand as the Standard Webhooks specification says (another implementation than the client's).
const secret = Buffer.from('thirty-two bytes of webhook key!');
const id = '5d0c2a1e-7f3b-4c8d-9a6e-1b2c3d4e5f60';
const timestamp = String(Math.floor(Date.now() / 1000));
const body = JSON.stringify({ id, type: 'key.created', timestamp: new Date().toISOString(), data: { app_slug: 'internal-api', key: created.key } });
const signature = 'v1,' + createHmac('sha256', secret).update(id + '.' + timestamp + '.' + body).digest('base64');
const event: WebhookEvent = verifyWebhook('whsec_' + secret.toString('base64'), body, {
  'webhook-id': id,
  'webhook-timestamp': timestamp,
  'webhook-signature': signature,
});
console.log(JSON.stringify({ name: created.key.name, code: verdict.code, refused: missing instanceof ApiKeysError && missing.type === notFound, webhook: event.type }));
`;

describe('the packed client, installed alone', () => {
  let project: string;
  let server: Target;
  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), 'apikeys-consumer-project-'));
    server = await startRealServer();
  });
  afterAll(async () => {
    await server?.close();
    rmSync(project, { recursive: true, force: true });
  });

  it("carries the contract's version", () => {
    const version = parse(readFileSync(specFile, 'utf8')).info.version as string;
    expect(JSON.parse(readFileSync(join(clientDir, 'package.json'), 'utf8')).version).toBe(version);
  });

  it('installs from its tarball with nothing but the registry, type-checks a consumer, and the consumer works', async () => {
    npm(['pack', '--pack-destination', project], clientDir);
    const tarball = readdirSync(project).find((file) => file.endsWith('.tgz'))!;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    npm(['install', `./${tarball}`, 'typescript@5.9.3', '@types/node@20'], project);
    expect(
      JSON.parse(readFileSync(join(project, 'node_modules/@apikeys/client/package.json'), 'utf8')).dependencies,
    ).toEqual({ 'openapi-fetch': expect.any(String), standardwebhooks: expect.any(String) });

    writeFileSync(join(project, 'consumer.ts'), consumer);
    execFileSync(
      join(project, 'node_modules/.bin/tsc'),
      [
        '--strict',
        '--module',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        '--skipLibCheck',
        'false',
        'consumer.ts',
      ],
      { cwd: project, stdio: 'pipe' },
    );
    // Not execFileSync: the server answering the consumer runs in this process.
    const { stdout } = await promisify(execFile)(process.execPath, ['consumer.js'], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, BASE_URL: server.url, TOKEN },
    });
    expect(JSON.parse(stdout)).toEqual({
      name: 'from a consumer',
      code: 'VALID',
      refused: true,
      webhook: 'key.created',
    });

    writeFileSync(
      join(project, 'wrong.ts'),
      `import { createApiKeysClient } from '@apikeys/client';\nawait createApiKeysClient({ baseUrl: '', token: '' }).apiKeys.createApiKey('a', { name: 'x', organization_id: 'o' });\n`,
    );
    const compiled = spawnSync(
      join(project, 'node_modules/.bin/tsc'),
      ['--noEmit', '--strict', '--module', 'nodenext', '--target', 'es2022', 'wrong.ts'],
      { cwd: project, encoding: 'utf8' },
    );
    expect(compiled.status).not.toBe(0);
    expect(compiled.stdout).toMatch(/wrong\.ts.*organization_id/);
  }, 240_000);
});
