import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * How far a downstream system (the ads pipeline, friend suggestions, message
 * delivery) says it has applied the feed: the feed position of the last
 * change it acknowledged. Positions only move forward.
 */
export const ChangeConsumerEntity = defineEntity({
  name: 'ChangeConsumerEntity',
  tableName: 'consent_change_consumer',
  properties: (p) => ({
    consumer: p.string().length(64).primary(),
    /** The token subject that first acknowledged under this name; only it may move the position. */
    principal: p.string().length(255),
    txId: p.bigint('number'),
    eventId: p.bigint('number'),
    acknowledgedAt: p.datetime(),
  }),
});
export type ChangeConsumerRow = InferEntity<typeof ChangeConsumerEntity>;
