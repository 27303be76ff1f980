/**
 * Whether the database can take writes now, and whether a failure means it
 * cannot: both answer the same question for /ready and for clients, who get
 * DATABASE_UNAVAILABLE (retry later) instead of an internal error.
 */
import { ConnectionException, type MikroORM } from '@mikro-orm/core';
import type { DatabaseConfig } from '../config.js';
import { MIGRATIONS_TABLE } from './orm.config.js';

/**
 * A write, rolled back, where `select 1` would pass on a database that
 * cannot be written. SQLite only notices a read-only file, folder or disk
 * when a page really changes (it skips identical rows), so one row is
 * changed there; PostgreSQL refuses any UPDATE on a standby at once.
 */
export async function acceptsWrites(orm: MikroORM, dialect: DatabaseConfig['dialect']): Promise<boolean> {
  const sql =
    dialect === 'sqlite'
      ? `update ${MIGRATIONS_TABLE} set name = name || '.' where id = (select min(id) from ${MIGRATIONS_TABLE})`
      : `update ${MIGRATIONS_TABLE} set name = name where 1 = 0`;
  const connection = orm.em.getConnection('write');
  try {
    const trx = await connection.begin();
    try {
      await connection.execute(sql, [], 'run', trx);
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
    const { code } = current as { code?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_CODE.test(code))) return true;
    if (UNAVAILABLE_MESSAGE.test(current.message)) return true;
    const wrapped = current as { originalError?: unknown; cause?: unknown };
    current = wrapped.originalError ?? wrapped.cause;
  }
  return false;
}
