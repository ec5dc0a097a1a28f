import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { composeService } from './compose.js';
import { configFromEnv } from './config.js';
import { loadContract } from './contract/contract.js';
import { DEMO_APP, seedDemoApp } from './demoApp.js';
import { listen } from './http/serve.js';
import { envTokenName } from './keys/serviceToken.js';
import { createJsonLogger } from './logger.js';
import { openStore } from './store/openStore.js';

// Replaced by one that also masks the configured credentials once they are known.
let logger = createJsonLogger();

function builtDocs(): string | undefined {
  try {
    const file = createRequire(import.meta.url).resolve('@apikeys/docs/index.html');
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

async function main() {
  const config = configFromEnv();
  logger = createJsonLogger(
    process.stdout,
    undefined,
    [...config.tokens, config.pepper ?? '', config.metricsToken ?? ''],
    config.logLevel,
  );
  const store = openStore(config.databaseUrl);
  await store.migrate();
  // Demo data only outside production.
  if (!config.production && (await seedDemoApp(store, new Date()))) {
    logger.info('created the demo app', { app: DEMO_APP.slug, keyPrefix: DEMO_APP.keyPrefix });
  }

  let tokens = config.tokens;
  const serviceTokens = (await store.liveServiceTokens()).map((token) => token.name);
  if (config.production && tokens.length === 0 && serviceTokens.length === 0) {
    throw new Error(
      'APIKEYS_TOKENS must be set in production (NODE_ENV=production), or a service token added with `apikeys tokens add`: no token is made up there',
    );
  }
  const generated = tokens.length === 0 && serviceTokens.length === 0;
  if (generated) {
    tokens = [`dev_${randomBytes(24).toString('base64url')}`];
  }

  const docsFile = builtDocs();
  const { app, keyUsage, webhookDeliveries } = await composeService({
    contract: await loadContract(),
    store,
    tokens,
    pepper: config.pepper,
    logger,
    rateLimit: config.rateLimit,
    authFailureLimit: config.authFailureLimit,
    corsOrigins: config.corsOrigins,
    trustProxy: config.trustProxy,
    metricsToken: config.metricsToken,
    githubKeysUrl: config.githubKeysUrl,
    validateResponses: config.validateResponses,
    docsFile,
    webhooks: { allowedNetworks: config.webhookAllowedNetworks, deliver: true },
  });
  const running = await listen(app, config.port, config.host, config.connections);
  // Which tokens this run accepts, by name (never a value): APIKEYS_TOKENS' as the audit trail names
  // them, then the database's service tokens (tokens added later are accepted too, within milliseconds).
  const accepted = [...tokens.map((_, index) => envTokenName(index)), ...serviceTokens];
  logger.info('listening', {
    url: running.url,
    store: store.kind,
    // Not `tokens`: the logger masks every field so named.
    callers: accepted,
    docs: docsFile ? `${running.url}/docs` : 'not built (pnpm run docs)',
  });

  if (!generated && !config.production && tokens.length === 0) {
    // The rule a newcomer trips on after `apikeys tokens add`: no token is made up any more.
    process.stderr.write(
      [
        '',
        `The database holds service tokens (${serviceTokens.join(', ')}), so this run makes up no token: call the API with one of them,`,
        'as `apikeys tokens add` printed it (`apikeys tokens add` again for a new one; APIKEYS_TOKENS to set tokens yourself).',
        '',
      ].join('\n'),
    );
  }
  if (generated) {
    // Printed to the terminal, not the JSON log: it is for the person who just ran `pnpm start`.
    process.stderr.write(
      [
        '',
        `APIKEYS_TOKENS is not set and the database holds no service token, so this run accepts one token, made just now: ${tokens[0]}`,
        'Create a key:',
        `  curl -sS -X POST ${running.url}/api-auth/apps/${DEMO_APP.slug}/keys \\`,
        `    -H 'Authorization: Bearer ${tokens[0]}' -H 'Content-Type: application/json' \\`,
        `    -d '{"name":"Primary production key","permissions":["users:read","users:write"],"metadata":{"owner":"backend-service"}}'`,
        docsFile ? `API reference: ${running.url}/docs` : 'API reference: not built (pnpm run docs)',
        '',
      ].join('\n'),
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info('stopping', { signal });
    // The log goes out asynchronously: let it drain before exiting rather than leave the last
    // lines to a synchronous flush at exit, which a full pipe can make fail.
    const exit = (code: number) => logger.pino.flush(() => process.exit(code));
    try {
      await running.close();
      await keyUsage.flush();
      // Attempts in flight are recorded; what is due is sent by the next start, or another instance.
      await webhookDeliveries?.stop();
      await store.close();
      logger.info('stopped');
      exit(0);
    } catch (error) {
      logger.error('unclean stop', { error: String(error) });
      exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  logger.error('failed to start', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
