import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { Principal } from '../auth/principal.js';
import type { PolicyCatalog } from '../services/policy-catalog.js';
import { createLoaders, type Loaders } from './loaders.js';

export interface RequestContext {
  readonly principal: Principal | null;
  /** This request's unit of work: a fork of the ORM's EntityManager. */
  readonly em: EntityManager;
  readonly loaders: Loaders;
  readonly requestId: string;
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
  // The HTTP front has authenticated the caller and checked x-request-id.
  return async (headers: { get(name: string): string | undefined }, principal: Principal | null): Promise<RequestContext> => {
    // Both drivers (libsql, PostgreSQL) are SQL drivers: their EntityManager is knex's.
    const em = deps.orm.em.fork() as EntityManager;
    return {
      principal,
      em,
      loaders: createLoaders(em, deps.catalog),
      requestId: headers.get('x-request-id') ?? randomUUID(),
      now: deps.clock(),
    };
  };
}
