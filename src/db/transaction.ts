import { BaseSqlitePlatform, type EntityManager } from '@mikro-orm/knex';
import { retireSqliteConnection } from './sqlite-settings.js';

/**
 * Runs `work` in one database transaction on a fork of `em`, committing if
 * it returns and rolling back if it throws.
 *
 * MikroORM's own `transactional()` and `flush()` go through
 * `AsyncLocalStorage.run()`, and on Node 20 the first such call switches on
 * promise hooks for the rest of the process: every read after the first
 * write would pay 12-20% more (BENCHMARKS.md). So `work` uses native
 * statements only (`insert`, `insertMany`, `nativeUpdate`, `nativeDelete`,
 * query builders, finds with `disableIdentityMap`), never `create` + flush.
 */
export async function inTransaction<T>(em: EntityManager, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  const connection = em.getConnection('write');
  const logged = em.getLoggerContext();
  const trx = await connection.begin({ loggerContext: logged });
  const tx = em.fork({ clear: true });
  tx.setTransactionContext(trx);
  try {
    const result = await work(tx);
    await connection.commit(trx, undefined, logged);
    return result;
  } catch (error) {
    if (connection.getPlatform() instanceof BaseSqlitePlatform) await retireSqliteConnection(trx);
    await connection.rollback(trx, undefined, logged);
    throw error;
  }
}
