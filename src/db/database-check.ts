/**
 * Checks, before the ORM touches anything, that the configured database is
 * there and usable, and says what is wrong in one line naming the variable.
 *
 * MikroORM's migrator creates a missing PostgreSQL database whatever
 * `ensureDatabase` says (Migrator.ensureDatabase calls the schema generator's
 * ensureDatabase unconditionally), so a typo in DATABASE_URL would start the
 * service on a new, empty database. Connecting first, with the service's own
 * credentials, refuses that before the migrator runs.
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { type DatabaseConfig, StartupError } from '../config.js';

const reason = (error: unknown): string => {
  const { code, message } = error as { code?: string; message?: string };
  return code ?? message ?? String(error);
};

const PAGE = Buffer.alloc(4096);

/**
 * Creates, writes and removes a file in `folder`, or throws why it cannot.
 * Writing a file is the only honest test: permissions, read-only mounts and
 * root all agree on it. SQLite in WAL mode needs as much of the database's
 * folder to open the database (it creates the -wal and -shm files there),
 * and a write rolled back in WAL mode touches no file, so readiness asks it
 * too. One page is written, so that a full disk fails here as a commit would.
 */
export function probeFolder(folder: string): void {
  // Written over, not refused, if a killed process left it: node is PID 1 in a container, so the name comes back.
  const probe = path.join(folder, `.consent-write-check-${process.pid}`);
  try {
    writeFileSync(probe, PAGE);
  } finally {
    rmSync(probe, { force: true });
  }
}

function checkSqlite(file: string): void {
  if (file === ':memory:') return;
  const folder = path.dirname(file);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    const code = reason(error);
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new StartupError(`SQLITE_PATH: ${folder} is not a folder (a file is in the way)`);
    throw new StartupError(`SQLITE_PATH: cannot create the folder ${folder} (${code})`);
  }
  try {
    probeFolder(folder);
  } catch (error) {
    throw new StartupError(
      `SQLITE_PATH: the folder ${folder} is not writable (${reason(error)}); SQLite writes its journal beside the database file`,
    );
  }
  if (!existsSync(file)) return;
  if (!statSync(file).isFile()) throw new StartupError(`SQLITE_PATH: ${file} exists but is not a file`);
  try {
    closeSync(openSync(file, 'r+'));
  } catch (error) {
    throw new StartupError(`SQLITE_PATH: the database file ${file} is not writable (${reason(error)})`);
  }
}

async function checkPostgresql(database: Extract<DatabaseConfig, { dialect: 'postgresql' }>): Promise<void> {
  const url = new URL(database.url);
  const where = `${url.hostname}:${url.port || '5432'}`;
  const user = decodeURIComponent(url.username) || 'the default user';
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const client = new pg.Client({ connectionString: database.url, connectionTimeoutMillis: database.connectTimeoutSeconds * 1000 });
  // A connection that fails after connecting (the server going away) must not crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    const { code, message = '' } = error as { code?: string; message?: string };
    if (code === '3D000') {
      throw new StartupError(
        `DATABASE_URL names the database "${name}", which does not exist on ${where}: create it first (the service never creates databases)`,
      );
    }
    if (code === '28P01' || code === '28000') throw new StartupError(`DATABASE_URL: PostgreSQL at ${where} refused ${user} (${message})`);
    if (code === 'ECONNREFUSED') throw new StartupError(`DATABASE_URL: nothing accepts connections at ${where} (connection refused)`);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new StartupError(`DATABASE_URL: the host "${url.hostname}" cannot be resolved`);
    if (/timeout/i.test(message)) {
      throw new StartupError(
        `DATABASE_URL: PostgreSQL at ${where} did not answer within ${database.connectTimeoutSeconds} s (DATABASE_CONNECT_TIMEOUT_SECONDS)`,
      );
    }
    throw new StartupError(`DATABASE_URL: cannot use PostgreSQL at ${where} (${code ? `${code}: ` : ''}${message})`);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function checkDatabase(database: DatabaseConfig): Promise<void> {
  if (database.dialect === 'sqlite') checkSqlite(database.path);
  else await checkPostgresql(database);
}
