import { parseArgs } from 'node:util';
import { databaseUrlFromEnv } from './config.js';
import { contractPatterns } from './contract.js';
import { AppExistsError } from './store/keyStore.js';
import { openStore } from './store/openStore.js';

const USAGE = `Usage (DATABASE_URL selects the database, as for the server):
  pnpm apikeys apps add <slug> --prefix <prefix>   register an API auth app
  pnpm apikeys apps list                           list the apps`;

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { prefix: { type: 'string' } } });
  const [group, command, slug] = positionals;
  if (group !== 'apps' || (command !== 'add' && command !== 'list')) {
    console.error(USAGE);
    return 2;
  }
  const patterns = contractPatterns();
  if (command === 'add') {
    if (!slug || !patterns.appSlug.test(slug)) {
      console.error(`The slug must match ${patterns.appSlug.source} (lower-case letters, digits and hyphens, 1-63 characters).`);
      return 2;
    }
    if (!values.prefix || !patterns.keyPrefix.test(values.prefix)) {
      console.error(`--prefix must match ${patterns.keyPrefix.source} (1-16 lower-case letters and digits, starting with a letter).`);
      return 2;
    }
  }

  const store = openStore(databaseUrlFromEnv());
  try {
    await store.migrate();
    if (command === 'add') {
      const app = await store.addApp({ slug: slug!, keyPrefix: values.prefix! }, new Date());
      console.log(`Added app ${app.slug}: its keys start with ${app.keyPrefix}_`);
    } else {
      const apps = await store.listApps();
      if (apps.length === 0) console.log('No apps yet. Add one with: pnpm apikeys apps add <slug> --prefix <prefix>');
      for (const app of apps) console.log(`${app.slug}\t${app.keyPrefix}\t${app.createdAt}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof AppExistsError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
