import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { type Principal, principalKind } from '../auth/principal.js';
import type { SqlReader } from '../db/prepared-reads.js';
import type { RequestTally } from '../observability/request-tally.js';
import type { PolicyCatalog } from '../services/policy-catalog.js';
import { createLoaders, type Loaders } from './loaders.js';

export interface RequestContext {
  readonly principal: Principal | null;
  /**
   * This request's unit of work: a fork of the ORM's EntityManager, made on
   * the first call (writes, the change feed, publishing). A method, not a
   * getter: Apollo copies the context with Object.assign, which would run a
   * getter, and fork, for every request.
   */
  em(): EntityManager;
  readonly loaders: Loaders;
  readonly requestId: string;
  /** What this request did, for its log line and metrics (decisions, writes, statements). */
  readonly tally: RequestTally;
  /** One instant per request, so every decision in an answer agrees. */
  readonly now: Date;
}

export interface ContextFactoryDeps {
  readonly orm: MikroORM;
  readonly catalog: PolicyCatalog;
  readonly clock: () => Date;
}

/** The one place a request's fork, loaders and principal are made. */
export function createContextFactory(deps: ContextFactoryDeps) {
  const { orm } = deps;
  // The HTTP front has authenticated the caller and settled the request id.
  return async (principal: Principal | null, tally: RequestTally): Promise<RequestContext> => {
    tally.principal = principalKind(principal);
    if (tally.principal === 'service') tally.service = principal?.subject ?? null;
    // The tally rides in the logger context, so the ORM logger counts this request's statements.
    const loggerContext = { tally };
    // Reads need no unit of work: the loaders read through the ORM's connection with the request's logger context.
    const reader: SqlReader = { getConnection: () => orm.em.getConnection(), getLoggerContext: () => loggerContext, config: orm.config };
    let em: EntityManager | undefined;
    return {
      principal,
      // Most requests only read, through `reader`.
      em: () => {
        // Both drivers (libsql, PostgreSQL) are SQL drivers: their EntityManager is knex's.
        em ??= orm.em.fork({ loggerContext }) as EntityManager;
        return em;
      },
      loaders: createLoaders(reader, deps.catalog),
      requestId: tally.requestId,
      tally,
      now: deps.clock(),
    };
  };
}
