import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'libsql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { parseConfig, StartupError } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { captureLogs } from '../support/log-capture.js';
import { createTestDatabase, testDialect } from '../support/database.js';
import { TEST_JWT_SECRET } from '../support/harness.js';
import { startServerProcess } from '../support/server-process.js';

/** What a failed start printed and how it ended: lines on stderr, no stack trace, exit code 1. */
async function failedStart(env: Record<string, string>, options: { uid?: number; gid?: number } = {}) {
  const server = startServerProcess(env, options);
  const code = await server.exited();
  expect(server.output()).not.toMatch(/^\s+at /m);
  return { code, lines: server.stderr().trim().split('\n') };
}

// Root writes anywhere: a folder or file is only unwritable for another user.
const root = process.getuid?.() === 0;
const NOBODY = 65534;
const unprivileged = root ? { uid: NOBODY, gid: NOBODY } : {};
const giveAway = async (target: string) => {
  if (root) await chown(target, NOBODY, NOBODY);
};

// Each case may start the real entry point in a child process: slow on a busy machine.
describe('a start that cannot succeed', { timeout: 120_000 }, () => {
  it('lists every configuration problem, one line naming each variable, and exits 1', async () => {
    const { code, lines } = await failedStart({ NODE_ENV: 'prod', PORT: 'eighty', JWT_PUBLIC_KEY: 'not a key' });
    expect(code).toBe(1);
    expect(lines).toEqual([
      'Invalid configuration:',
      '  - NODE_ENV must be one of development, production, test, got "prod"',
      '  - JWT_PUBLIC_KEY must be a PEM public key (SPKI, "-----BEGIN PUBLIC KEY-----"); write line breaks as \\n if needed',
      '  - PORT must be a whole number from 0 to 65535, got "eighty"',
    ]);
  });

  if (testDialect() === 'sqlite') {
    describe('on SQLite', () => {
      let dir: string;
      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'consent-startup-'));
        await chmod(dir, 0o755);
      });
      afterAll(() => rm(dir, { recursive: true, force: true }));

      const boot = (env: Record<string, string>) =>
        createApp(parseConfig({ JWT_SECRET: TEST_JWT_SECRET, ...env }), { logger: createLogger('silent') });

      it('with MIGRATE_ON_START=false, refuses a database that lacks migrations by name, and starts on a migrated one', async () => {
        const file = path.join(dir, 'unmigrated', 'consent.sqlite');
        await expect(boot({ SQLITE_PATH: file, MIGRATE_ON_START: 'false' })).rejects.toThrow(
          /^MIGRATE_ON_START is false and the database lacks \d+ migration\(s\), Migration\d+\w*.*: apply them \(npm run migration:up/,
        );
        await (await boot({ SQLITE_PATH: file })).close();
        await (await boot({ SQLITE_PATH: file, MIGRATE_ON_START: 'false' })).close();
      });

      it('says when the port is already in use', async () => {
        const taken: Server = createServer();
        await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
        const port = (taken.address() as { port: number }).port;
        const app = await boot({ SQLITE_PATH: path.join(dir, 'port.sqlite') });
        try {
          await expect(app.listen(port, '127.0.0.1')).rejects.toThrow(
            new StartupError(`PORT ${port} is already in use on 127.0.0.1: stop the other process or set PORT`),
          );
        } finally {
          await app.close();
          taken.close();
        }
      });

      it('says when the data folder cannot be written or created, and exits 1', async () => {
        const locked = path.join(dir, 'locked');
        await mkdir(locked, { mode: 0o555 });
        await chmod(locked, 0o555);
        const { code, lines } = await failedStart({ SQLITE_PATH: path.join(locked, 'consent.sqlite') }, unprivileged);
        expect(code).toBe(1);
        expect(lines).toEqual([
          `SQLITE_PATH: the folder ${locked} is not writable (EACCES); SQLite writes its journal beside the database file`,
        ]);

        const file = path.join(dir, 'a-file');
        await writeFile(file, '');
        await expect(boot({ SQLITE_PATH: path.join(file, 'consent.sqlite') })).rejects.toThrow(
          new StartupError(`SQLITE_PATH: ${file} is not a folder (a file is in the way)`),
        );
      });

      it('starts when JWKS_URL is unreachable, and says so: tokens are refused until it answers', async () => {
        const closed = createServer();
        await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
        const jwks = `http://127.0.0.1:${(closed.address() as { port: number }).port}/jwks.json`;
        await new Promise((resolve) => closed.close(resolve));
        const { logger, lines } = captureLogs();
        const app = await createApp(parseConfig({ SQLITE_PATH: path.join(dir, 'jwks.sqlite'), JWKS_URL: jwks }), { logger });
        try {
          await expect
            .poll(() => lines.map((l) => l.msg))
            .toContain(`JWKS_URL ${jwks} is unreachable (ECONNREFUSED): bearer tokens cannot be checked until it answers`);
        } finally {
          await app.close();
        }
      });

      it('refuses a read-only database file before migrating it', async () => {
        const folder = path.join(dir, 'read-only-file');
        await mkdir(folder);
        await giveAway(folder);
        const file = path.join(folder, 'consent.sqlite');
        await (await boot({ SQLITE_PATH: file })).close();
        await chmod(file, 0o444);
        const { code, lines } = await failedStart({ SQLITE_PATH: file }, unprivileged);
        expect(code).toBe(1);
        expect(lines).toEqual([`SQLITE_PATH: the database file ${file} is not writable (EACCES)`]);
      });

      it('refuses a database it cannot switch to WAL journal mode, and switches it once nothing stands in the way', async () => {
        const file = path.join(dir, 'rollback-journal.sqlite');
        const other = new Database(file);
        try {
          // A database in the rollback journal (as this service made them before), read by another process meanwhile.
          other.exec('create table t (a integer)');
          other.exec('begin');
          other.prepare('select count(*) from t').get();
          const { code, lines } = await failedStart({ SQLITE_PATH: file });
          expect(code).toBe(1);
          expect(lines).toEqual([`SQLITE_PATH: ${file} cannot be switched to WAL journal mode (database is locked)`]);
          other.exec('commit');
        } finally {
          other.close();
        }
        const app = await boot({ SQLITE_PATH: file });
        try {
          expect(await app.orm.em.getConnection().execute('pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
        } finally {
          await app.close();
        }
      });
    });
  }

  if (testDialect() === 'postgresql') {
    describe('on PostgreSQL', () => {
      const serverUrl = process.env.TEST_POSTGRES_URL!;
      const boot = (env: Record<string, string>) =>
        createApp(parseConfig({ JWT_SECRET: TEST_JWT_SECRET, ...env }), { logger: createLogger('silent') });

      it('refuses a database that does not exist, and never creates it', async () => {
        const url = new URL(serverUrl);
        const name = `consent_missing_${process.pid}_${Date.now()}`;
        url.pathname = `/${name}`;
        const { code, lines } = await failedStart({ DATABASE_URL: url.toString() });
        expect(code).toBe(1);
        expect(lines).toEqual([
          `DATABASE_URL names the database "${name}", which does not exist on ${url.hostname}:${url.port}: create it first (the service never creates databases)`,
        ]);
        await expect(boot({ DATABASE_URL: url.toString() })).rejects.toThrow(StartupError);

        const admin = new pg.Client({ connectionString: serverUrl });
        await admin.connect();
        try {
          const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
          expect(found.rowCount).toBe(0);
        } finally {
          await admin.end();
        }
      });

      it('gives up on a server that accepts connections but never answers, and says how long it waited', async () => {
        const sockets = new Set<import('node:net').Socket>();
        const silent = createServer((socket) => sockets.add(socket));
        await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
        const port = (silent.address() as { port: number }).port;
        try {
          await expect(
            boot({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/consent`, DATABASE_CONNECT_TIMEOUT_SECONDS: '1' }),
          ).rejects.toThrow(`DATABASE_URL: PostgreSQL at 127.0.0.1:${port} did not answer within 1 s (DATABASE_CONNECT_TIMEOUT_SECONDS)`);
        } finally {
          for (const socket of sockets) socket.destroy();
          silent.close();
        }
      });

      it('says when nothing listens where DATABASE_URL points', async () => {
        const closed = createServer();
        await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
        const port = (closed.address() as { port: number }).port;
        await new Promise((resolve) => closed.close(resolve));
        await expect(boot({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/consent` })).rejects.toThrow(
          `DATABASE_URL: nothing accepts connections at 127.0.0.1:${port} (connection refused)`,
        );
      });

      it('starts on a database that exists', async () => {
        const database = await createTestDatabase('postgresql');
        try {
          const app = await boot(database.env);
          await app.close();
        } finally {
          await database.drop();
        }
      });
    });
  }
});
