import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// One copy of graphql for our code and for dependencies: vite would otherwise
// hand us index.mjs while Apollo and type-graphql load index.js ("another realm").
const resolve = { alias: { graphql: require.resolve('graphql') } };

// PostgreSQL runs when TEST_POSTGRES_URL names a server (CI sets it). Without
// it the PostgreSQL project is left out, and the summary line says so.
const postgresUrl = process.env.TEST_POSTGRES_URL;
if (!postgresUrl) {
  console.warn(
    '[vitest] TEST_POSTGRES_URL is not set: the PostgreSQL integration project, the PostgreSQL outage test and the relay kill test are not part of this run.',
  );
}

// Publishing to NATS JetStream is tested when TEST_NATS_URL names a server (CI starts one).
const natsUrl = process.env.TEST_NATS_URL;
if (!natsUrl) {
  console.warn('[vitest] TEST_NATS_URL is not set: the NATS publishing tests (*.nats.test.ts) are not part of this run.');
}

// The service behind a real PgBouncer is tested where PgBouncer is installed (CI installs Debian's).
const pgbouncer = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'].some((b) => existsSync(b));
if (postgresUrl && !pgbouncer) {
  console.warn(
    '[vitest] pgbouncer is not installed: the test behind PgBouncer (test/integration/pgbouncer.test.ts) is not part of this run.',
  );
}

// Files about one database only run in that database's project.
const ONLY_ON = { sqlite: ['test/integration/sqlite-wal.test.ts'], postgresql: ['test/integration/pgbouncer.test.ts'] };

const integration = (name: string, env: { TEST_DATABASE: 'sqlite' | 'postgresql' }) => ({
  resolve,
  test: {
    name,
    include: ['test/integration/**/*.test.ts'],
    exclude: [
      ...(natsUrl ? [] : ['test/integration/**/*.nats.test.ts']),
      ...(pgbouncer ? [] : ['test/integration/pgbouncer.test.ts']),
      ...(env.TEST_DATABASE === 'sqlite' ? ONLY_ON.postgresql : ONLY_ON.sqlite),
    ],
    env,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

export default defineConfig({
  test: {
    // CI reads its closing line from this file (vitest's summary is not a format it knows).
    reporters: process.env.VITEST_JSON_REPORT ? ['default', ['json', { outputFile: process.env.VITEST_JSON_REPORT }]] : ['default'],
    projects: [
      { resolve, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      integration('integration-sqlite', { TEST_DATABASE: 'sqlite' }),
      ...(postgresUrl ? [integration('integration-postgresql', { TEST_DATABASE: 'postgresql' })] : []),
      // The service as a process and under faults: a production install, a PostgreSQL cluster of its
      // own stopped under load (only where PostgreSQL is installed, as CI says with TEST_POSTGRES_URL),
      // the server killed while it publishes to NATS from PostgreSQL (with both URLs).
      {
        resolve,
        test: {
          name: 'system',
          include: ['test/system/**/*.test.ts'],
          exclude: [
            ...(postgresUrl ? [] : ['test/system/postgresql-*.test.ts', 'test/system/relay-kill.nats.test.ts']),
            ...(natsUrl ? [] : ['test/system/**/*.nats.test.ts']),
          ],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve,
        test: { name: 'federation', include: ['test/federation/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000 },
      },
    ],
  },
});
