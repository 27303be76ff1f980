import 'reflect-metadata';
import type { App } from './app.js';
import type { Logger } from './observability/logger.js';
import { type Config, ConfigError, DEVELOPMENT_JWT_SECRET, parseConfig, StartupError } from './config.js';

async function start(): Promise<{ config: Config; app: App; url: string; logger: Logger }> {
  const config = parseConfig(process.env);
  // Loaded only once the configuration is known to be good, so a bad variable is reported in a moment.
  const { createApp } = await import('./app.js');
  const { createLogger } = await import('./observability/logger.js');
  const logger = createLogger(config.observability.logLevel);
  const app = await createApp(config, { logger });
  try {
    return { config, app, url: await app.listen(), logger };
  } catch (error) {
    await app.close();
    throw error;
  }
}

// A start that fails says why in plain lines and exits non-zero: stack traces are for bugs, not for setup.
function refuseToStart(error: unknown): never {
  if (error instanceof ConfigError || error instanceof StartupError) console.error(error.message);
  else console.error(`Could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const { config, app, url, logger } = await start().catch(refuseToStart);
const where = config.database.dialect === 'sqlite' ? `SQLite ${config.database.path}` : 'PostgreSQL';
const metrics = app.metricsServer?.address() ?? (config.observability.metrics.enabled ? '/metrics' : 'off');
logger.info(
  { url, database: where, metrics, tracing: config.observability.tracing !== null },
  `Consent subgraph ready at ${url} (${where})`,
);
if (config.jwt.key.kind === 'secret' && config.jwt.key.secret === DEVELOPMENT_JWT_SECRET) {
  console.log('Development tokens: npm run token -- --sub user-1   (paste as "Authorization: Bearer <token>" in Sandbox)');
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: draining requests and closing the database`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
