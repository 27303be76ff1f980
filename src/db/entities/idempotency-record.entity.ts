import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** The first outcome of a write sent with an idempotency key, replayed for repeats. */
export const IdempotencyRecordEntity = defineEntity({
  name: 'IdempotencyRecordEntity',
  tableName: 'idempotency_record',
  properties: (p) => ({
    userId: p.string().length(255).primary(),
    key: p.string().length(255).primary(),
    /** A hash of the operation and its input: the same key with other input is refused. */
    fingerprint: p.string().length(64),
    consentVersion: p.integer(),
    userErrors: p.json<unknown[]>(),
    /** Expiry is counted from here (IDEMPOTENCY_RETENTION_HOURS); the index lets expired keys be found without a scan. */
    createdAt: p.datetime().index(),
  }),
});
export type IdempotencyRecordRow = InferEntity<typeof IdempotencyRecordEntity>;
