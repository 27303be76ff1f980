/**
 * Boots the real service (config parsing, migrations, the 2016 policy,
 * HTTP on a loopback port chosen at run time) on a fresh real database,
 * with a clock the test moves and a log of every SQL statement.
 */
import 'reflect-metadata';
import { stripVTControlCharacters } from 'node:util';
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createApp, type App } from '../../src/app.js';
import { mintToken } from '../../src/auth/token-signer.js';
import { type Config, parseConfig } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import type { RelayTimings } from '../../src/services/change-relay.js';
import { createTestDatabase, type Dialect, type TestDatabase } from './database.js';

export const TEST_JWT_SECRET = 'test-secret-for-the-consent-subgraph-suite';
export const DAY = 24 * 60 * 60 * 1000;

export interface GraphQLResponse<T> {
  readonly status: number;
  readonly data?: T | null;
  readonly errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: { code?: string } }[];
}

export interface TestServer {
  readonly url: string;
  readonly app: App;
  readonly database: TestDatabase;
  /** SQL statements run since the last `statements.length = 0`. */
  readonly statements: string[];
  now(): Date;
  advance(ms: number): void;
  setNow(date: Date): void;
  token(sub: string, scope?: string): Promise<string>;
  /** Sends an operation as `token`'s bearer (none when token is null). */
  request<TData, TVars>(
    document: TypedDocumentNode<TData, TVars> | DocumentNode | string,
    variables?: TVars,
    options?: { token?: string | null; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<TData>>;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly now?: Date;
  readonly env?: Record<string, string>;
  /** Defaults to the vitest project's TEST_DATABASE. */
  readonly dialect?: Dialect;
  /** Adjusts the parsed configuration (e.g. a test's own JetStream stream). */
  readonly configure?: (config: Config) => Config;
  readonly relayTimings?: Partial<RelayTimings>;
  /** Another server's database, for a second instance; it stays owned (and dropped) by that server. */
  readonly database?: TestDatabase;
  /** Silent unless a test reads the logs. */
  readonly logger?: Logger;
}

export async function startTestServer(options: StartOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase(options.dialect));
  const parsed = parseConfig({
    JWT_SECRET: TEST_JWT_SECRET,
    POLICY_REFRESH_SECONDS: '0',
    ...database.env,
    ...options.env,
  });
  const config = options.configure ? options.configure(parsed) : parsed;
  let now = options.now ?? new Date('2016-09-01T12:00:00.000Z');
  const statements: string[] = [];
  const app = await createApp(config, {
    clock: () => new Date(now),
    // MikroORM's query log line, without colours, prefix and timing: the SQL alone.
    onQuery: (line) =>
      statements.push(
        stripVTControlCharacters(line)
          .replace(/^\[query\] /, '')
          .replace(/ \[took .*\]$/, ''),
      ),
    logger: options.logger ?? createLogger('silent'),
    relayTimings: options.relayTimings,
  });
  const url = await app.listen(0, '127.0.0.1');

  return {
    url,
    app,
    database,
    statements,
    now: () => new Date(now),
    advance: (ms) => {
      now = new Date(now.getTime() + ms);
    },
    setNow: (date) => {
      now = date;
    },
    token: (sub, scope) => mintToken(TEST_JWT_SECRET, { sub, scope }),
    async request(document, variables, requestOptions = {}) {
      const query = typeof document === 'string' ? document : print(document);
      const headers: Record<string, string> = { 'content-type': 'application/json', ...requestOptions.headers };
      if (requestOptions.token) headers.authorization = `Bearer ${requestOptions.token}`;
      const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      const body = (await response.json()) as Omit<GraphQLResponse<never>, 'status'>;
      return { status: response.status, ...body };
    },
    async close() {
      await app.close();
      if (!options.database) await database.drop();
    },
  };
}

/** The SQL statements that read or write data (not BEGIN/COMMIT bookkeeping). */
export function dataStatements(statements: readonly string[]): string[] {
  return statements.filter((s) => /^(select|insert|update|delete)\b/i.test(s));
}
