/**
 * Reads of users' consent, batched by user id: one statement for any number
 * of users (subjects with their choices; business preferences; a ledger
 * page). These are what the request loaders call.
 */
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import type { BusinessPreference, ConsentState } from '../domain/decision.js';
import type { BusinessPreferenceRow } from './entities/business-preference.entity.js';
import type { ConsentChoiceRow } from './entities/consent-choice.entity.js';
import type { ConsentEventRow } from './entities/consent-event.entity.js';
import type { ConsentSubjectRow } from './entities/consent-subject.entity.js';
import { pgEpochMillis, type RawRow, readByUserIds, type SqlReader, type UserIdsRead } from './prepared-reads.js';

export interface StoredConsent {
  readonly userId: string;
  /** `Consent.version`: 0 for a user never written. */
  readonly version: number;
  readonly state: ConsentState;
}

type SubjectFields = Readonly<Pick<ConsentSubjectRow, 'userId' | 'version' | 'policyVersion' | 'acceptedAt'>>;
type ChoiceFields = Readonly<
  Pick<
    ConsentChoiceRow,
    'userId' | 'purposeKey' | 'policyVersion' | 'granted' | 'source' | 'decidedAt' | 'carriedFrom' | 'grantNotCarriedFrom'
  >
>;

/** The decision engine's view of one user's subject row and current choices (theirs alone). */
export function toConsentState(subject: SubjectFields, choices: readonly ChoiceFields[]): ConsentState {
  if (subject.policyVersion == null || subject.acceptedAt == null) return { acceptance: null, choices: [], grantsNotCarried: [] };
  const policyVersion = subject.policyVersion;
  const own = choices.filter((c) => c.policyVersion === policyVersion);
  return {
    acceptance: { policyVersion, acceptedAt: subject.acceptedAt },
    choices: own
      .filter((c) => c.source === 'USER')
      .map((c) => ({ purposeKey: c.purposeKey, granted: c.granted, decidedAt: c.decidedAt, carriedFrom: c.carriedFrom ?? null })),
    grantsNotCarried: own.flatMap((c) =>
      c.source === 'DEFAULT' && c.grantNotCarriedFrom != null ? [{ purposeKey: c.purposeKey, grantedUnder: c.grantNotCarriedFrom }] : [],
    ),
  };
}

export function toBusinessPreference(row: BusinessPreferenceRow): BusinessPreference {
  return {
    businessId: row.businessId,
    blocked: row.blocked,
    transactional: row.transactional ?? null,
    marketing: row.marketing ?? null,
    updatedAt: row.updatedAt,
    policyVersion: row.policyVersion ?? null,
  };
}

/*
 * The batched reads are the hot path (the ads graph asks for hundreds of
 * users per _entities call), so they are plain SQL, prepared once per
 * connection (see prepared-reads.ts): no entity hydration, one row object
 * each. The drivers differ only in how values come back: SQLite gives epoch
 * milliseconds and 0/1, PostgreSQL booleans, and timestamps as text unless
 * the statement selects them as epoch milliseconds (int8 digits).
 */
export function asDate(value: unknown): Date {
  if (value instanceof Date) return value;
  const date =
    typeof value === 'number'
      ? new Date(value)
      : /^-?\d+$/.test(String(value))
        ? new Date(Number(value))
        : // PostgreSQL through MikroORM: the timestamptz text ("2016-09-01 12:00:00+00").
          new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new Error(`Unreadable timestamp from the database: ${String(value)}`);
  return date;
}
export const asBoolean = (value: unknown): boolean => value === true || value === 1 || value === '1';
export const asOptionalBoolean = (value: unknown): boolean | null => (value === null || value === undefined ? null : asBoolean(value));
export const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

function groupByUser<T extends { userId: string }>(rows: readonly T[]): Map<string, T[]> {
  const byUser = new Map<string, T[]>();
  for (const row of rows) {
    const list = byUser.get(row.userId);
    if (list) list.push(row);
    else byUser.set(row.userId, [row]);
  }
  return byUser;
}

/**
 * Subjects and their current choices in one statement: a subject row with
 * each choice bound to the version it accepted, or once with null choice
 * columns when it has none (never accepted, or only defaults).
 */
const CONSENTS_FROM = `from consent_subject s
  left join consent_choice c on c.user_id = s.user_id and c.policy_version = s.policy_version`;
const CONSENTS: UserIdsRead = {
  name: 'consent_reads_consents_v1',
  sqlite: `select s.user_id, s.version, s.policy_version, s.accepted_at,
    c.purpose_key, c.granted, c.source, c.decided_at, c.carried_from, c.grant_not_carried_from
  ${CONSENTS_FROM}
  where s.user_id in (select value from json_each(?))`,
  postgresql: `select s.user_id, s.version, s.policy_version, ${pgEpochMillis('s.accepted_at')} as accepted_at,
    c.purpose_key, c.granted, c.source, ${pgEpochMillis('c.decided_at')} as decided_at, c.carried_from, c.grant_not_carried_from
  ${CONSENTS_FROM}
  where s.user_id = any($1::text[])`,
};

export async function loadConsents(em: SqlReader, userIds: readonly string[]): Promise<Map<string, StoredConsent>> {
  const subjects = new Map<string, { subject: SubjectFields; choices: ChoiceFields[] }>();
  for (const r of await readByUserIds(em, CONSENTS, userIds)) {
    const userId = r.user_id as string;
    let found = subjects.get(userId);
    if (!found) {
      found = {
        subject: {
          userId,
          version: Number(r.version),
          policyVersion: (r.policy_version as string | null) ?? null,
          acceptedAt: r.accepted_at == null ? null : asDate(r.accepted_at),
        },
        choices: [],
      };
      subjects.set(userId, found);
    }
    if (r.purpose_key == null) continue;
    found.choices.push({
      userId,
      purposeKey: r.purpose_key as string,
      policyVersion: found.subject.policyVersion as string,
      granted: asBoolean(r.granted),
      source: r.source as string,
      decidedAt: asDate(r.decided_at),
      carriedFrom: (r.carried_from as string | null) ?? null,
      grantNotCarriedFrom: (r.grant_not_carried_from as string | null) ?? null,
    });
  }
  const consents = new Map<string, StoredConsent>();
  for (const [userId, { subject, choices }] of subjects) {
    consents.set(userId, { userId, version: subject.version, state: toConsentState(subject, choices) });
  }
  return consents;
}

export const NEVER_SEEN = (userId: string): StoredConsent => ({
  userId,
  version: 0,
  state: { acceptance: null, choices: [], grantsNotCarried: [] },
});

const BUSINESS_PREFERENCES: UserIdsRead = {
  name: 'consent_reads_business_preferences_v1',
  sqlite: `select user_id, business_id, blocked, transactional, marketing, updated_at, policy_version
  from business_messaging_preference where user_id in (select value from json_each(?)) order by business_id`,
  postgresql: `select user_id, business_id, blocked, transactional, marketing, ${pgEpochMillis('updated_at')} as updated_at, policy_version
  from business_messaging_preference where user_id = any($1::text[]) order by business_id`,
};

/** A business_messaging_preference row as either driver returns it (SQLite's integers, PostgreSQL's booleans). */
export function businessPreferenceOf(r: RawRow): BusinessPreference {
  return {
    businessId: r.business_id as string,
    blocked: asBoolean(r.blocked),
    transactional: asOptionalBoolean(r.transactional),
    marketing: asOptionalBoolean(r.marketing),
    updatedAt: asDate(r.updated_at),
    policyVersion: (r.policy_version as string | null) ?? null,
  };
}

export async function loadBusinessPreferences(em: SqlReader, userIds: readonly string[]): Promise<Map<string, BusinessPreference[]>> {
  const rows = await readByUserIds(em, BUSINESS_PREFERENCES, userIds);
  const byUser = new Map<string, BusinessPreference[]>();
  for (const r of rows) {
    const preference = businessPreferenceOf(r);
    const list = byUser.get(r.user_id as string);
    if (list) list.push(preference);
    else byUser.set(r.user_id as string, [preference]);
  }
  return byUser;
}

/** One page of a user's ledger: newest first, below a cursor; `first + 1` rows tell whether more follow. */
export interface HistoryPageKey {
  readonly userId: string;
  readonly first: number;
  readonly beforeId: number | null;
}

export interface HistoryPage {
  readonly rows: ConsentEventRow[];
  readonly hasNextPage: boolean;
}

const EVENT_COLUMNS =
  'id, user_id, consent_version, type, policy_version, purpose_key, choice_group, business_id, setting, previous_value, carried_from, new_value, actor, channel, occurred_at, request_id, idempotency_key';

const nullableString = (value: unknown): string | null => (value == null ? null : String(value));

function toEventRow(r: RawRow): ConsentEventRow {
  return {
    id: Number(r.id),
    userId: r.user_id as string,
    consentVersion: Number(r.consent_version),
    type: r.type as string,
    policyVersion: nullableString(r.policy_version),
    purposeKey: nullableString(r.purpose_key),
    choiceGroup: nullableString(r.choice_group),
    businessId: nullableString(r.business_id),
    setting: nullableString(r.setting),
    previousValue: nullableString(r.previous_value),
    carriedFrom: nullableString(r.carried_from),
    newValue: r.new_value as string,
    actor: r.actor as string,
    channel: r.channel as string,
    occurredAt: asDate(r.occurred_at),
    requestId: r.request_id as string,
    idempotencyKey: nullableString(r.idempotency_key),
  };
}

/**
 * Ledger pages for many users in one statement per distinct (page size,
 * cursor): a window numbers each user's events newest first, so however
 * many users or aliases ask, each user's page is cut in SQL.
 */
export async function loadHistoryPages(em: SqlReader, keys: readonly HistoryPageKey[]): Promise<HistoryPage[]> {
  const groups = new Map<string, HistoryPageKey[]>();
  for (const key of keys) {
    const group = `${key.first}:${key.beforeId ?? ''}`;
    const list = groups.get(group);
    if (list) list.push(key);
    else groups.set(group, [key]);
  }
  const pages = new Map<HistoryPageKey, HistoryPage>();
  for (const group of groups.values()) {
    const { first, beforeId } = group[0]!;
    const userIds = [...new Set(group.map((k) => k.userId))];
    const rows = (
      (await (em.getConnection() as AbstractSqlConnection).execute(
        `select ${EVENT_COLUMNS} from (select ${EVENT_COLUMNS}, row_number() over (partition by user_id order by id desc) as position from consent_event where user_id in (${placeholders(userIds.length)})${beforeId === null ? '' : ' and id < ?'}) ranked where position <= ? order by id desc`,
        [...userIds, ...(beforeId === null ? [] : [beforeId]), first + 1],
        'all',
        undefined,
        em.getLoggerContext(),
      )) as RawRow[]
    ).map(toEventRow);
    const byUser = groupByUser(rows);
    for (const key of group) {
      const own = byUser.get(key.userId) ?? [];
      pages.set(key, { rows: own.slice(0, first), hasNextPage: own.length > first });
    }
  }
  return keys.map((key) => pages.get(key)!);
}
