import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * The feed's position of every ledger event: the id of the transaction that
 * recorded it (PostgreSQL's `pg_current_xact_id()`; 0 on SQLite, where
 * writers are serialised and event ids are already in commit order), then
 * the event id. A database trigger on `consent_event` writes these rows, in
 * the event's own transaction, so no ledger event can be missing from the
 * feed whichever code path recorded it. See docs/architecture.md, "The
 * change feed".
 */
export const ConsentChangeEntity = defineEntity({
  name: 'ConsentChangeEntity',
  tableName: 'consent_change',
  indexes: [{ properties: ['txId', 'eventId'], name: 'consent_change_tx_id_event_id_index' }],
  properties: (p) => ({
    eventId: p.bigint('number').primary().autoincrement(false),
    txId: p.bigint('number'),
  }),
});
export type ConsentChangeRow = InferEntity<typeof ConsentChangeEntity>;
