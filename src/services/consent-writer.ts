/**
 * Records consent changes. Each write is one transaction that locks the
 * user's subject row, replays a known idempotency key or plans the change with
 * the pure planner, then updates the projection, appends one ledger event
 * per change and leaves the change feed its outcome (the decisions right
 * after the write): all of it, or (on any refusal or failure) none of it.
 */
import { createHash } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { BusinessMessageCategory, BusinessPreference, ConsentState } from '../domain/decision.js';
import type { Change, ConsentChannel, Plan, PlannedError } from '../domain/consent-change.js';
import { changeOutcome } from '../domain/change-feed.js';
import { toBusinessPreference, toConsentState } from '../db/consent.repository.js';
import { BusinessPreferenceEntity } from '../db/entities/business-preference.entity.js';
import { ConsentChangeOutcomeEntity } from '../db/entities/consent-change-outcome.entity.js';
import { ConsentChoiceEntity, type ConsentChoiceRow } from '../db/entities/consent-choice.entity.js';
import { ConsentEventEntity } from '../db/entities/consent-event.entity.js';
import { ConsentSubjectEntity, type ConsentSubjectRow } from '../db/entities/consent-subject.entity.js';
import { IdempotencyRecordEntity } from '../db/entities/idempotency-record.entity.js';
import { inTransaction } from '../db/transaction.js';
import type { DatabaseConfig } from '../config.js';
import type { PolicyCatalog } from './policy-catalog.js';

export interface WriteContext {
  readonly userId: string;
  /** Who acted: the token subject (the user themself, for consent writes). */
  readonly actor: string;
  readonly channel: ConsentChannel;
  readonly requestId: string;
  readonly idempotencyKey: string | null;
  readonly now: Date;
}

/** What the planner sees: the user's state as locked inside the transaction. */
export interface LockedState {
  readonly state: ConsentState;
  readonly businessPreferences: readonly BusinessPreference[];
}

export interface WriteResult {
  readonly userErrors: readonly PlannedError[];
  /** The version this request produced; for a replay, the first request's. */
  readonly consentVersion: number;
  /** The idempotency key repeated an earlier request: its outcome is returned and nothing is recorded. */
  readonly replayed: boolean;
  /** For metrics: recorded changes, a no-op, a refusal (userErrors), or the stored outcome of a retried key. */
  readonly outcome: 'changed' | 'unchanged' | 'refused' | 'replayed';
}

// Every read in a write is a snapshot: nothing is managed, nothing is flushed (see inTransaction).
const SNAPSHOT = { disableIdentityMap: true } as const;

const describeChoice = (granted: boolean, source: 'DEFAULT' | 'USER') =>
  `${source === 'DEFAULT' ? 'default:' : ''}${granted ? 'granted' : 'withdrawn'}`;

/** A business setting's value in the ledger; a cleared one is UNSET: the policy or the global choice decides again. */
const UNSET = 'unset';
const describeSetting = (value: boolean | null): string | null => (value === null ? null : String(value));

export class ConsentWriter {
  constructor(
    private readonly dialect: DatabaseConfig['dialect'],
    /** How long an idempotency key is remembered (see idempotency-retention.ts). */
    private readonly idempotencyRetentionMs: number,
    private readonly catalog: PolicyCatalog,
  ) {}

  /** Runs in a transaction of `em`, the request's unit of work. */
  async write(
    em: EntityManager,
    ctx: WriteContext,
    operation: string,
    input: unknown,
    plan: (locked: LockedState) => Plan,
  ): Promise<WriteResult> {
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([operation, input]))
      .digest('hex');
    return inTransaction(em, async (tx) => {
      const subject = await this.lockSubject(tx, ctx);
      if (ctx.idempotencyKey !== null) {
        const where = { userId: ctx.userId, key: ctx.idempotencyKey };
        let earlier = await tx.findOne(IdempotencyRecordEntity, where, SNAPSHOT);
        if (earlier && earlier.createdAt.getTime() <= ctx.now.getTime() - this.idempotencyRetentionMs) {
          // Forgotten: this request is new. Deleting the one row by its key keeps the write path free of scans.
          await tx.nativeDelete(IdempotencyRecordEntity, where);
          earlier = null;
        }
        if (earlier) {
          if (earlier.fingerprint !== fingerprint) {
            return {
              userErrors: [
                {
                  code: 'IDEMPOTENCY_KEY_REUSED',
                  message: 'This idempotency key was already used for a different request; use a new key.',
                  field: ['input', 'idempotencyKey'],
                },
              ],
              consentVersion: subject.version,
              replayed: false,
              outcome: 'refused',
            };
          }
          return { userErrors: revive(earlier.userErrors), consentVersion: earlier.consentVersion, replayed: true, outcome: 'replayed' };
        }
      }

      const { locked, choices } = await this.loadLocked(tx, subject);
      const planned = plan(locked);
      const userErrors = planned.ok ? [] : planned.errors;
      let version = subject.version;
      if (planned.ok && planned.changes.length > 0) {
        version += 1;
        await this.apply(tx, { ...subject, version }, locked, choices, planned.changes, ctx);
      }
      if (ctx.idempotencyKey !== null) {
        await tx.insert(IdempotencyRecordEntity, {
          userId: ctx.userId,
          key: ctx.idempotencyKey,
          fingerprint,
          consentVersion: version,
          userErrors: userErrors.map((e) => ({ ...e, deadline: e.deadline?.toISOString() ?? null })),
          createdAt: ctx.now,
        });
      }
      const outcome = !planned.ok ? 'refused' : version > subject.version ? 'changed' : 'unchanged';
      return { userErrors, consentVersion: version, replayed: false, outcome };
    });
  }

  /**
   * Creates the subject row if this is the user's first write, then locks it
   * (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers itself),
   * so two writes for one user never interleave.
   *
   * On PostgreSQL the first thing taken is a transaction-scoped advisory lock
   * on the user, in the same statement as the insert: it needs no transaction
   * id, so this transaction gets its id only once it holds the user. Two
   * writes for one user therefore get transaction ids in the order they
   * commit, which is the change feed's order (docs/architecture.md). Without
   * it, two first writes racing on the insert could take ids in the opposite
   * order. Other users' writes are not serialised by it.
   */
  private async lockSubject(tx: EntityManager, ctx: WriteContext): Promise<ConsentSubjectRow> {
    if (this.dialect === 'postgresql') {
      await tx.getConnection().execute(
        `with locked as (select pg_advisory_xact_lock(hashtextextended(?, 0)))
         insert into consent_subject (user_id, version, policy_version, accepted_at, updated_at)
         select ?::varchar, 0, null, null, ?::timestamptz from locked
         on conflict (user_id) do nothing`,
        [ctx.userId, ctx.userId, ctx.now],
        'run',
        tx.getTransactionContext(),
      );
    } else {
      await tx
        .createQueryBuilder(ConsentSubjectEntity)
        .insert({ userId: ctx.userId, version: 0, policyVersion: null, acceptedAt: null, updatedAt: ctx.now })
        .onConflict('userId')
        .ignore()
        .execute();
    }
    const lockMode = this.dialect === 'postgresql' ? LockMode.PESSIMISTIC_WRITE : undefined;
    return tx.findOneOrFail(ConsentSubjectEntity, { userId: ctx.userId }, { ...SNAPSHOT, lockMode });
  }

  /**
   * Every write sees the business preferences: an acceptance carries them and
   * a global marketing withdrawal clears per-business grants. Ordered, so the
   * ledger records a write's events in the same order every time.
   */
  private async loadLocked(
    tx: EntityManager,
    subject: ConsentSubjectRow,
  ): Promise<{ locked: LockedState; choices: readonly ConsentChoiceRow[] }> {
    const choices =
      subject.policyVersion != null
        ? await tx.find(ConsentChoiceEntity, { userId: subject.userId }, { ...SNAPSHOT, orderBy: { purposeKey: 'asc' } })
        : [];
    const preferences = await tx.find(
      BusinessPreferenceEntity,
      { userId: subject.userId },
      { ...SNAPSHOT, orderBy: { businessId: 'asc' } },
    );
    return {
      locked: { state: toConsentState(subject, choices), businessPreferences: preferences.map(toBusinessPreference) },
      choices,
    };
  }

  private async apply(
    tx: EntityManager,
    subject: ConsentSubjectRow,
    locked: LockedState,
    lockedChoices: readonly ConsentChoiceRow[],
    changes: readonly Change[],
    ctx: WriteContext,
  ): Promise<void> {
    const row = { version: subject.version, policyVersion: subject.policyVersion ?? null, acceptedAt: subject.acceptedAt ?? null };
    const event = {
      userId: ctx.userId,
      consentVersion: subject.version,
      actor: ctx.actor,
      channel: ctx.channel,
      occurredAt: ctx.now,
      requestId: ctx.requestId,
      idempotencyKey: ctx.idempotencyKey,
      policyVersion: row.policyVersion,
      purposeKey: null as string | null,
      choiceGroup: null as string | null,
      businessId: null as string | null,
      setting: null as string | null,
      carriedFrom: null as string | null,
    };
    const events: (typeof event & { type: string; previousValue: string | null; newValue: string })[] = [];
    const choiceRows: ConsentChoiceRow[] = [];
    const preferences = new Map(locked.businessPreferences.map((p) => [p.businessId, p]));
    const touched = new Set<string>();
    let accepted = false;
    const setPreference = (businessId: string, setting: 'BLOCKED' | BusinessMessageCategory, value: boolean | null) => {
      const current = preferences.get(businessId) ?? {
        businessId,
        blocked: false,
        transactional: null,
        marketing: null,
        updatedAt: null,
        policyVersion: null,
      };
      const field = setting === 'BLOCKED' ? 'blocked' : setting === 'TRANSACTIONAL' ? 'transactional' : 'marketing';
      preferences.set(businessId, { ...current, [field]: setting === 'BLOCKED' ? value === true : value, updatedAt: ctx.now });
      touched.add(businessId);
    };
    for (const change of changes) {
      switch (change.type) {
        case 'POLICY_ACCEPTED':
          row.policyVersion = change.policyVersion;
          row.acceptedAt = ctx.now;
          accepted = true;
          // Choices are bound to the version they apply under: the carried ones are written again below.
          await tx.nativeDelete(ConsentChoiceEntity, { userId: ctx.userId });
          events.push({
            ...event,
            type: change.type,
            policyVersion: change.policyVersion,
            previousValue: change.previousVersion,
            newValue: change.policyVersion,
          });
          break;
        case 'CHOICE_CARRIED':
          choiceRows.push({
            userId: ctx.userId,
            purposeKey: change.purposeKey,
            policyVersion: change.policyVersion,
            granted: change.granted,
            source: 'USER',
            decidedAt: change.decidedAt,
            carriedFrom: change.carriedFrom,
            grantNotCarriedFrom: null,
          });
          events.push({
            ...event,
            type: change.type,
            policyVersion: change.policyVersion,
            purposeKey: change.purposeKey,
            choiceGroup: change.choiceGroup,
            carriedFrom: change.carriedFrom,
            previousValue: describeChoice(change.granted, 'USER'),
            newValue: describeChoice(change.granted, 'USER'),
          });
          break;
        case 'GRANT_NOT_CARRIED':
          choiceRows.push({
            userId: ctx.userId,
            purposeKey: change.purposeKey,
            policyVersion: change.policyVersion,
            granted: change.defaultGranted,
            source: 'DEFAULT',
            decidedAt: ctx.now,
            carriedFrom: null,
            grantNotCarriedFrom: change.grantedUnder,
          });
          events.push({
            ...event,
            type: change.type,
            policyVersion: change.policyVersion,
            purposeKey: change.purposeKey,
            choiceGroup: change.choiceGroup,
            carriedFrom: change.grantedUnder,
            previousValue: describeChoice(true, 'USER'),
            newValue: describeChoice(change.defaultGranted, 'DEFAULT'),
          });
          break;
        case 'CHOICE_CHANGED':
          choiceRows.push({
            userId: ctx.userId,
            purposeKey: change.purposeKey,
            policyVersion: change.policyVersion,
            granted: change.granted,
            source: 'USER',
            decidedAt: ctx.now,
            carriedFrom: null,
            grantNotCarriedFrom: null,
          });
          events.push({
            ...event,
            type: change.type,
            policyVersion: change.policyVersion,
            purposeKey: change.purposeKey,
            choiceGroup: change.choiceGroup,
            previousValue: describeChoice(change.previousGranted, change.previousSource),
            newValue: describeChoice(change.granted, 'USER'),
          });
          break;
        case 'BUSINESS_PREFERENCE_CHANGED':
          setPreference(change.businessId, change.setting, change.value);
          events.push({
            ...event,
            type: change.type,
            businessId: change.businessId,
            setting: change.setting,
            previousValue: describeSetting(change.previous),
            newValue: describeSetting(change.value) ?? UNSET,
          });
          break;
        case 'BUSINESS_PREFERENCE_CARRIED':
          // Nothing changes but the binding, which every row of the user gets below.
          events.push({
            ...event,
            type: change.type,
            policyVersion: change.policyVersion,
            businessId: change.businessId,
            setting: change.setting,
            carriedFrom: change.carriedFrom,
            previousValue: String(change.value),
            newValue: String(change.value),
          });
          break;
        case 'BUSINESS_GRANT_NOT_CARRIED':
          setPreference(change.businessId, change.setting, null);
          events.push({
            ...event,
            type: change.type,
            policyVersion: change.policyVersion,
            businessId: change.businessId,
            setting: change.setting,
            carriedFrom: change.grantedUnder,
            previousValue: 'true',
            newValue: UNSET,
          });
          break;
      }
    }
    // A later change to the same purpose in one write (a carried choice then overridden) keeps the last.
    const latest = new Map(choiceRows.map((choice) => [choice.purposeKey, choice]));
    for (const choice of latest.values()) {
      await tx.createQueryBuilder(ConsentChoiceEntity).insert(choice).onConflict(['userId', 'purposeKey']).merge().execute();
    }
    if (accepted) {
      await tx.nativeUpdate(BusinessPreferenceEntity, { userId: ctx.userId }, { policyVersion: row.policyVersion });
    }
    for (const businessId of touched) {
      const p = preferences.get(businessId)!;
      await tx
        .createQueryBuilder(BusinessPreferenceEntity)
        .insert({
          userId: ctx.userId,
          businessId,
          blocked: p.blocked,
          transactional: p.transactional,
          marketing: p.marketing,
          updatedAt: ctx.now,
          policyVersion: row.policyVersion,
        })
        .onConflict(['userId', 'businessId'])
        .merge()
        .execute();
    }
    await tx.nativeUpdate(
      ConsentSubjectEntity,
      { userId: ctx.userId },
      { version: row.version, policyVersion: row.policyVersion, acceptedAt: row.acceptedAt, updatedAt: ctx.now },
    );
    await tx.insertMany(ConsentEventEntity, events);

    // The feed's outcome: the state just written, read back through the same mapping reads use.
    const choicesAfter = accepted
      ? [...latest.values()]
      : [...new Map([...lockedChoices, ...latest.values()].map((c) => [c.purposeKey, c])).values()];
    const stateAfter = toConsentState({ userId: ctx.userId, ...row }, choicesAfter);
    const preferencesAfter = [...preferences.values()].map((p) =>
      accepted || touched.has(p.businessId) ? { ...p, policyVersion: row.policyVersion } : p,
    );
    // A version accepted through another instance may not be in this one's catalog yet. (SQLite has one
    // process, whose catalog knows every version, and one connection, which this transaction holds.)
    if (this.dialect === 'postgresql' && row.policyVersion !== null) await this.catalog.ensureKnown([row.policyVersion]);
    const policies = {
      accepted: row.policyVersion === null ? null : (this.catalog.get(row.policyVersion) ?? null),
      live: this.catalog.live(ctx.now) ?? null,
    };
    const outcome = changeOutcome(policies, stateAfter, preferencesAfter, events);
    await tx.insert(ConsentChangeOutcomeEntity, { userId: ctx.userId, consentVersion: row.version, ...outcome });
  }
}

function revive(stored: unknown[]): PlannedError[] {
  return (stored as (PlannedError & { deadline: string | null })[]).map((e) => ({
    ...e,
    deadline: e.deadline ? new Date(e.deadline) : undefined,
  }));
}
