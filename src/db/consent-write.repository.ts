/**
 * The statements of one consent write, inside the writer's transaction.
 *
 * On PostgreSQL a write is five round trips whatever it changes: BEGIN; the
 * user's lock (and the subject row of a first write); one read of
 * everything the planner needs; one statement that writes everything the
 * change touches; COMMIT. Per-statement round trips, not the database, were
 * what a write cost (BENCHMARKS.md, "Writes"): each is a socket write and
 * a wake-up on both sides, and an ORM query built per statement.
 *
 * The read must be a statement of its own, after the lock: in READ
 * COMMITTED each statement sees what was committed when it started, and only
 * a statement that starts once the lock is held sees the previous writer's
 * commit. The single write statement is safe because its parts touch
 * disjoint rows (a statement must not modify one row twice): the choices an
 * acceptance drops are those it does not write, the business rows it
 * re-binds are those it does not upsert.
 *
 * SQLite has no data-modifying CTEs and one writer at a time, so there the
 * same set is written one statement per table.
 */
import type { EntityManager } from '@mikro-orm/knex';
import type { DatabaseConfig } from '../config.js';
import type { LedgerEvent, StoredBusinessOutcome, StoredDecision } from '../domain/change-feed.js';
import { BusinessPreferenceEntity, type BusinessPreferenceRow } from './entities/business-preference.entity.js';
import { ConsentChangeOutcomeEntity } from './entities/consent-change-outcome.entity.js';
import { ConsentChoiceEntity, type ConsentChoiceRow } from './entities/consent-choice.entity.js';
import { ConsentEventEntity } from './entities/consent-event.entity.js';
import { ConsentSubjectEntity } from './entities/consent-subject.entity.js';
import { IdempotencyRecordEntity } from './entities/idempotency-record.entity.js';
import { asBoolean, asDate, businessPreferenceOf } from './consent.repository.js';
import { executeInTransaction, type NamedStatement, numberedPlaceholders } from './prepared-reads.js';

export interface SubjectState {
  readonly userId: string;
  readonly version: number;
  readonly policyVersion: string | null;
  readonly acceptedAt: Date | null;
}

export interface IdempotencyRecord {
  readonly fingerprint: string;
  readonly consentVersion: number;
  readonly userErrors: unknown[];
  readonly createdAt: Date;
}

/** What a write reads under the user's lock. */
export interface LockedRows {
  readonly subject: SubjectState;
  /** The earlier request under this idempotency key, if any. */
  readonly earlier: IdempotencyRecord | null;
  readonly choices: readonly ConsentChoiceRow[];
  readonly preferences: readonly BusinessPreferenceRow[];
}

/** A ledger event before the database gives it its id. */
export type EventRow = Omit<LedgerEvent, 'id'>;

/** Everything one write records; the changed parts are null or empty when it changed nothing. */
export interface WriteSet {
  readonly userId: string;
  readonly now: Date;
  /** The subject row after a change. */
  readonly subject: SubjectState | null;
  /** An acceptance binds choices to the new version: choices not in `choices` are deleted. */
  readonly replaceChoices: boolean;
  readonly choices: readonly ConsentChoiceRow[];
  /** An acceptance re-binds every business row to the new version; touched ones come in `preferences`. */
  readonly rebindPreferences: boolean;
  readonly preferences: readonly BusinessPreferenceRow[];
  readonly events: readonly EventRow[];
  readonly outcome: { readonly decisions: StoredDecision[]; readonly businesses: StoredBusinessOutcome[] } | null;
  readonly idempotency: (IdempotencyRecord & { readonly key: string }) | null;
}

type Dialect = DatabaseConfig['dialect'];
type RawRow = Record<string, unknown>;

/**
 * Takes the user (creating the subject row of a first write) and reads what
 * the planner needs. On PostgreSQL the first thing taken is a
 * transaction-scoped advisory lock on the user, in the same statement as the
 * insert: it needs no transaction id, so the transaction gets its id only
 * once it holds the user, and one user's writes get ids in commit order,
 * which is the change feed's order (docs/architecture.md).
 */
export async function lockForWrite(
  tx: EntityManager,
  dialect: Dialect,
  userId: string,
  key: string | null,
  now: Date,
): Promise<LockedRows> {
  if (dialect === 'postgresql') {
    await executeInTransaction(tx, PREPARED.lock, [userId, userId, now]);
    const [row] = await executeInTransaction(tx, PREPARED.read, [key, userId]);
    if (!row) throw new Error(`The subject row of ${userId} is missing inside its own write.`);
    return lockedRowsOf(row, userId);
  }
  await tx
    .createQueryBuilder(ConsentSubjectEntity)
    .insert({ userId, version: 0, policyVersion: null, acceptedAt: null, updatedAt: now })
    .onConflict('userId')
    .ignore()
    .execute();
  const snapshot = { disableIdentityMap: true } as const;
  // SQLite serialises writers itself: the transaction holds the database.
  const subject = await tx.findOneOrFail(ConsentSubjectEntity, { userId }, snapshot);
  const earlier = key === null ? null : await tx.findOne(IdempotencyRecordEntity, { userId, key }, snapshot);
  const choices = await tx.find(ConsentChoiceEntity, { userId }, { ...snapshot, orderBy: { purposeKey: 'asc' } });
  const preferences = await tx.find(BusinessPreferenceEntity, { userId }, { ...snapshot, orderBy: { businessId: 'asc' } });
  return {
    subject: { userId, version: subject.version, policyVersion: subject.policyVersion ?? null, acceptedAt: subject.acceptedAt ?? null },
    earlier: earlier && { ...earlier, userErrors: earlier.userErrors as unknown[] },
    choices,
    preferences,
  };
}

/** The read's one row as the planner's input. */
export function lockedRowsOf(row: RawRow, userId: string): LockedRows {
  const earlier = row.earlier as { fingerprint: string; consent_version: number; user_errors: unknown[]; created_at: string } | null;
  return {
    subject: subjectOf(row, userId),
    earlier: earlier && {
      fingerprint: earlier.fingerprint,
      consentVersion: earlier.consent_version,
      userErrors: earlier.user_errors,
      createdAt: asDate(earlier.created_at),
    },
    choices: (row.choices as RawRow[]).map(choiceOf(userId)),
    preferences: (row.preferences as RawRow[]).map(preferenceOf(userId)),
  };
}

const POSTGRES_LOCK = `with locked as (select pg_advisory_xact_lock(hashtextextended(?, 0)))
  insert into consent_subject (user_id, version, policy_version, accepted_at, updated_at)
  select ?::varchar, 0, null, null, ?::timestamptz from locked
  on conflict (user_id) do nothing`;

// The subject row, the earlier request under the key, and the choices and business rows, in one round trip.
// FOR UPDATE on the subject row besides the advisory lock: a writer that forgot the lock would still wait.
const POSTGRES_READ = `
  select s.version, s.policy_version, s.accepted_at,
    (select json_build_object('fingerprint', i.fingerprint, 'consent_version', i.consent_version,
                              'user_errors', i.user_errors, 'created_at', i.created_at)
       from idempotency_record i where i.user_id = s.user_id and i.key = ?) as earlier,
    coalesce((select json_agg(c order by c.purpose_key) from
      (select purpose_key, policy_version, granted, source, decided_at, carried_from, grant_not_carried_from
         from consent_choice where user_id = s.user_id) c), '[]') as choices,
    coalesce((select json_agg(b order by b.business_id) from
      (select business_id, blocked, transactional, marketing, updated_at, policy_version
         from business_messaging_preference where user_id = s.user_id) b), '[]') as preferences
  from consent_subject s where s.user_id = ? for update of s`;

const subjectOf = (row: RawRow, userId: string): SubjectState => ({
  userId,
  version: Number(row.version),
  policyVersion: (row.policy_version as string | null) ?? null,
  acceptedAt: row.accepted_at == null ? null : asDate(row.accepted_at),
});

const choiceOf =
  (userId: string) =>
  (r: RawRow): ConsentChoiceRow => ({
    userId,
    purposeKey: r.purpose_key as string,
    policyVersion: r.policy_version as string,
    granted: asBoolean(r.granted),
    source: r.source as string,
    decidedAt: asDate(r.decided_at),
    carriedFrom: (r.carried_from as string | null) ?? null,
    grantNotCarriedFrom: (r.grant_not_carried_from as string | null) ?? null,
  });

const preferenceOf =
  (userId: string) =>
  (r: RawRow): BusinessPreferenceRow => ({ userId, ...businessPreferenceOf(r), updatedAt: asDate(r.updated_at) });

/** An idempotency key met after its retention: forgotten, so this request is new. By its key, so no scan. */
export async function forgetIdempotencyKey(tx: EntityManager, userId: string, key: string): Promise<void> {
  await tx.nativeDelete(IdempotencyRecordEntity, { userId, key });
}

export async function persistWrite(tx: EntityManager, dialect: Dialect, set: WriteSet): Promise<void> {
  if (dialect === 'postgresql') {
    await persistOnPostgres(tx, set);
    return;
  }
  await persistOnSqlite(tx, set);
}

// Every part is conditional on its own parameters, so every write is this one statement (one plan shape).
// Rows come in as JSON arrays; events keep their order through `with ordinality`, so ids follow it.
const POSTGRES_WRITE = `
  with
  dropped as (
    delete from consent_choice where user_id = ? and ?::boolean
      and not (purpose_key = any(array(select x->>'purpose_key' from json_array_elements(?::json) x)))),
  choices as (
    insert into consent_choice (user_id, purpose_key, policy_version, granted, source, decided_at, carried_from, grant_not_carried_from)
    select ?, c.purpose_key, c.policy_version, c.granted, c.source, c.decided_at, c.carried_from, c.grant_not_carried_from
      from json_to_recordset(?::json) as c(purpose_key text, policy_version text, granted boolean, source text,
                                          decided_at timestamptz, carried_from text, grant_not_carried_from text)
    on conflict (user_id, purpose_key) do update set policy_version = excluded.policy_version, granted = excluded.granted,
      source = excluded.source, decided_at = excluded.decided_at, carried_from = excluded.carried_from,
      grant_not_carried_from = excluded.grant_not_carried_from),
  rebound as (
    update business_messaging_preference set policy_version = ? where user_id = ? and ?::boolean
      and not (business_id = any(array(select x->>'business_id' from json_array_elements(?::json) x)))),
  preferences as (
    insert into business_messaging_preference (user_id, business_id, blocked, transactional, marketing, updated_at, policy_version)
    select ?, p.business_id, p.blocked, p.transactional, p.marketing, p.updated_at, p.policy_version
      from json_to_recordset(?::json) as p(business_id text, blocked boolean, transactional boolean, marketing boolean,
                                          updated_at timestamptz, policy_version text)
    on conflict (user_id, business_id) do update set blocked = excluded.blocked, transactional = excluded.transactional,
      marketing = excluded.marketing, updated_at = excluded.updated_at, policy_version = excluded.policy_version),
  subject as (
    update consent_subject set version = ?, policy_version = ?, accepted_at = ?::timestamptz, updated_at = ?::timestamptz
     where user_id = ? and ?::boolean),
  events as (
    insert into consent_event (user_id, consent_version, type, policy_version, purpose_key, choice_group, business_id, setting,
                               previous_value, new_value, actor, channel, occurred_at, request_id, idempotency_key, carried_from)
    select e.user_id, e.consent_version, e.type, e.policy_version, e.purpose_key, e.choice_group, e.business_id, e.setting,
           e.previous_value, e.new_value, e.actor, e.channel, e.occurred_at, e.request_id, e.idempotency_key, e.carried_from
      from json_array_elements(?::json) with ordinality as x(value, n), json_populate_record(null::consent_event, x.value) as e
     order by x.n),
  outcome as (
    insert into consent_change_outcome (user_id, consent_version, decisions, businesses)
    select ?, ?, ?::jsonb, ?::jsonb where ?::boolean),
  remembered as (
    insert into idempotency_record (user_id, key, fingerprint, consent_version, user_errors, created_at)
    select ?, ?, ?, ?, ?::jsonb, ?::timestamptz where ?::boolean)
  select 1`;

const snake = (row: object): Record<string, unknown> =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));

/**
 * The PostgreSQL statements of a write, with `?` placeholders (lock: user id twice and the time; read: the
 * idempotency key and the user id; write: postgresWriteParams), for the write floor in bench/ as well.
 */
export const POSTGRES_WRITE_STATEMENTS = { lock: POSTGRES_LOCK, read: POSTGRES_READ, write: POSTGRES_WRITE } as const;

export function postgresWriteParams(set: WriteSet): unknown[] {
  const choices = JSON.stringify(set.choices.map(snake));
  const preferences = JSON.stringify(set.preferences.map(snake));
  const subject = set.subject;
  const idempotency = set.idempotency;
  return [
    set.userId,
    set.replaceChoices,
    choices,
    set.userId,
    choices,
    subject?.policyVersion ?? null,
    set.userId,
    set.rebindPreferences,
    preferences,
    set.userId,
    preferences,
    subject?.version ?? 0,
    subject?.policyVersion ?? null,
    subject?.acceptedAt ?? null,
    set.now,
    set.userId,
    subject !== null,
    JSON.stringify(set.events.map(snake)),
    set.userId,
    subject?.version ?? 0,
    JSON.stringify(set.outcome?.decisions ?? []),
    JSON.stringify(set.outcome?.businesses ?? []),
    set.outcome !== null,
    set.userId,
    idempotency?.key ?? '',
    idempotency?.fingerprint ?? '',
    idempotency?.consentVersion ?? 0,
    JSON.stringify(idempotency?.userErrors ?? []),
    idempotency?.createdAt ?? set.now,
    idempotency !== null,
  ];
}

// Named, so each connection parses and plans them once (prepared-reads.ts).
const PREPARED: Record<keyof typeof POSTGRES_WRITE_STATEMENTS, NamedStatement> = {
  lock: { name: 'consent_write_lock', text: numberedPlaceholders(POSTGRES_LOCK) },
  read: { name: 'consent_write_read', text: numberedPlaceholders(POSTGRES_READ) },
  write: { name: 'consent_write', text: numberedPlaceholders(POSTGRES_WRITE) },
};

async function persistOnPostgres(tx: EntityManager, set: WriteSet): Promise<void> {
  await executeInTransaction(tx, PREPARED.write, postgresWriteParams(set));
}

async function persistOnSqlite(tx: EntityManager, set: WriteSet): Promise<void> {
  if (set.replaceChoices) await tx.nativeDelete(ConsentChoiceEntity, { userId: set.userId });
  for (const choice of set.choices) {
    await tx.createQueryBuilder(ConsentChoiceEntity).insert(choice).onConflict(['userId', 'purposeKey']).merge().execute();
  }
  if (set.rebindPreferences) {
    await tx.nativeUpdate(BusinessPreferenceEntity, { userId: set.userId }, { policyVersion: set.subject?.policyVersion ?? null });
  }
  for (const preference of set.preferences) {
    await tx.createQueryBuilder(BusinessPreferenceEntity).insert(preference).onConflict(['userId', 'businessId']).merge().execute();
  }
  if (set.subject) {
    const { version, policyVersion, acceptedAt } = set.subject;
    await tx.nativeUpdate(ConsentSubjectEntity, { userId: set.userId }, { version, policyVersion, acceptedAt, updatedAt: set.now });
  }
  if (set.events.length > 0) await tx.insertMany(ConsentEventEntity, [...set.events]);
  if (set.outcome && set.subject) {
    await tx.insert(ConsentChangeOutcomeEntity, { userId: set.userId, consentVersion: set.subject.version, ...set.outcome });
  }
  if (set.idempotency) await tx.insert(IdempotencyRecordEntity, { userId: set.userId, ...set.idempotency });
}
