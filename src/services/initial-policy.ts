import type { MikroORM } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { insertPolicy, listPolicyVersions } from '../db/policy.repository.js';
import { inTransaction } from '../db/transaction.js';
import { WHATSAPP_2016 } from '../policies/bundled.js';

/**
 * Loads the 2016 policy into an empty database, so a new install answers
 * real questions at once. A database that has any version is left alone;
 * two instances racing on an empty one are settled by the primary key.
 */
export async function ensureInitialPolicy(orm: MikroORM): Promise<boolean> {
  const em = orm.em.fork() as EntityManager;
  if ((await listPolicyVersions(em)).length > 0) return false;
  try {
    await inTransaction(em, (tx) => insertPolicy(tx, WHATSAPP_2016, 'system:initial-policy'));
    return true;
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) return false;
    throw error;
  }
}
