// Makes sure the system programs the tests drive for real are present: Debian's Chromium for
// the docs page test and PostgreSQL's server binaries for the PostgreSQL store. No browser
// or database is downloaded from anywhere but the machine's package manager.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasPostgres = () =>
  existsSync('/usr/lib/postgresql') &&
  readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));

const missing = [];
if (!existsSync(chromium)) {
  missing.push('chromium');
}
if (!hasPostgres() && !process.env.DATABASE_URL) {
  missing.push('postgresql');
}

if (missing.length > 0) {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    console.error(
      `The tests need ${missing.join(' and ')} from the system's packages (apt-get install ${missing.join(' ')}), ` +
        'or CHROMIUM_PATH / DATABASE_URL pointing at ones you have.',
    );
    process.exit(1);
  }
  console.log(`Installing ${missing.join(', ')} with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}
