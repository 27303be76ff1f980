import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { Principal } from '../auth/principal.js';
import type { TokenVerifier } from '../auth/token-verifier.js';
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
  readonly verifyToken: TokenVerifier;
  readonly clock: () => Date;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The one place a request's fork, loaders and principal are made. */
export function createContextFactory(deps: ContextFactoryDeps) {
  return async (headers: { get(name: string): string | undefined }): Promise<RequestContext> => {
    const principal = await deps.verifyToken(headers.get('authorization'));
    // Both drivers (libsql, PostgreSQL) are SQL drivers: their EntityManager is knex's.
    const em = deps.orm.em.fork() as EntityManager;
    const given = headers.get('x-request-id');
    return {
      principal,
      em,
      loaders: createLoaders(em),
      requestId: given && REQUEST_ID.test(given) ? given : randomUUID(),
      now: deps.clock(),
    };
  };
}
