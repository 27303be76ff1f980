import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * Every forward step of a consumer's acknowledged position, with its time:
 * the first step at or past a user's latest change says when that consumer
 * had applied it (what `Consent.propagation` reports).
 */
export const ChangeAcknowledgementEntity = defineEntity({
  name: 'ChangeAcknowledgementEntity',
  tableName: 'consent_change_acknowledgement',
  properties: (p) => ({
    consumer: p.string().length(64).primary(),
    txId: p.bigint('number').primary().autoincrement(false),
    eventId: p.bigint('number').primary().autoincrement(false),
    acknowledgedAt: p.datetime(),
  }),
});
export type ChangeAcknowledgementRow = InferEntity<typeof ChangeAcknowledgementEntity>;
