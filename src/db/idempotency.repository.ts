import type { EntityManager } from '@mikro-orm/core';
import { IdempotencyRecordEntity } from './entities/idempotency-record.entity.js';

/**
 * Deletes up to `limit` idempotency records created before `cutoff`, oldest
 * first, and resolves to how many went. The select walks the created_at
 * index; the delete names each row by primary key and checks the age again,
 * so a key reused since the select (and so stored anew) is left alone.
 */
export async function forgetIdempotencyRecordsBefore(em: EntityManager, cutoff: Date, limit: number): Promise<number> {
  const expired = await em.find(
    IdempotencyRecordEntity,
    { createdAt: { $lt: cutoff } },
    { fields: ['userId', 'key'], orderBy: { createdAt: 'asc' }, limit, disableIdentityMap: true },
  );
  if (expired.length === 0) return 0;
  return em.nativeDelete(IdempotencyRecordEntity, {
    createdAt: { $lt: cutoff },
    $or: expired.map((r) => ({ userId: r.userId, key: r.key })),
  });
}
