import 'reflect-metadata';
import { createApp } from './app.js';
import { type Config, ConfigError, DEVELOPMENT_JWT_SECRET, parseConfig } from './config.js';

let config: Config;
try {
  config = parseConfig(process.env);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}

const app = await createApp(config);
const url = await app.listen();
const where = config.database.dialect === 'sqlite' ? `SQLite ${config.database.path}` : 'PostgreSQL';
console.log(`Consent subgraph ready at ${url} (${where})`);
if (config.jwt.key.kind === 'secret' && config.jwt.key.secret === DEVELOPMENT_JWT_SECRET) {
  console.log('Development tokens: npm run token -- --sub user-1   (paste as "Authorization: Bearer <token>" in Sandbox)');
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: draining requests and closing the database`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
