/**
 * The whole service, built as a function of its configuration, so tests and
 * benchmarks build it with their own database, clock and statement counter.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection as SqlConnection } from '@mikro-orm/knex';
import type { GraphQLFormattedError } from 'graphql';
import { jwksProblem } from './auth/jwks-probe.js';
import { createTokenVerifier } from './auth/token-verifier.js';
import { type Config, StartupError } from './config.js';
import { acceptsWrites, isDatabaseUnavailable } from './db/availability.js';
import { sendStatementsUnnamed } from './db/prepared-reads.js';
import { checkpointSqlite } from './db/sqlite-settings.js';
import { checkDatabase } from './db/database-check.js';
import { ChangeRelay, type RelayTimings } from './services/change-relay.js';
import { ConsentFeed } from './services/consent-feed.js';
import { ConsentService } from './services/consent.service.js';
import { ConsentWriter } from './services/consent-writer.js';
import { IdempotencyKeyRetention } from './services/idempotency-retention.js';
import { ormOptions } from './db/orm.config.js';
import { PolicyPublicationListener } from './db/policy-publications.js';
import { maskUnexpected, REQUEST_ERROR_CODES, type RequestErrorCode, withCatalogueCode } from './errors.js';
import { createContextFactory, type RequestContext } from './graphql/context.js';
import { NoNulInStringLiteralsRule, nulFreeVariablesPlugin } from './graphql/input-guard.js';
import { documentLimitRules, requestLimitsPlugin } from './graphql/limits.js';
import { buildConsentSchema } from './graphql/schema.js';
import { gracefulServer } from './http/graceful-close.js';
import { createCorsHandler } from './http/cors.js';
import { gatewaySecretMatcher } from './http/gateway-secret.js';
import { createSafelist } from './http/persisted-documents.js';
import { createHttpHandler, sendMetrics } from './http/server.js';
import { createLogger, type Logger, OrmLogAdapter } from './observability/logger.js';
import { Metrics, type PoolStats } from './observability/metrics.js';
import { RequestObserver } from './observability/request-observer.js';
import { Tracing } from './observability/tracing.js';
import { ensureInitialPolicy } from './services/initial-policy.js';
import { PolicyCatalog } from './services/policy-catalog.js';
import { PolicyService } from './services/policy.service.js';

export interface AppDeps {
  /** The service's notion of now; tests move it to cross change windows. */
  readonly clock?: () => Date;
  /** Sees every SQL statement; tests count them. */
  readonly onQuery?: (sql: string) => void;
  /** Where logs go; by default a JSON-lines logger on stdout at LOG_LEVEL. */
  readonly logger?: Logger;
  /** Leaves the request limits out: only the benchmark uses it, to measure what they cost. */
  readonly withoutRequestLimits?: boolean;
  /** The outbox relay's pace; tests make it brisk. */
  readonly relayTimings?: Partial<RelayTimings>;
}

export interface App {
  readonly orm: MikroORM;
  readonly catalog: PolicyCatalog;
  readonly httpServer: Server;
  /** Serves /metrics alone when METRICS_PORT is set. */
  readonly metricsServer: Server | null;
  /** Publishes committed changes to NATS JetStream; null without NATS_URL. */
  readonly relay: ChangeRelay | null;
  /** Starts listening; resolves to the GraphQL URL. */
  listen(port?: number, host?: string): Promise<string>;
  /**
   * Readiness turns false, the listener closes, requests in flight finish
   * (cut after SHUTDOWN_TIMEOUT_SECONDS), then the timers and the database stop.
   */
  close(): Promise<void>;
}

// Expired keys cost only space, so a sweep every few minutes is plenty.
const IDEMPOTENCY_SWEEP_INTERVAL_MS = 5 * 60 * 1000;

export async function createApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const clock = deps.clock ?? (() => new Date());
  const logger = deps.logger ?? createLogger(config.observability.logLevel);
  // Background work (policy refresh, notifications, shutdown) reports through the same logger.
  const log = (message: string, error?: unknown) => (error === undefined ? logger.warn(message) : logger.error({ err: error }, message));
  const tracing = config.observability.tracing ? new Tracing(config.observability.tracing, config.database.dialect) : null;
  const onQuery = deps.onQuery;
  const loggerFactory = OrmLogAdapter.factory(
    logger,
    onQuery || tracing
      ? (sql, took, tally) => {
          onQuery?.(sql);
          tracing?.statement(tally, sql, took);
        }
      : null,
  );

  await checkDatabase(config.database);
  const orm = await MikroORM.init(ormOptions(config.database, { loggerFactory }));
  if (config.database.dialect === 'postgresql' && !config.database.namedStatements) sendStatementsUnnamed(orm.config);
  try {
    if (config.migrateOnStart) await orm.getMigrator().up();
    else await refuseWithPendingMigrations(orm);
    await ensureInitialPolicy(orm);
  } catch (error) {
    await orm.close();
    throw error;
  }
  const catalog = new PolicyCatalog(orm);
  await catalog.refresh();
  catalog.startRefreshing(config.policyRefreshSeconds, (error) => log('policy refresh failed', error));
  const refreshCatalog = () => void catalog.refresh().catch((error: unknown) => log('policy refresh failed', error));
  const publications =
    config.database.dialect === 'postgresql'
      ? new PolicyPublicationListener({
          url: config.database.sessionUrl,
          connectTimeoutMs: config.database.connectTimeoutSeconds * 1000,
          onPublished: refreshCatalog,
          onListening: refreshCatalog,
          log,
        })
      : undefined;
  await publications?.start();

  const idempotencyRetentionMs = config.idempotencyRetentionHours * 60 * 60 * 1000;
  const idempotencyKeys = new IdempotencyKeyRetention(orm, idempotencyRetentionMs, clock);
  idempotencyKeys.start(IDEMPOTENCY_SWEEP_INTERVAL_MS, (error) => log('idempotency key sweep failed', error));
  const feed = new ConsentFeed(catalog, config.database.dialect);
  const relay = config.nats
    ? new ChangeRelay({ orm, database: config.database, nats: config.nats, feed, clock, log, timings: deps.relayTimings })
    : null;
  const consents = new ConsentService(
    catalog,
    new ConsentWriter(config.database.dialect, idempotencyRetentionMs, catalog, () => relay?.nudge()),
  );
  const schema = await buildConsentSchema({ catalog, consents, policies: new PolicyService(catalog), feed });

  const limited = !deps.withoutRequestLimits;
  const metrics = config.observability.metrics.enabled
    ? new Metrics(
        config.database.dialect === 'postgresql'
          ? (): PoolStats | undefined => (orm.em.getConnection() as SqlConnection).getKnex().client.pool
          : null,
      )
    : null;
  const observer = new RequestObserver({ logger, metrics, tracing });

  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.introspection,
    logger: logger.child({ component: 'apollo' }),
    includeStacktraceInErrorResponses: !config.production,
    // main.ts owns the signals and closes HTTP, Apollo and the database in order.
    stopOnTerminationSignals: false,
    // Limits before execution: tokens while parsing, the document's shape once per distinct document, the rest per request.
    parseOptions: limited ? { maxTokens: config.limits.tokens } : {},
    validationRules: [NoNulInStringLiteralsRule, ...(limited ? documentLimitRules(config.limits.signedIn) : [])],
    // No client may register a document; the safelist (PERSISTED_DOCUMENTS) is the HTTP front's.
    persistedQueries: false,
    // No "Did you mean ...?" in production: the schema is not published there.
    hideSchemaDetailsFromClientErrors: config.production,
    plugins: [
      observer.plugin(),
      nulFreeVariablesPlugin(),
      ...(limited ? [requestLimitsPlugin(config.limits)] : []),
      // Answers are per-user and never cached; the plugin would instrument every field.
      ApolloServerPluginCacheControlDisabled(),
      config.production
        ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
        : ApolloServerPluginLandingPageLocalDefault({ footer: false, embed: true }),
    ],
    // Unexpected failures reach clients only as a code (the observer logs them, with the request id).
    formatError: (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
      const coded = withCatalogueCode(formatted, error);
      const masked = maskUnexpected(coded, config.production);
      if (masked === coded) return masked;
      if (isDatabaseUnavailable(error)) {
        return { ...masked, message: REQUEST_ERROR_CODES.DATABASE_UNAVAILABLE, extensions: { code: 'DATABASE_UNAVAILABLE' } };
      }
      return masked;
    },
  });
  await apollo.start();

  if (config.jwt.key.kind === 'jwks') {
    jwksProblem(config.jwt.key.url).then((problem) => {
      if (problem !== null) log(`${problem}: bearer tokens cannot be checked until it answers`);
    });
  }

  const context = createContextFactory({ orm, catalog, clock });
  const handler = createHttpHandler({
    apollo,
    context,
    authenticate: await createTokenVerifier(config.jwt),
    observe: (req, res, path) => observer.begin(req, res, path),
    metrics: metrics && config.observability.metrics.port === null ? () => metrics.render() : null,
    maxBodyBytes: config.maxBodyBytes,
    ready: async () => !graceful.closing && (await acceptsWrites(orm, config.database)),
    cors: createCorsHandler(config.corsOrigins),
    gatewaySecret: config.gatewaySecret && {
      header: config.gatewaySecret.header,
      matches: gatewaySecretMatcher(config.gatewaySecret.value),
    },
    safelist: config.persistedDocuments && createSafelist(config.persistedDocuments),
  });
  const httpServer = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      logger.error({ err: error, requestId: res.getHeader('x-request-id') }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' satisfies RequestErrorCode } }],
        }),
      );
    });
  });
  const graceful = gracefulServer(httpServer);

  const metricsServer =
    metrics && config.observability.metrics.port !== null
      ? createServer((req, res) => {
          if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/metrics') {
            res.writeHead(404).end();
            return;
          }
          metrics.render().then(
            (rendered) => sendMetrics(res, rendered),
            (error: unknown) => {
              logger.error({ err: error }, 'metrics failed');
              res.writeHead(500).end();
            },
          );
        })
      : null;

  relay?.start();

  return {
    orm,
    catalog,
    httpServer,
    relay,
    metricsServer,
    listen: async (port = config.port, host = config.host) => {
      const url = await listenOn(httpServer, port, host);
      if (metricsServer) await listenOn(metricsServer, config.observability.metrics.port ?? 0, host, 'METRICS_PORT');
      return `${url}/graphql`;
    },
    close: async () => {
      const { cut } = await graceful.close(config.shutdownTimeoutSeconds * 1000);
      if (cut > 0) log(`SHUTDOWN_TIMEOUT_SECONDS (${config.shutdownTimeoutSeconds}) passed: ${cut} request(s) cut`);
      catalog.stop();
      idempotencyKeys.stop();
      await relay?.stop();
      await publications?.stop();
      if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()).closeAllConnections());
      await apollo.stop();
      if (config.database.dialect === 'sqlite') {
        await checkpointSqlite(orm).catch((error: unknown) =>
          log('SQLite checkpoint at close failed; the -wal file keeps the changes', error),
        );
      }
      await orm.close();
      await tracing?.shutdown();
    },
  };
}

function listenOn(server: Server, port: number, host: string, variable = 'PORT'): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, port, host, variable)));
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shownHost}:${address.port}`);
    });
  });
}

function listenError(error: NodeJS.ErrnoException, port: number, host: string, variable: string): Error {
  if (error.code === 'EADDRINUSE') {
    return new StartupError(`${variable} ${port} is already in use on ${host}: stop the other process or set ${variable}`);
  }
  if (error.code === 'EACCES') {
    return new StartupError(`${variable} ${port} on ${host} needs privileges this process lacks: set ${variable} above 1023`);
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new StartupError(`HOST ${host} is not an address of this machine (${error.code})`);
  }
  return error;
}

/**
 * With MIGRATE_ON_START=false the schema is the operator's to apply: a
 * database that lacks migrations is refused by name, instead of failing on
 * the first query with "no such table". If the migrator cannot even read
 * its table (a user without the rights to create it), the start goes on
 * and the first query says what is missing. (Reading the list creates the
 * migrator's own bookkeeping table if it is missing, as applying would.)
 */
async function refuseWithPendingMigrations(orm: MikroORM): Promise<void> {
  const pending = await orm
    .getMigrator()
    .getPendingMigrations()
    .catch(() => []);
  if (pending.length === 0) return;
  throw new StartupError(
    `MIGRATE_ON_START is false and the database lacks ${pending.length} migration(s), ${pending.map((m) => m.name).join(', ')}: ` +
      'apply them (npm run migration:up with the same DATABASE_URL or SQLITE_PATH) or start with MIGRATE_ON_START=true',
  );
}
