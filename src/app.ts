/**
 * The whole service, built as a function of its configuration, so tests and
 * benchmarks build it with their own database, clock and statement counter.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import { MikroORM } from '@mikro-orm/core';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { createTokenVerifier } from './auth/token-verifier.js';
import type { Config } from './config.js';
import { ConsentService } from './services/consent.service.js';
import { ConsentWriter } from './services/consent-writer.js';
import { ormOptions } from './db/orm.config.js';
import { PolicyPublicationListener } from './db/policy-publications.js';
import { maskUnexpected, REQUEST_ERROR_CODES, type RequestErrorCode } from './errors.js';
import { createContextFactory, type RequestContext } from './graphql/context.js';
import { NoNulInStringLiteralsRule, nulFreeVariablesPlugin } from './graphql/input-guard.js';
import { buildConsentSchema } from './graphql/schema.js';
import { createHttpHandler } from './http/server.js';
import { ensureInitialPolicy } from './services/initial-policy.js';
import { PolicyCatalog } from './services/policy-catalog.js';
import { PolicyService } from './services/policy.service.js';

export interface AppDeps {
  /** The service's notion of now; tests move it to cross change windows. */
  readonly clock?: () => Date;
  /** Sees every SQL statement; tests count them. */
  readonly onQuery?: (sql: string) => void;
  readonly log?: (message: string, error?: unknown) => void;
}

export interface App {
  readonly orm: MikroORM;
  readonly catalog: PolicyCatalog;
  readonly httpServer: Server;
  /** Starts listening; resolves to the GraphQL URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export async function createApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.log ?? ((message: string, error?: unknown) => console.error(message, error ?? ''));

  if (config.database.dialect === 'sqlite' && config.database.path !== ':memory:') {
    mkdirSync(path.dirname(config.database.path), { recursive: true });
  }
  const orm = await MikroORM.init(ormOptions(config.database, { onQuery: deps.onQuery }));
  try {
    if (config.migrateOnStart) await orm.getMigrator().up();
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
      ? new PolicyPublicationListener({ url: config.database.url, onPublished: refreshCatalog, onListening: refreshCatalog, log })
      : undefined;
  await publications?.start();

  const consents = new ConsentService(catalog, new ConsentWriter(config.database.dialect));
  const schema = await buildConsentSchema({ catalog, consents, policies: new PolicyService(catalog) });

  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: !config.production,
    // main.ts owns the signals and closes HTTP, Apollo and the database in order.
    stopOnTerminationSignals: false,
    validationRules: [NoNulInStringLiteralsRule],
    plugins: [
      nulFreeVariablesPlugin(),
      // Answers are per-user and never cached; the plugin would instrument every field.
      ApolloServerPluginCacheControlDisabled(),
      config.production
        ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
        : ApolloServerPluginLandingPageLocalDefault({ footer: false, embed: true }),
    ],
    formatError: (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
      // Apollo files every validation rule's error under GRAPHQL_VALIDATION_FAILED; ours carry a catalogue code.
      const own =
        error instanceof GraphQLError && error.originalError instanceof GraphQLError ? error.originalError.extensions.code : undefined;
      if (formatted.extensions?.code === 'GRAPHQL_VALIDATION_FAILED' && typeof own === 'string' && own in REQUEST_ERROR_CODES) {
        return { ...formatted, extensions: { ...formatted.extensions, code: own } };
      }
      const masked = maskUnexpected(formatted, config.production);
      if (masked !== formatted) log('internal error', error);
      return masked;
    },
  });
  await apollo.start();

  const context = createContextFactory({ orm, catalog, clock });
  const handler = createHttpHandler({
    apollo,
    context,
    authenticate: await createTokenVerifier(config.jwt),
    maxBodyBytes: config.maxBodyBytes,
    ready: async () => orm.isConnected(),
  });
  const httpServer = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      log('request failed', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' satisfies RequestErrorCode } }],
        }),
      );
    });
  });

  return {
    orm,
    catalog,
    httpServer,
    listen: (port = config.port, host = config.host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}/graphql`);
        });
      }),
    close: async () => {
      catalog.stop();
      await publications?.stop();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections?.();
      });
      await apollo.stop();
      await orm.close();
    },
  };
}
