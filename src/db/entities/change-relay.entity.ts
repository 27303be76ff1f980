import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * The transactional outbox's high-water mark, per JetStream stream: every
 * change up to this feed position has been acknowledged by the stream.
 * The relay publishes in feed order, so one row replaces a "published" flag
 * on every change, and nothing accumulates when no relay runs.
 */
export const ChangeRelayEntity = defineEntity({
  name: 'ChangeRelayEntity',
  tableName: 'consent_change_relay',
  properties: (p) => ({
    stream: p.string().length(64).primary(),
    txId: p.bigint('number'),
    eventId: p.bigint('number'),
    updatedAt: p.datetime(),
  }),
});
export type ChangeRelayRow = InferEntity<typeof ChangeRelayEntity>;
