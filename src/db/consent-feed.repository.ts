/**
 * Reads and writes of the change feed: pages of changes in feed order,
 * consumers' acknowledgements, propagation per user, the relay's position.
 * Plain SQL through MikroORM's connection, like the other hot reads.
 *
 * The visibility rule lives here, in one place. On PostgreSQL a change is
 * served only when the transaction that recorded it is older than every
 * transaction of this database still running, as the statement's own
 * snapshot sees them: whatever commits later has a transaction id at least
 * that large, so it sorts after every position already served and a reader
 * that moves forward never skips it. On SQLite writers are serialised, so
 * every committed event is already in order.
 */
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import type { EntityManager } from '@mikro-orm/core';
import type { FeedPosition, LedgerEvent, StoredBusinessOutcome, StoredDecision } from '../domain/change-feed.js';
import type { DatabaseConfig } from '../config.js';
import { asDate, placeholders } from './consent.repository.js';
import type { SqlReader } from './prepared-reads.js';

type Dialect = DatabaseConfig['dialect'];
type RawRow = Record<string, unknown>;

/*
 * The horizon: the oldest transaction of this database still running, else
 * the first transaction id not yet completed (the snapshot's xmax). Running
 * transactions that pg_stat_activity shows in another database of the same
 * server are left out, so they never hold the feed back; one it cannot place
 * (ended since, prepared, or hidden from this role) counts, which is safe.
 */
const PG_HORIZON = `(select coalesce(
    (select min(x::text::bigint) from pg_snapshot_xip(pg_current_snapshot()) as x
      where not exists (select 1 from pg_stat_activity a where a.backend_xid = xid(x) and a.datname is distinct from current_database())),
    pg_snapshot_xmax(pg_current_snapshot())::text::bigint))`;

const visible = (dialect: Dialect, column: string) => (dialect === 'postgresql' ? `and ${column} < ${PG_HORIZON}` : '');

const asJson = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;
const nullable = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export interface FeedRow {
  readonly position: FeedPosition;
  readonly event: LedgerEvent;
  /** What the event's write left behind; null for events recorded before the feed kept it. */
  readonly outcome: { readonly decisions: StoredDecision[]; readonly businesses: StoredBusinessOutcome[] } | null;
}

/** Up to `limit` changes after `after` (from the start when null), oldest first, and whether more are visible. */
export async function loadFeedPage(
  em: EntityManager,
  dialect: Dialect,
  after: FeedPosition | null,
  limit: number,
): Promise<{ rows: FeedRow[]; hasNextPage: boolean }> {
  const from = after ?? { txId: -1, eventId: -1 };
  const raw = (await em.getConnection().execute(
    `select c.tx_id, c.event_id, e.user_id, e.consent_version, e.type, e.policy_version, e.purpose_key, e.choice_group,
            e.business_id, e.setting, e.previous_value, e.new_value, e.carried_from, e.actor, e.channel, e.occurred_at, e.request_id,
            e.idempotency_key, o.decisions, o.businesses
       from consent_change c
       join consent_event e on e.id = c.event_id
       left join consent_change_outcome o on o.user_id = e.user_id and o.consent_version = e.consent_version
      where (c.tx_id, c.event_id) > (?, ?) ${visible(dialect, 'c.tx_id')}
      order by c.tx_id, c.event_id
      limit ?`,
    [from.txId, from.eventId, limit + 1],
  )) as RawRow[];
  const rows = raw.slice(0, limit).map(
    (r): FeedRow => ({
      position: { txId: Number(r.tx_id), eventId: Number(r.event_id) },
      event: {
        id: Number(r.event_id),
        userId: String(r.user_id),
        consentVersion: Number(r.consent_version),
        type: String(r.type),
        purposeKey: nullable(r.purpose_key),
        choiceGroup: nullable(r.choice_group),
        businessId: nullable(r.business_id),
        setting: nullable(r.setting),
        previousValue: nullable(r.previous_value),
        newValue: String(r.new_value),
        policyVersion: nullable(r.policy_version),
        carriedFrom: nullable(r.carried_from),
        actor: String(r.actor),
        channel: String(r.channel),
        occurredAt: asDate(r.occurred_at),
        requestId: String(r.request_id),
        idempotencyKey: nullable(r.idempotency_key),
      },
      outcome:
        r.decisions == null
          ? null
          : { decisions: asJson<StoredDecision[]>(r.decisions), businesses: asJson<StoredBusinessOutcome[]>(r.businesses) },
    }),
  );
  return { rows, hasNextPage: raw.length > limit };
}

/** Whether the feed can have served this position: a recorded change, visible now. */
export async function isServedPosition(em: EntityManager, dialect: Dialect, position: FeedPosition): Promise<boolean> {
  const rows = (await em
    .getConnection()
    .execute(`select 1 as found from consent_change c where c.event_id = ? and c.tx_id = ? ${visible(dialect, 'c.tx_id')}`, [
      position.eventId,
      position.txId,
    ])) as RawRow[];
  return rows.length > 0;
}

export interface ConsumerPosition {
  readonly consumer: string;
  readonly principal: string;
  readonly position: FeedPosition;
  readonly acknowledgedAt: Date;
}

export async function loadConsumer(em: EntityManager, consumer: string): Promise<ConsumerPosition | null> {
  const [r] = (await em
    .getConnection()
    .execute(`select consumer, principal, tx_id, event_id, acknowledged_at from consent_change_consumer where consumer = ?`, [
      consumer,
    ])) as RawRow[];
  return r
    ? {
        consumer: String(r.consumer),
        principal: String(r.principal),
        position: { txId: Number(r.tx_id), eventId: Number(r.event_id) },
        acknowledgedAt: asDate(r.acknowledged_at),
      }
    : null;
}

/**
 * Moves `consumer` to `position` if that is forward (first acknowledgement
 * included) and the consumer belongs to `principal`; records the step. A
 * step back or sideways changes nothing.
 */
export async function advanceConsumer(
  em: EntityManager,
  consumer: string,
  principal: string,
  position: FeedPosition,
  now: Date,
): Promise<void> {
  const connection = em.getConnection();
  const moved = (await connection.execute(
    `insert into consent_change_consumer (consumer, principal, tx_id, event_id, acknowledged_at) values (?, ?, ?, ?, ?)
     on conflict (consumer) do update set tx_id = excluded.tx_id, event_id = excluded.event_id, acknowledged_at = excluded.acknowledged_at
      where consent_change_consumer.principal = excluded.principal
        and (consent_change_consumer.tx_id, consent_change_consumer.event_id) < (excluded.tx_id, excluded.event_id)
     returning consumer`,
    [consumer, principal, position.txId, position.eventId, now],
  )) as RawRow[];
  if (moved.length === 0) return;
  await connection.execute(
    `insert into consent_change_acknowledgement (consumer, tx_id, event_id, acknowledged_at) values (?, ?, ?, ?) on conflict do nothing`,
    [consumer, position.txId, position.eventId, now],
  );
}

export interface Propagation {
  readonly consumer: string;
  readonly upToDate: boolean;
  /** When the consumer first acknowledged a position at or past the user's latest change. */
  readonly acknowledgedAt: Date | null;
}

/**
 * For each user, every consumer's propagation status, in one statement. A
 * user's latest change is their highest event id: one user's writes are
 * serialised, so their event ids follow their feed order.
 */
export async function loadPropagation(em: SqlReader, userIds: readonly string[]): Promise<Map<string, Propagation[]>> {
  const rows = (await (em.getConnection() as AbstractSqlConnection).execute(
    `select k.consumer, l.user_id,
            (select a.acknowledged_at from consent_change_acknowledgement a
              where a.consumer = k.consumer and (a.tx_id, a.event_id) >= (c.tx_id, c.event_id)
              order by a.tx_id, a.event_id limit 1) as acknowledged_at
       from consent_change_consumer k
       left join (select user_id, max(id) as id from consent_event where user_id in (${placeholders(userIds.length)}) group by user_id) l on 1 = 1
       left join consent_change c on c.event_id = l.id
      order by k.consumer`,
    [...userIds],
    'all',
    undefined,
    // The request's logger context: its statement count includes this one.
    em.getLoggerContext(),
  )) as RawRow[];
  const consumers = [...new Set(rows.map((r) => String(r.consumer)))];
  const byUser = new Map<string, Map<string, Date | null>>();
  for (const r of rows) {
    if (r.user_id == null) continue;
    const user = byUser.get(String(r.user_id)) ?? new Map<string, Date | null>();
    user.set(String(r.consumer), r.acknowledged_at == null ? null : asDate(r.acknowledged_at));
    byUser.set(String(r.user_id), user);
  }
  return new Map(
    userIds.map((userId) => {
      const latest = byUser.get(userId);
      // A user with no recorded change has nothing any consumer could lag behind on.
      return [
        userId,
        consumers.map((consumer) => {
          const at = latest?.get(consumer) ?? null;
          return { consumer, upToDate: latest === undefined || at !== null, acknowledgedAt: at };
        }),
      ];
    }),
  );
}

/** The relay's high-water mark for `stream`; null before its first publication. */
export async function loadRelayPosition(em: EntityManager, stream: string): Promise<FeedPosition | null> {
  const [r] = (await em.getConnection().execute(`select tx_id, event_id from consent_change_relay where stream = ?`, [stream])) as RawRow[];
  return r ? { txId: Number(r.tx_id), eventId: Number(r.event_id) } : null;
}

/** Records that the stream holds every change up to `position`; never moves back. */
export async function saveRelayPosition(em: EntityManager, stream: string, position: FeedPosition, now: Date): Promise<void> {
  await em.getConnection().execute(
    `insert into consent_change_relay (stream, tx_id, event_id, updated_at) values (?, ?, ?, ?)
     on conflict (stream) do update set tx_id = excluded.tx_id, event_id = excluded.event_id, updated_at = excluded.updated_at
      where (consent_change_relay.tx_id, consent_change_relay.event_id) < (excluded.tx_id, excluded.event_id)`,
    [stream, position.txId, position.eventId, now],
  );
}
