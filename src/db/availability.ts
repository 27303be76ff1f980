/**
 * Whether the database can take writes now, and whether a failure means it
 * cannot: both answer the same question for /ready and for clients, who get
 * DATABASE_UNAVAILABLE (retry later) instead of an internal error.
 */
import path from 'node:path';
import { ConnectionException, type MikroORM } from '@mikro-orm/core';
import type { DatabaseConfig } from '../config.js';
import { probeFolder } from './database-check.js';
import { MIGRATIONS_TABLE } from './orm.config.js';
import { retireSqliteConnection, SqliteSettingsError } from './sqlite-settings.js';

/**
 * Whether a write would go through now, without leaving one. PostgreSQL: an
 * UPDATE rolled back (a standby refuses it at once). SQLite: first the
 * folder, since in WAL mode a transaction writes nothing before its commit,
 * so a read-only folder or disk or a full disk shows only there (and WAL
 * needs the folder writable to open the database); then an UPDATE that
 * really changes a row (SQLite skips identical rows), rolled back, which
 * takes the write lock that another process may be holding.
 */
export async function acceptsWrites(orm: MikroORM, database: DatabaseConfig): Promise<boolean> {
  const sql =
    database.dialect === 'sqlite'
      ? `update ${MIGRATIONS_TABLE} set name = name || '.' where id = (select min(id) from ${MIGRATIONS_TABLE})`
      : `update ${MIGRATIONS_TABLE} set name = name where 1 = 0`;
  const connection = orm.em.getConnection('write');
  try {
    if (database.dialect === 'sqlite') probeFolder(path.dirname(database.path));
    const trx = await connection.begin();
    try {
      await connection.execute(sql, [], 'run', trx);
    } catch (error) {
      // The probe's own failed statement must not stay behind on the connection (see retireSqliteConnection).
      if (database.dialect === 'sqlite') await retireSqliteConnection(trx);
      throw error;
    } finally {
      await connection.rollback(trx);
    }
    return true;
  } catch {
    return false;
  }
}

// PostgreSQL SQLSTATEs: connection exceptions, shutdown, starting up, too many connections, read-only.
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300|25006)$/;
const UNAVAILABLE_CODE =
  /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|SQLITE_(READONLY|CANTOPEN|IOERR|FULL|BUSY)\w*)$/;
// knex reports "Transaction query already complete" when the connection under an open transaction
// died between two of its statements (the write path never reuses a finished transaction).
const UNAVAILABLE_MESSAGE =
  /Connection terminated|Timeout acquiring a connection|timeout expired|not queryable|connection error|Connection ended|attempt to write a readonly database|Transaction query already complete/i;

/** True when `error`, or anything it wraps, says the database cannot be reached or written. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    if (current instanceof ConnectionException || current.name === 'KnexTimeoutError') return true;
    // A new SQLite connection that could not be put in WAL mode: the database cannot be used as it must.
    if (current instanceof SqliteSettingsError) return true;
    const { code } = current as { code?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_CODE.test(code))) return true;
    if (UNAVAILABLE_MESSAGE.test(current.message)) return true;
    const wrapped = current as { originalError?: unknown; cause?: unknown };
    current = wrapped.originalError ?? wrapped.cause;
  }
  return false;
}
