// What the next release of @apikeys/client is, from three sources that must agree: the contract
// (its info.version, and how it changed according to `redocly diff`, as `pnpm contract:diff` sees it),
// the pending changesets (.changeset/*.md), and the client's CHANGELOG (its newest released version).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const CLIENT = '@apikeys/client';
export const LEVELS = /** @type {const} */ (['none', 'patch', 'minor', 'major']);
/** @typedef {typeof LEVELS[number]} Level */

const tools = fileURLToPath(new URL('..', import.meta.url));
const specPath = 'spec/openapi.yaml';

/** @param {string} repo @param {string[]} args */
const tryGit = (repo, ...args) => {
  try {
    return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return '';
  }
};

/** @param {Level} a @param {Level} b */
export const atLeast = (a, b) => LEVELS.indexOf(a) >= LEVELS.indexOf(b);

/** @param {string} version @param {Level} level */
export function nextVersion(version, level) {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  if (level === 'major') {
    return `${major + 1}.0.0`;
  }
  if (level === 'minor') {
    return `${major}.${minor + 1}.0`;
  }
  return level === 'patch' ? `${major}.${minor}.${patch + 1}` : version;
}

/**
 * The version that `level` turns into `version` (3.0.0 from 2.0.0 by major), or undefined when
 * no bump at that level ends there (2.1.0 is no major bump). For a first release, which has no
 * released version before it.
 * @param {string} version @param {Level} level
 */
export function versionBefore(version, level) {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  const before =
    level === 'major' && major > 0 && minor === 0 && patch === 0
      ? `${major - 1}.0.0`
      : level === 'minor' && minor > 0 && patch === 0
        ? `${major}.${minor - 1}.0`
        : level === 'patch' && patch > 0
          ? `${major}.${minor}.${patch - 1}`
          : undefined;
  return before;
}

/** The contract's info.version in the working tree. @param {string} repo */
export const contractVersion = (repo) => String(parse(readFileSync(join(repo, specPath), 'utf8')).info.version);

/** The client's package.json version. @param {string} repo */
export const clientVersion = (repo) =>
  String(JSON.parse(readFileSync(join(repo, 'packages/client/package.json'), 'utf8')).version);

/** The newest version the client's CHANGELOG records as released, or undefined before the first release. @param {string} repo */
export function releasedVersion(repo) {
  let changelog = '';
  try {
    changelog = readFileSync(join(repo, 'packages/client/CHANGELOG.md'), 'utf8');
  } catch {
    return undefined;
  }
  return /^## (\d+\.\d+\.\d+)\s*$/m.exec(changelog)?.[1];
}

/**
 * The highest bump the pending changesets ask for each package.
 * @param {string} repo
 * @returns {Map<string, Level>}
 */
export function pendingBumps(repo) {
  /** @type {Map<string, Level>} */
  const bumps = new Map();
  const folder = join(repo, '.changeset');
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.md') && name !== 'README.md')) {
    const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readFileSync(join(folder, file), 'utf8'))?.[1] ?? '';
    for (const line of front.split(/\r?\n/).filter((each) => each.trim() !== '')) {
      const match = /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch|none)\s*$/.exec(line);
      if (!match) {
        throw new Error(`.changeset/${file}: cannot read "${line}"`);
      }
      const [, name = '', level = 'none'] = match;
      const known = bumps.get(name) ?? 'none';
      bumps.set(name, atLeast(known, /** @type {Level} */ (level)) ? known : /** @type {Level} */ (level));
    }
  }
  return bumps;
}

/**
 * How the contract changed against the base `pnpm contract:diff` uses (the argument, else the newest
 * api-v* tag, else the previous commit), as `redocly diff` rates it.
 * @param {string} repo @param {string | undefined} requestedBase
 * @returns {{ base: string, level: Level }}
 */
export function contractChange(repo, requestedBase) {
  const base =
    requestedBase ||
    tryGit(repo, 'tag', '--list', 'api-v*', '--sort=-v:refname').split('\n')[0] ||
    (tryGit(repo, 'rev-parse', '--verify', '--quiet', 'HEAD~1') ? 'HEAD~1' : '');
  const baseSpec = base ? tryGit(repo, 'show', `${base}:${specPath}`) : '';
  if (!baseSpec) {
    return { base: base || '(none)', level: 'none' };
  }
  const scratch = mkdtempSync(join(tmpdir(), 'apikeys-release-plan-'));
  try {
    const baseFile = join(scratch, 'base.yaml');
    writeFileSync(baseFile, baseSpec);
    const result = spawnSync(
      join(tools, 'node_modules/.bin/redocly'),
      [
        'diff',
        baseFile,
        join(repo, specPath),
        '--config',
        join(tools, 'scripts/contract-diff.redocly.yaml'),
        '--format',
        'json',
      ],
      { encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
    );
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
    /** @type {Level} */
    const level = report.bump ?? 'none';
    return { base, level };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Every disagreement between the contract, the changesets and the client's versions, in words.
 * @param {string} repo @param {string | undefined} requestedBase
 */
export function releaseProblems(repo, requestedBase) {
  const problems = [];
  const contract = contractVersion(repo);
  const client = clientVersion(repo);
  const pending = pendingBumps(repo).get(CLIENT) ?? 'none';
  const change = contractChange(repo, requestedBase);
  const released = releasedVersion(repo);
  if (client !== contract) {
    problems.push(`${CLIENT} is version ${client} but the contract's info.version is ${contract}: they must be equal.`);
  }
  if (!atLeast(pending, change.level)) {
    problems.push(
      `The contract changed at the ${change.level} level against ${change.base} (redocly diff), but the pending ` +
        `changesets bump ${CLIENT} ${pending === 'none' ? 'not at all' : `only at ${pending}`}. ` +
        `Run \`pnpm changeset\` and choose ${change.level} (or higher) for ${CLIENT}.`,
    );
  }
  if (pending !== 'none') {
    const from = released ?? versionBefore(contract, pending);
    const next = from === undefined ? undefined : nextVersion(from, pending);
    if (next !== contract) {
      problems.push(
        released
          ? `The pending changesets release ${CLIENT} ${released} as ${nextVersion(released, pending)} (${pending}), ` +
              `but the contract's info.version is ${contract}. Set info.version (and the client's version) to ` +
              `${nextVersion(released, pending)}, or change the changesets' bump.`
          : `First release: a ${pending} bump cannot end at ${contract}. Use a changeset level whose bump ends ` +
              `there (x.0.0 for major, x.y.0 for minor).`,
      );
    }
  }
  return { problems, contract, client, pending, change, released };
}
