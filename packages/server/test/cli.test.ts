import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiKey, ApiKeyList, ApiKeyWithSecret, VerificationResult } from '@apikeys/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyStore } from '../src/store/keyStore.js';
import { openStore } from '../src/store/openStore.js';
import { apikeysCli, apikeysCliAsync, serverPackage } from './support/processes.js';
import { createPostgresDatabase } from './support/stores.js';
import { startTestServer, type TestServer } from './support/testServer.js';

const PEPPER = 'cli-test-pepper-0123456789';
const SOME_UUID = '2f6c1d3e-8b4a-4c5d-9e7f-0a1b2c3d4e5f';

// A database that cannot be opened: a usage error must be reported before the database is touched.
const NO_DATABASE = { DATABASE_URL: 'sqlite:/nonexistent/folder/apikeys.db' };

describe('apikeys --help, --version and usage errors', () => {
  it('--help names the program apikeys and lists the commands, and every command has its own help with --json', () => {
    const help = apikeysCli(['--help'], NO_DATABASE);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: apikeys \[options\] \[command\]/);
    // Each group's line names the verbs its commands declare, whatever they are.
    const commands = help.stdout.replace(/\s+/g, ' ');
    expect(commands).toContain(' apps the API auth apps: add, list ');
    expect(commands).toContain(" keys an app's API keys, as the API manages them: list, revoke, rotate ");
    expect(commands).toContain(
      ' tokens the service tokens callers of the API send, each with the scopes it needs: add, list, revoke, show ',
    );
    expect(help.stdout).toContain('DATABASE_URL');
    expect(help.stdout).not.toContain('pnpm apikeys');

    expect(apikeysCli(['keys', '--help'], NO_DATABASE).stdout).toMatch(
      /list \[options\] <app>[\s\S]*revoke \[options\] <app> <keyId>[\s\S]*rotate \[options\] <app> <keyId>/,
    );
    expect(apikeysCli(['apps', '--help'], NO_DATABASE).stdout).toMatch(/add \[options\] <slug>[\s\S]*list \[options\]/);

    const usages = {
      'apps add': 'Usage: apikeys apps add [options] <slug>',
      'apps list': 'Usage: apikeys apps list [options]',
      'keys list': 'Usage: apikeys keys list [options] <app>',
      'keys revoke': 'Usage: apikeys keys revoke [options] <app> <keyId>',
      'keys rotate': 'Usage: apikeys keys rotate [options] <app> <keyId>',
      'tokens add': 'Usage: apikeys tokens add [options]',
      'tokens list': 'Usage: apikeys tokens list [options]',
      'tokens revoke': 'Usage: apikeys tokens revoke [options] <name>',
      'tokens show': 'Usage: apikeys tokens show [options] <name>',
    };
    for (const [command, usage] of Object.entries(usages)) {
      const result = apikeysCli([...command.split(' '), '--help'], NO_DATABASE);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(usage);
      expect(result.stdout).toContain('--json');
    }
    const rotate = apikeysCli(['keys', 'rotate', '--help'], NO_DATABASE).stdout;
    expect(rotate).toMatch(/--grace-period-seconds <n>\s+how long the old key keeps verifying \(default: 0\)/);
    expect(apikeysCli(['keys', 'list', '--help'], NO_DATABASE).stdout).toMatch(
      /--status <status>\s+which keys \(choices:\s+"active",\s+"revoked",\s+"expired",\s+"all",\s+default:\s+"active"\)/,
    );
  }, 120_000);

  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(serverPackage, 'package.json'), 'utf8')) as { version: string };
    expect(apikeysCli(['--version'], NO_DATABASE)).toMatchObject({ status: 0, stdout: `${version}\n` });
  });

  it.each([
    [
      ['apps', 'add', 'Billing_API', '--prefix', 'bill'],
      'error: <slug> must be 1-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit',
    ],
    [
      ['apps', 'add', 'ok-app', '--prefix', 'sk_live'],
      'error: --prefix must be 1-16 lower-case letters and digits, starting with a letter',
    ],
    [['apps', 'add', 'ok-app'], "required option '--prefix <prefix>' not specified"],
    [['apps', 'add', 'ok-app', '--prefix', 'apt'], 'error: --prefix apt is kept for service tokens'],
    [
      ['apps', 'add', 'ok-app', '--prefix', 'ok', '--display-name', ' '],
      'error: --display-name must contain a visible',
    ],
    [['apps', 'remove', 'ok-app'], "unknown command 'remove'"],
    [['apps', 'list', '--verbose'], "unknown option '--verbose'"],
    [['keys', 'list', 'billing-api', '--status', 'gone'], 'Allowed choices are active, revoked, expired, all.'],
    [['keys', 'list', 'billing-api', '--limit', '0'], '--limit must be a whole number of at least 1.'],
    [['keys', 'list', 'billing-api', '--limit', 'ten'], '--limit must be a whole number of at least 1.'],
    [['keys', 'list', '-x'], "unknown option '-x'"],
    [['keys', 'revoke', 'billing-api', 'not-a-uuid'], 'error: <keyId> must match format "uuid"'],
    [
      ['keys', 'revoke', 'billing-api', SOME_UUID, '--reason', 'x'.repeat(257)],
      'error: --reason must NOT have more than 256 characters',
    ],
    [
      ['keys', 'revoke', 'billing-api', SOME_UUID, '--reason', 'leaked\tin a log'],
      'error: --reason must contain a visible character and no control characters',
    ],
    [
      ['keys', 'revoke', 'billing-api', SOME_UUID, '--reason', '   '],
      'error: --reason must contain a visible character and no control characters',
    ],
    [
      ['keys', 'rotate', 'billing-api', SOME_UUID, '--grace-period-seconds', '86401'],
      'error: --grace-period-seconds must be <= 86400',
    ],
    [
      ['keys', 'rotate', 'billing-api', SOME_UUID, '--grace-period-seconds', '1.5'],
      'error: --grace-period-seconds must be integer',
    ],
    [['keys', 'rotate', 'billing-api'], "missing required argument 'keyId'"],
    [['keys', 'rotate', 'billing-api', SOME_UUID, 'now'], 'too many arguments'],
    [['keys', 'delete'], "unknown command 'delete'"],
    [
      ['tokens', 'add', '--name', 'gateway', '--scope', 'keys:verify', '--scope', 'keys:mint'],
      'error: --scope must be equal to one of the allowed values: keys:create, keys:read, keys:update, keys:revoke, keys:verify, audit:read, apps:manage, tokens:manage',
    ],
    [['tokens', 'add', '--name', 'Gateway', '--scope', 'keys:verify'], 'error: --name must be 1-63 lower-case letters'],
    [
      ['tokens', 'add', '--name', 'env-token-1', '--scope', 'keys:verify'],
      'error: --name must not start with env-token-',
    ],
    [['tokens', 'add', '--scope', 'keys:verify'], "required option '--name <name>' not specified"],
    [['tokens', 'add', '--name', 'gateway'], "required option '--scope <scope>' not specified"],
    [['tokens', 'revoke'], "missing required argument 'name'"],
  ])('%j exits 2 naming the problem', (args, problem) => {
    const result = apikeysCli(args, NO_DATABASE);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(problem);
    expect(result.stderr).toContain('(add --help for usage)');
    expect(result.stdout).toBe('');
  });

  it('exits 2 with the help on stderr when a command is missing', () => {
    const result = apikeysCli(['keys'], NO_DATABASE);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Usage: apikeys keys [options] [command]');
  });

  it('with --json, a usage error is one JSON document on stderr', () => {
    const result = apikeysCli(['keys', 'rotate', 'billing-api', 'not-a-uuid', '--json'], NO_DATABASE);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(JSON.parse(result.stderr)).toEqual({ error: '<keyId> must match format "uuid"' });

    const unknown = apikeysCli(['apps', 'list', '--json', '--verbose'], NO_DATABASE);
    expect(unknown.status).toBe(2);
    expect(JSON.parse(unknown.stderr)).toEqual({ error: "unknown option '--verbose'" });
  });
});

const databases = [
  {
    kind: 'SQLite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'apikeys-cli-'));
      return {
        url: `sqlite:${join(dir, 'apikeys.db')}`,
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  { kind: 'PostgreSQL', create: createPostgresDatabase },
];

describe.each(databases)('apikeys on $kind, beside a real server on the same database', ({ create }) => {
  let database: Awaited<ReturnType<typeof create>>;
  let store: KeyStore;
  let server: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await create();
    env = { DATABASE_URL: database.url, APIKEYS_PEPPER: PEPPER };
    store = openStore(database.url);
    await store.migrate();
    server = await startTestServer({ store, pepper: PEPPER });
  });
  afterAll(async () => {
    await server?.close();
    await store?.close();
    await database?.drop();
  });

  const cli = (...args: string[]) => apikeysCliAsync(args, env);
  /** Runs a command with --json, expects it to succeed, and returns what it printed, parsed. */
  const cliJson = async <T>(...args: string[]): Promise<T> => {
    const result = await cli(...args, '--json');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return JSON.parse(result.stdout) as T;
  };
  /** Adds an app through the command: each test has its own, so that no test sees another's keys. */
  const addApp = async (slug: string, prefix: string) =>
    expect(await cli('apps', 'add', slug, '--prefix', prefix)).toMatchObject({
      status: 0,
      stdout: `Added app ${slug}: its keys start with ${prefix}_\n`,
    });
  const createKey = async (app: string, name: string): Promise<ApiKeyWithSecret> => {
    const response = await server.post(app, { name, permissions: ['users:read'] });
    expect(response.status).toBe(201);
    return (await response.json()) as ApiKeyWithSecret;
  };
  const getKey = async (app: string, id: string) =>
    (await (await server.call('GET', `/api-auth/apps/${app}/keys/${id}`)).json()) as ApiKey;
  const verify = async (app: string, secret: string) =>
    (await (await server.call('POST', `/api-auth/apps/${app}/keys/verify`, { secret })).json()) as VerificationResult;

  it('apps add, then apps list --json; a duplicate fails with exit 1', async () => {
    await addApp('billing-api', 'bill');
    // The App record as the API answers it.
    expect(await cliJson('apps', 'add', 'export-api', '--prefix', 'exp', '--display-name', 'Export API')).toEqual({
      slug: 'export-api',
      key_prefix: 'exp',
      display_name: 'Export API',
      created_at: expect.any(String),
    });

    const apps = await cliJson<{ slug: string; key_prefix: string; created_at: string }[]>('apps', 'list');
    expect(apps.map(({ slug, key_prefix }) => ({ slug, key_prefix }))).toEqual([
      { slug: 'billing-api', key_prefix: 'bill' },
      { slug: 'export-api', key_prefix: 'exp' },
    ]);
    for (const app of apps) {
      expect(new Date(app.created_at).toISOString()).toBe(app.created_at);
    }
    expect((await cli('apps', 'list')).stdout).toMatch(/^billing-api\tbill\t.+\nexport-api\texp\t.+\n$/);

    const duplicate = await cli('apps', 'add', 'billing-api', '--prefix', 'bill', '--json');
    expect(duplicate).toMatchObject({ status: 1, stdout: '' });
    expect(JSON.parse(duplicate.stderr)).toEqual({ error: "An API auth app named 'billing-api' already exists" });
  }, 120_000);

  it('keys list --json answers the records as the API lists them, with their status', async () => {
    await addApp('list-api', 'lst');
    const created: ApiKeyWithSecret[] = [];
    for (let i = 0; i < 3; i++) {
      created.push(await createKey('list-api', `key ${i}`));
    }
    const revokedId = created[1]!.key.id;
    expect((await server.call('POST', `/api-auth/apps/list-api/keys/${revokedId}/revoke`, {})).status).toBe(200);

    const all = (await (await server.call('GET', '/api-auth/apps/list-api/keys?status=all')).json()) as ApiKeyList;
    expect(all.data.map((key) => key.status)).toEqual(['active', 'revoked', 'active']);
    expect(await cliJson('keys', 'list', 'list-api', '--status', 'all')).toEqual(all.data);
    expect((await cliJson<ApiKey[]>('keys', 'list', 'list-api')).map((key) => key.id)).toEqual([
      created[2]!.key.id,
      created[0]!.key.id,
    ]);
    expect((await cliJson<ApiKey[]>('keys', 'list', 'list-api', '--status', 'revoked')).map((key) => key.id)).toEqual([
      revokedId,
    ]);
    expect(await cliJson('keys', 'list', 'list-api', '--status', 'all', '--limit', '2')).toEqual(all.data.slice(0, 2));
    expect(await cliJson('keys', 'list', 'list-api', '--status', 'expired')).toEqual([]);

    const lines = (await cli('keys', 'list', 'list-api', '--status', 'all')).stdout.trim().split('\n');
    expect(lines).toEqual(
      all.data.map((key) => `${key.id}\t${key.status}\tlst_…${key.key_suffix}\t${key.created_at}\t${key.name}`),
    );
    expect((await cli('keys', 'list', 'list-api', '--status', 'expired')).stdout).toBe(
      'No expired keys in list-api.\n',
    );

    // Every filter the operation has is an option: --owner, --environment.
    const owned = await server.post('list-api', { name: 'owned', owner: 'team-a', environment: 'staging' });
    const { key: ownedKey } = (await owned.json()) as ApiKeyWithSecret;
    expect(await cliJson('keys', 'list', 'list-api', '--owner', 'team-a')).toEqual([ownedKey]);
    expect(await cliJson('keys', 'list', 'list-api', '--environment', 'staging', '--owner', 'team-a')).toEqual([
      ownedKey,
    ]);
    expect(await cliJson('keys', 'list', 'list-api', '--owner', 'team-b')).toEqual([]);
  }, 120_000);

  it('keys list follows the pages of more than 100 keys', async () => {
    await addApp('many-api', 'many');
    for (let i = 0; i < 101; i++) {
      await createKey('many-api', `key ${i}`);
    }
    const listed = await cliJson<ApiKey[]>('keys', 'list', 'many-api');
    expect(listed).toHaveLength(101);
    expect(new Set(listed.map((key) => key.id)).size).toBe(101);
  }, 120_000);

  it('keys revoke: the key then verifies REVOKED, and revoking it again changes nothing', async () => {
    await addApp('revoke-api', 'rev');
    const { key, secret } = await createKey('revoke-api', 'leaked key');

    // The reason's limit counts characters, as the contract does, not UTF-16 units.
    const reason = '🔑'.repeat(256);
    const revoked = await cliJson<ApiKey>('keys', 'revoke', 'revoke-api', key.id, '--reason', reason);
    expect(revoked).toEqual(await getKey('revoke-api', key.id));
    expect(revoked).toMatchObject({ id: key.id, status: 'revoked', revocation_reason: reason });
    expect(await verify('revoke-api', secret)).toEqual({ valid: false, code: 'REVOKED' });

    const again = await cli('keys', 'revoke', 'revoke-api', key.id, '--reason', 'another reason');
    expect(again).toMatchObject({
      status: 0,
      stdout: `Key ${key.id} of revoke-api is revoked as of ${revoked.revoked_at} (${reason}).\n`,
    });
    expect(await getKey('revoke-api', key.id)).toEqual(revoked);
  }, 120_000);

  it('keys rotate --json prints { key, secret } as the API answers a rotation: the new secret verifies, the old key is revoked', async () => {
    await addApp('rotate-api', 'rot');
    const old = await createKey('rotate-api', 'rotated key');

    const rotated = await cliJson<ApiKeyWithSecret>('keys', 'rotate', 'rotate-api', old.key.id);
    expect(Object.keys(rotated).sort()).toEqual(['key', 'secret']);
    expect(rotated.secret).toMatch(/^rot_[0-9A-Za-z]{49}$/);
    expect(rotated.key).toEqual(await getKey('rotate-api', rotated.key.id));
    expect(rotated.key).toMatchObject({
      name: 'rotated key',
      permissions: ['users:read'],
      rotated_from: old.key.id,
      status: 'active',
    });

    // The server hashes with its pepper: the secret verifies only because the command used the same one.
    expect(await verify('rotate-api', rotated.secret)).toMatchObject({
      valid: true,
      code: 'VALID',
      key: { id: rotated.key.id },
    });
    expect(await verify('rotate-api', old.secret)).toEqual({ valid: false, code: 'REVOKED' });
    expect(await getKey('rotate-api', old.key.id)).toMatchObject({
      status: 'revoked',
      rotated_to: rotated.key.id,
      revocation_reason: 'rotated',
    });
  }, 120_000);

  it('keys rotate with a grace period: the old key keeps verifying, and the new secret is printed once', async () => {
    await addApp('grace-api', 'grc');
    const old = await createKey('grace-api', 'graceful key');

    const result = await cli('keys', 'rotate', 'grace-api', old.key.id, '--grace-period-seconds', '3600');
    expect(result.status).toBe(0);
    const [first, secret, ...rest] = result.stdout.split('\n');
    expect(first).toMatch(
      new RegExp(
        `^Key ${old.key.id} keeps verifying for 3600 seconds\\. Its successor is key [0-9a-f-]{36}\\. Its secret, shown only this once:$`,
      ),
    );
    expect(rest).toEqual(['']);
    expect(await verify('grace-api', secret!)).toMatchObject({ valid: true, code: 'VALID' });
    expect(await verify('grace-api', old.secret)).toMatchObject({ valid: true, code: 'VALID' });
    expect(Date.parse((await getKey('grace-api', old.key.id)).revoked_at!)).toBeGreaterThan(Date.now() + 3500_000);
  }, 120_000);

  it('tokens add prints the token once; the server accepts it with its scopes only, until tokens revoke', async () => {
    const listKeys = (token: string) => server.call('GET', '/api-auth/apps/internal-api/keys', undefined, { token });
    const added = await cliJson<{ name: string; scopes: string[]; token: string }>(
      'tokens',
      'add',
      '--name',
      'dashboard',
      '--scope',
      'keys:read',
      '--scope',
      'keys:verify',
    );
    expect(added).toEqual({ name: 'dashboard', scopes: ['keys:read', 'keys:verify'], token: expect.any(String) });
    expect(added.token).toMatch(/^apt_[0-9A-Za-z]{49}$/);
    await addApp('internal-api', 'sk');
    // Added through another connection: this server hears of it within milliseconds.
    await expect.poll(async () => (await listKeys(added.token)).status, { timeout: 1000, interval: 10 }).toBe(200);
    const refused = await server.post('internal-api', { name: 'x' }, { token: added.token });
    expect(refused.status).toBe(403);

    const text = await cli('tokens', 'add', '--name', 'gateway', '--scope', 'keys:verify');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(
      /^Added service token gateway with keys:verify\. The token, shown only this once:\napt_[0-9A-Za-z]{49}\n$/,
    );

    const listed = await cliJson<Record<string, unknown>[]>('tokens', 'list');
    expect(listed).toEqual([
      {
        name: 'dashboard',
        scopes: ['keys:read', 'keys:verify'],
        status: 'active',
        created_at: expect.any(String),
        revoked_at: null,
      },
      { name: 'gateway', scopes: ['keys:verify'], status: 'active', created_at: expect.any(String), revoked_at: null },
    ]);
    const [stored] = await store.liveServiceTokens();
    const listing = (await cli('tokens', 'list')).stdout;
    for (const printed of [JSON.stringify(listed), listing]) {
      expect(printed).not.toContain(added.token);
      expect(printed).not.toContain(stored!.tokenHash);
    }
    expect(listing).toMatch(/^dashboard\tactive\tkeys:read,keys:verify\t\S+\ngateway\tactive\tkeys:verify\t\S+\n$/);
    const tokens = await cliJson<{ name: string }[]>('tokens', 'list');
    expect(await cliJson('tokens', 'show', 'dashboard')).toEqual(tokens.find((each) => each.name === 'dashboard'));
    expect((await cli('tokens', 'show', 'dashboard')).stdout).toMatch(
      /^dashboard \(active\)\nscopes: {5}keys:read, keys:verify\ncreated at: \S+\n$/,
    );
    expect(await cli('tokens', 'show', 'nobody')).toMatchObject({
      status: 1,
      stderr: "No service token is named 'nobody'.\n",
    });

    const revoked = await cliJson<Record<string, unknown>>('tokens', 'revoke', 'dashboard');
    expect(revoked).toMatchObject({ name: 'dashboard', status: 'revoked', revoked_at: expect.any(String) });
    await expect.poll(async () => (await listKeys(added.token)).status, { timeout: 1000, interval: 10 }).toBe(401);
    expect(await cli('tokens', 'revoke', 'dashboard')).toMatchObject({
      status: 0,
      stdout: `Service token dashboard is revoked as of ${revoked.revoked_at}.\n`,
    });
  }, 120_000);

  it('tokens add refuses a name taken (revoked tokens included) or an unknown scope, storing nothing', async () => {
    await cliJson('tokens', 'add', '--name', 'taken', '--scope', 'keys:read');
    await cliJson('tokens', 'revoke', 'taken');
    const before = await store.allServiceTokens();

    const duplicate = await cli('tokens', 'add', '--name', 'taken', '--scope', 'keys:verify', '--json');
    expect(duplicate).toMatchObject({ status: 1, stdout: '' });
    expect(JSON.parse(duplicate.stderr)).toEqual({
      error: "A service token named 'taken' already exists (names are never reused, revoked tokens' included)",
    });
    const unknown = await cli('tokens', 'add', '--name', 'fresh', '--scope', 'keys:everything');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('--scope must be equal to one of the allowed values: keys:create,');
    expect(await cli('tokens', 'revoke', 'nobody')).toMatchObject({
      status: 1,
      stderr: "No service token is named 'nobody'.\n",
    });
    expect(await store.allServiceTokens()).toEqual(before);
  }, 120_000);

  it('fails with exit 1 and the reason: unknown app or key, a revoked or already rotated key', async () => {
    await addApp('failing-api', 'fail');
    const revoked = await createKey('failing-api', 'revoked key');
    expect((await cli('keys', 'revoke', 'failing-api', revoked.key.id)).status).toBe(0);
    const rotated = await createKey('failing-api', 'rotated key');
    expect((await cli('keys', 'rotate', 'failing-api', rotated.key.id, '--grace-period-seconds', '60')).status).toBe(0);
    const before = await getKey('failing-api', rotated.key.id);

    const failures: [string[], string][] = [
      [['keys', 'list', 'no-such-api'], "No API auth app is named 'no-such-api'."],
      [['keys', 'revoke', 'no-such-api', SOME_UUID], "No API auth app is named 'no-such-api'."],
      [['keys', 'revoke', 'failing-api', SOME_UUID], `App 'failing-api' has no key '${SOME_UUID}'.`],
      [['keys', 'rotate', 'billing-api', revoked.key.id], `App 'billing-api' has no key '${revoked.key.id}'.`],
      [['keys', 'rotate', 'failing-api', revoked.key.id], `Key '${revoked.key.id}' is revoked and cannot be rotated.`],
      [
        ['keys', 'rotate', 'failing-api', rotated.key.id],
        `Key '${rotated.key.id}' was already rotated to '${before.rotated_to}'.`,
      ],
    ];
    for (const [args, message] of failures) {
      expect(await cli(...args)).toMatchObject({ status: 1, stdout: '', stderr: `${message}\n` });
    }
    const [args, message] = failures.at(-1)!;
    const json = await cli(...args, '--json');
    expect(json).toMatchObject({ status: 1, stdout: '' });
    expect(JSON.parse(json.stderr)).toEqual({ error: message });
    // The refused rotation changed nothing.
    expect(await getKey('failing-api', rotated.key.id)).toEqual(before);
  }, 120_000);
});
