/**
 * The reads every `_entities` batch makes, by a list of user ids, run as
 * prepared statements on the driver's own connection, lent by the ORM's
 * pool for the one statement.
 *
 * MikroORM's `execute` inlines every parameter into the SQL text, so each
 * batch was a statement never seen before: SQLite compiled it again, and
 * PostgreSQL parsed and planned it again, on every request. Here the text is
 * constant (the ids travel as one parameter: a JSON array on SQLite, an
 * array on PostgreSQL), so SQLite keeps the compiled statement per
 * connection and PostgreSQL a named statement per connection, planned once.
 * Every statement is still reported to the ORM's logger with the request's
 * logger context, so the request's statement count, tests' `onQuery` and
 * tracing see it as before.
 *
 * Like the ORM's `execute` without a transaction context, the statement runs
 * on a pooled connection, outside any transaction `em` may have open.
 */
import type { Configuration, Connection, Dictionary } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import { PostgreSqlPlatform } from '@mikro-orm/postgresql';

export type RawRow = Record<string, unknown>;

/**
 * What a read needs of an EntityManager: the connection, the ORM's logger,
 * and the logger context that carries the request's tally. An EntityManager
 * is one; a request's loaders get a plain one, since forking the ORM's
 * EntityManager (a unit of work, an identity map, a copy of its settings)
 * costs more than a one-user read.
 */
export interface SqlReader {
  getConnection(): Connection;
  getLoggerContext(): Dictionary;
  readonly config: Configuration;
}

/** One read in each dialect's words; its only parameter is the list of user ids. */
export interface UserIdsRead {
  /** The name of PostgreSQL's prepared statement: one name per text. */
  readonly name: string;
  /** `?` is the ids as a JSON array: `user_id in (select value from json_each(?))`. */
  readonly sqlite: string;
  /** `$1` is the ids as an array: `user_id = any($1::text[])`. */
  readonly postgresql: string;
}

/** What this module uses of libsql's connection and statements. */
interface LibSqlStatement {
  all(parameters: readonly unknown[]): RawRow[];
}
interface LibSqlConnection {
  prepare(sql: string): LibSqlStatement;
}
/** What this module uses of pg's client. */
interface PgClient {
  query(config: { name?: string; text: string; values: readonly unknown[] }): Promise<{ rows: RawRow[] }>;
}

/** The ORMs (by their configuration) whose PostgreSQL statements go unnamed: DATABASE_NAMED_STATEMENTS=false. */
const unnamed = new WeakSet<Configuration>();

/**
 * Sends this ORM's statements unnamed: parameters still travel apart from
 * the text, but PostgreSQL parses and plans each statement every time, and
 * nothing is left on the server connection for a transaction-pooling proxy
 * to hand to someone else.
 */
export function sendStatementsUnnamed(config: Configuration): void {
  unnamed.add(config);
}

// SQLSTATEs of a named statement that the server connection does not hold, or holds already from another client.
const LOST_STATEMENT = new Set(['26000', '42P05']);

/**
 * Runs `text` on a pg client, by name unless this ORM sends statements
 * unnamed. A named statement the server does not know means a proxy moved
 * this client to another server connection: that is said plainly, since
 * the driver's own message ("prepared statement ... does not exist") does
 * not name the cause or the way out.
 */
async function query(client: PgClient, config: Configuration, name: string, text: string, values: readonly unknown[]): Promise<RawRow[]> {
  if (unnamed.has(config)) return (await client.query({ text, values })).rows;
  try {
    return (await client.query({ name, text, values })).rows;
  } catch (error) {
    const { code } = error as { code?: unknown };
    if (typeof code !== 'string' || !LOST_STATEMENT.has(code)) throw error;
    throw new Error(
      `PostgreSQL lost the prepared statement "${name}" between transactions (${code}): a transaction-pooling proxy ` +
        'between the service and PostgreSQL does not keep prepared statements. Use PgBouncer 1.21 or later with ' +
        'max_prepared_statements, pool sessions, or set DATABASE_NAMED_STATEMENTS=false.',
      { cause: error },
    );
  }
}

// The pool replaces SQLite connections now and then; their statements go with them.
const compiled = new WeakMap<LibSqlConnection, Map<string, LibSqlStatement>>();

function prepared(connection: LibSqlConnection, sql: string): LibSqlStatement {
  let statements = compiled.get(connection);
  if (!statements) {
    statements = new Map();
    compiled.set(connection, statements);
  }
  let statement = statements.get(sql);
  if (!statement) {
    statement = connection.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}

export async function readByUserIds(em: SqlReader, read: UserIdsRead, userIds: readonly string[]): Promise<RawRow[]> {
  const connection = em.getConnection() as AbstractSqlConnection;
  const postgres = connection.getPlatform() instanceof PostgreSqlPlatform;
  const sql = postgres ? read.postgresql : read.sqlite;
  const client = connection.getKnex().client;
  const logger = em.config.getLogger();
  const started = Date.now();
  try {
    const driverConnection: unknown = await client.acquireConnection();
    let rows: RawRow[];
    try {
      rows = postgres
        ? await query(driverConnection as PgClient, em.config, read.name, sql, [userIds])
        : prepared(driverConnection as LibSqlConnection, sql).all([JSON.stringify(userIds)]);
    } finally {
      await client.releaseConnection(driverConnection);
    }
    logger.logQuery({ level: 'info', ...em.getLoggerContext(), query: sql, took: Date.now() - started, results: rows.length });
    return rows;
  } catch (error) {
    logger.logQuery({ level: 'error', ...em.getLoggerContext(), query: sql, took: Date.now() - started });
    throw error;
  }
}

/** A statement in knex's `?` placeholders as PostgreSQL's numbered ones. */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** A PostgreSQL statement run by name inside a transaction: its text is constant, its parameters travel apart. */
export interface NamedStatement {
  readonly name: string;
  /** With `$n` placeholders. */
  readonly text: string;
}

/** What this module uses of the ORM's transaction context: a knex transaction, whose client lends its one connection. */
interface KnexTransaction {
  client: { acquireConnection(): Promise<unknown> };
}

/** The driver's connection that the ORM's transaction context `trx` holds (a pg client, a libsql database). */
export function connectionOf(trx: unknown): Promise<unknown> {
  return (trx as KnexTransaction).client.acquireConnection();
}

/**
 * Runs a named prepared statement (unless sent unnamed, see
 * sendStatementsUnnamed) on the connection of the transaction `em` holds
 * (PostgreSQL only), reported to the ORM's logger like the reads.
 * The writer's statements are large and the same on every write: run
 * through the ORM they were parsed and planned afresh each time, which cost
 * PostgreSQL more than the work itself (BENCHMARKS.md, "Writes").
 */
export async function executeInTransaction(
  em: SqlReader & { getTransactionContext(): unknown },
  statement: NamedStatement,
  values: readonly unknown[],
): Promise<RawRow[]> {
  const trx = em.getTransactionContext();
  if (!trx) throw new Error(`Statement ${statement.name} must run inside a transaction.`);
  const logger = em.config.getLogger();
  const started = Date.now();
  try {
    const client = (await connectionOf(trx)) as PgClient;
    const rows = await query(client, em.config, statement.name, statement.text, values);
    logger.logQuery({ level: 'info', ...em.getLoggerContext(), query: statement.text, took: Date.now() - started, results: rows.length });
    return rows;
  } catch (error) {
    logger.logQuery({ level: 'error', ...em.getLoggerContext(), query: statement.text, took: Date.now() - started });
    throw error;
  }
}

/**
 * A PostgreSQL timestamp as epoch milliseconds (int8, which pg hands over as
 * digits), as SQLite stores them: no timestamp text to parse. Truncated to
 * the millisecond, as a JavaScript Date truncates the text.
 */
export const pgEpochMillis = (column: string) => `(extract(epoch from date_trunc('milliseconds', ${column})) * 1000)::int8`;
