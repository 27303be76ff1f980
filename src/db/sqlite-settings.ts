/**
 * How every SQLite connection is set up as the pool opens it: WAL journal
 * mode and `synchronous = FULL`. The pool replaces its SQLite connection now
 * and then (the libsql dialect's validateConnection retires one after 10 s)
 * and `synchronous` belongs to the connection, so this runs on each new
 * connection, not once. MikroORM's own `pragma foreign_keys = on` still runs
 * when it connects.
 *
 * WAL: a read checks for no journal and locks only the -shm file (two
 * system calls for a one-row read instead of eight), readers never wait for
 * the writer, and a commit appends to the -wal file instead of writing a
 * journal and the database both. The -wal and -shm files beside the
 * database belong to it.
 */
import type { MikroORM } from '@mikro-orm/core';
import { StartupError } from '../config.js';
import { connectionOf } from './prepared-reads.js';

/** The database cannot run as the service needs it: refused at start, DATABASE_UNAVAILABLE on a request. */
export class SqliteSettingsError extends StartupError {}

/** What this module uses of a libsql connection. */
interface LibSqlConnection {
  prepare(sql: string): { get(): Record<string, unknown> | undefined; run(): unknown };
  close(): void;
}

function applySettings(connection: LibSqlConnection, file: string): void {
  let mode: unknown;
  try {
    mode = connection.prepare('pragma journal_mode = wal').get()?.journal_mode;
  } catch (error) {
    const { message } = error as { message?: string };
    throw new SqliteSettingsError(`SQLITE_PATH: ${file} cannot be switched to WAL journal mode (${message ?? String(error)})`, {
      cause: error,
    });
  }
  // SQLite answers with the mode it is in: one that cannot change (no shared memory, say) keeps its old mode.
  if (mode !== 'wal') {
    throw new SqliteSettingsError(`SQLITE_PATH: ${file} cannot be switched to WAL journal mode (it stays in ${String(mode)} mode)`);
  }
  // A consent change is legal evidence: once acknowledged it must survive a power loss. FULL syncs the -wal
  // file at every commit; NORMAL syncs it only at checkpoints, so the last commits before a power cut could
  // be lost although their answers had gone out (a crash of the process alone loses nothing in either).
  connection.prepare('pragma synchronous = full').run();
}

/** knex's pool `afterCreate` for the SQLite file `file`. */
export function sqliteAfterCreate(file: string) {
  return (connection: LibSqlConnection, done: (error: Error | null, connection: LibSqlConnection) => void): void => {
    try {
      applySettings(connection, file);
    } catch (error) {
      // knex leaves a connection whose afterCreate failed open.
      connection.close();
      done(error as Error, connection);
      return;
    }
    done(null, connection);
  };
}

/**
 * Marks the connection of a failed SQLite transaction for the pool to close
 * instead of lending it again (knex's own `__knex__disposed` mark, which
 * its pool checks before every loan). libsql leaves a statement that failed
 * (SQLITE_BUSY while another process held the write lock, say) active on
 * its connection, and every later COMMIT there failed with "SQL statements
 * in progress" until the statement happened to be garbage-collected, 10 to
 * 20 seconds of refused writes after the lock was gone. A new connection
 * costs a millisecond and the settings above.
 */
export async function retireSqliteConnection(transaction: unknown): Promise<void> {
  const connection = (await connectionOf(transaction)) as { __knex__disposed?: unknown };
  connection.__knex__disposed ??= 'a statement failed in a transaction on this SQLite connection';
}

/**
 * Copies every committed change from the -wal file into the database file
 * and empties the -wal file, before the ORM closes. SQLite does this itself
 * when its last connection closes, but only if that connection can close:
 * the batched reads keep their compiled statements per connection
 * (prepared-reads.ts), and a connection with statements is left open, so
 * after a clean stop the database file held the schema's first page and
 * everything else was in the -wal file. An operator who backs up the
 * database file alone after stopping the service now gets all of it.
 */
export async function checkpointSqlite(orm: MikroORM): Promise<void> {
  await orm.em.getConnection().execute('pragma wal_checkpoint(TRUNCATE)');
}
