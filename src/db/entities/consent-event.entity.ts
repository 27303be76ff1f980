import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * The append-only ledger: one row per recorded change, written in the same
 * transaction as the state it explains. The application only inserts; the
 * migrations add triggers that refuse UPDATE and DELETE.
 */
export const ConsentEventEntity = defineEntity({
  name: 'ConsentEventEntity',
  tableName: 'consent_event',
  indexes: [{ properties: ['userId', 'id'], name: 'consent_event_user_id_id_index' }],
  properties: (p) => ({
    id: p.bigint('number').primary().autoincrement(),
    userId: p.string().length(255),
    /** The user's `Consent.version` this event produced; events of one write share it. */
    consentVersion: p.integer(),
    type: p.string().length(48),
    policyVersion: p.string().length(64).nullable(),
    purposeKey: p.string().length(128).nullable(),
    choiceGroup: p.string().length(128).nullable(),
    businessId: p.string().length(128).nullable(),
    setting: p.string().length(32).nullable(),
    previousValue: p.string().length(64).nullable(),
    /** For events of a carry-over: the version the choice or setting came from. */
    carriedFrom: p.string().length(64).nullable(),
    newValue: p.string().length(64),
    actor: p.string().length(255),
    channel: p.string().length(32),
    occurredAt: p.datetime(),
    requestId: p.string().length(128),
    idempotencyKey: p.string().length(255).nullable(),
  }),
});
export type ConsentEventRow = InferEntity<typeof ConsentEventEntity>;
