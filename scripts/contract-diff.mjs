// Breaking-change gate: compares spec/openapi.yaml in the working tree with the same file at a
// base git ref (argument, else the newest api-v* tag, else the previous commit). A breaking
// change fails unless info.version starts a new major version.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const tools = fileURLToPath(new URL('..', import.meta.url));
const specPath = 'spec/openapi.yaml';

/** @param {string[]} args */
const git = (...args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
/** @param {string[]} args */
const tryGit = (...args) => {
  try {
    return git(...args);
  } catch {
    return '';
  }
};

const repo = git('rev-parse', '--show-toplevel');
const base =
  process.argv[2] ||
  tryGit('-C', repo, 'tag', '--list', 'api-v*', '--sort=-v:refname').split('\n')[0] ||
  (tryGit('-C', repo, 'rev-parse', '--verify', '--quiet', 'HEAD~1') ? 'HEAD~1' : '');

if (!base) {
  console.log('contract:diff: no api-v* tag and no previous commit to compare with; nothing to check.');
  process.exit(0);
}
const baseSpec = tryGit('-C', repo, 'show', `${base}:${specPath}`);
if (!baseSpec) {
  console.log(`contract:diff: ${specPath} does not exist at ${base}; nothing to check.`);
  process.exit(0);
}

const scratch = mkdtempSync(join(tmpdir(), 'apikeys-contract-diff-'));
try {
  const baseFile = join(scratch, `base-${base.replace(/[^\w.-]/g, '_')}.yaml`);
  writeFileSync(baseFile, baseSpec);
  const revisionFile = join(repo, specPath);
  const result = spawnSync(
    join(tools, 'node_modules/.bin/redocly'),
    [
      'diff',
      baseFile,
      revisionFile,
      '--config',
      join(tools, 'scripts/contract-diff.redocly.yaml'),
      '--fail-on',
      'major',
    ],
    { encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
  );
  const report = result.stdout + result.stderr;
  process.stdout.write(report);
  if (result.status === 0) {
    console.log(`contract:diff: no breaking change against ${base}.`);
    process.exit(0);
  }
  if (!/major change/.test(report)) {
    console.error('contract:diff: redocly diff failed without a report.');
    process.exit(2);
  }
  /** @param {string} text */
  const major = (text) => Number(String(parse(text).info.version).split('.')[0]);
  const [from, to] = [major(baseSpec), major(readFileSync(revisionFile, 'utf8'))];
  if (to > from) {
    console.log(`contract:diff: breaking changes against ${base}, released as a new major version (${from} → ${to}).`);
    process.exit(0);
  }
  console.error(
    `contract:diff: breaking changes against ${base} while info.version stays on major ${from}. ` +
      'Make the change compatible, or bump info.version to a new major.',
  );
  process.exit(1);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
