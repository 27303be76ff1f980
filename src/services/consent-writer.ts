/**
 * Records consent changes. Each write is one transaction that locks the
 * user's subject row, replays a known idempotency key or plans the change with
 * the pure planner, then updates the projection, appends one ledger event
 * per change and leaves the change feed its outcome (the decisions right
 * after the write): all of it, or (on any refusal or failure) none of it.
 */
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import type { BusinessMessageCategory, BusinessPreference, ConsentState, PolicyContext } from '../domain/decision.js';
import type { Change, ConsentChannel, Plan, PlannedError } from '../domain/consent-change.js';
import { changeOutcome } from '../domain/change-feed.js';
import { type StoredConsent, toBusinessPreference, toConsentState } from '../db/consent.repository.js';
import {
  type EventRow,
  forgetIdempotencyKey,
  type LockedRows,
  lockForWrite,
  persistWrite,
  type SubjectState,
  type WriteSet,
} from '../db/consent-write.repository.js';
import type { BusinessPreferenceRow } from '../db/entities/business-preference.entity.js';
import type { ConsentChoiceRow } from '../db/entities/consent-choice.entity.js';
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
  /** The user's state when the transaction committed: what a read right after it returns, without the read. */
  readonly after: { readonly consent: StoredConsent; readonly businessPreferences: readonly BusinessPreference[] };
}

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
    /** Told after a write that recorded changes has committed: the outbox relay publishes it without waiting for its poll. */
    private readonly onCommitted: () => void = () => {},
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
    const result = await inTransaction(em, async (tx): Promise<WriteResult> => {
      const locked = await lockForWrite(tx, this.dialect, ctx.userId, ctx.idempotencyKey, ctx.now);
      const { subject } = locked;
      let earlier = locked.earlier;
      if (ctx.idempotencyKey !== null && earlier && earlier.createdAt.getTime() <= ctx.now.getTime() - this.idempotencyRetentionMs) {
        await forgetIdempotencyKey(tx, ctx.userId, ctx.idempotencyKey);
        earlier = null;
      }
      const state = lockedState(locked);
      const unchanged = {
        consent: { userId: ctx.userId, version: subject.version, state: state.state },
        businessPreferences: state.businessPreferences,
      };
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
            after: unchanged,
          };
        }
        return {
          userErrors: revive(earlier.userErrors),
          consentVersion: earlier.consentVersion,
          replayed: true,
          outcome: 'replayed',
          after: unchanged,
        };
      }

      const planned = plan(state);
      const userErrors = planned.ok ? [] : planned.errors;
      const changes = planned.ok ? planned.changes : [];
      const version = changes.length > 0 ? subject.version + 1 : subject.version;
      const recorded =
        changes.length > 0
          ? writeSetOf({ ...subject, version }, locked, changes, ctx, await this.policiesAfter(subject, changes, ctx.now))
          : null;
      const idempotency =
        ctx.idempotencyKey === null
          ? null
          : {
              key: ctx.idempotencyKey,
              fingerprint,
              consentVersion: version,
              userErrors: userErrors.map((e) => ({ ...e, deadline: e.deadline?.toISOString() ?? null })),
              createdAt: ctx.now,
            };
      if (recorded || idempotency) {
        await persistWrite(tx, this.dialect, {
          ...(recorded?.set ?? { userId: ctx.userId, now: ctx.now, ...NOTHING_CHANGED }),
          idempotency,
        });
      }
      const outcome = !planned.ok ? 'refused' : recorded ? 'changed' : 'unchanged';
      return { userErrors, consentVersion: version, replayed: false, outcome, after: recorded?.after ?? unchanged };
    });
    if (result.outcome === 'changed') this.onCommitted();
    return result;
  }

  /**
   * The policies the decisions right after a write need: the version the user
   * holds after it, and the live one. A version accepted through another
   * instance may not be in this one's catalog yet. (SQLite has one process,
   * whose catalog knows every version, and one connection, which this
   * transaction holds.)
   */
  private async policiesAfter(subject: SubjectState, changes: readonly Change[], now: Date): Promise<PolicyContext> {
    const version = changes.reduce((v, c) => (c.type === 'POLICY_ACCEPTED' ? c.policyVersion : v), subject.policyVersion);
    if (this.dialect === 'postgresql' && version !== null) await this.catalog.ensureKnown([version]);
    return { accepted: version === null ? null : (this.catalog.get(version) ?? null), live: this.catalog.live(now) ?? null };
  }
}

/**
 * What a planned write records: the subject row, choices and business rows
 * after it, one ledger event per change, and the feed's outcome (the
 * decisions right after it), computed from the state it writes. Pure:
 * the write floor in bench/ builds its writes with it too.
 */
export function writeSetOf(
  subject: SubjectState,
  locked: LockedRows,
  changes: readonly Change[],
  ctx: WriteContext,
  policies: PolicyContext,
): { set: Omit<WriteSet, 'idempotency'>; after: WriteResult['after'] } {
  const row = { version: subject.version, policyVersion: subject.policyVersion, acceptedAt: subject.acceptedAt };
  const event: Omit<EventRow, 'type' | 'previousValue' | 'newValue'> = {
    userId: ctx.userId,
    consentVersion: subject.version,
    actor: ctx.actor,
    channel: ctx.channel,
    occurredAt: ctx.now,
    requestId: ctx.requestId,
    idempotencyKey: ctx.idempotencyKey,
    policyVersion: row.policyVersion,
    purposeKey: null,
    choiceGroup: null,
    businessId: null,
    setting: null,
    carriedFrom: null,
  };
  const events: EventRow[] = [];
  const choiceRows: ConsentChoiceRow[] = [];
  const preferences = new Map(locked.preferences.map((p) => [p.businessId, toBusinessPreference(p)]));
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
  /** The choice row a purpose change leaves, bound to the version it applies under. */
  const choice = (
    change: { readonly purposeKey: string; readonly policyVersion: string },
    granted: boolean,
    source: 'USER' | 'DEFAULT',
    decidedAt: Date,
    from: { carriedFrom?: string; grantNotCarriedFrom?: string } = {},
  ) =>
    choiceRows.push({
      userId: ctx.userId,
      purposeKey: change.purposeKey,
      policyVersion: change.policyVersion,
      granted,
      source,
      decidedAt,
      carriedFrom: from.carriedFrom ?? null,
      grantNotCarriedFrom: from.grantNotCarriedFrom ?? null,
    });
  const purposeEvent = (
    change: Extract<Change, { purposeKey: string }>,
    previousValue: string,
    newValue: string,
    carriedFrom: string | null = null,
  ) =>
    events.push({
      ...event,
      type: change.type,
      policyVersion: change.policyVersion,
      purposeKey: change.purposeKey,
      choiceGroup: change.choiceGroup,
      carriedFrom,
      previousValue,
      newValue,
    });
  // A business setting is recorded under the version it is carried to, else the one the user holds.
  const businessEvent = (
    change: Extract<Change, { businessId: string }>,
    carriedFrom: string | null,
    previousValue: string | null,
    newValue: string,
  ) =>
    events.push({
      ...event,
      type: change.type,
      ...('policyVersion' in change ? { policyVersion: change.policyVersion } : {}),
      businessId: change.businessId,
      setting: change.setting,
      carriedFrom,
      previousValue,
      newValue,
    });
  for (const change of changes) {
    switch (change.type) {
      case 'POLICY_ACCEPTED':
        row.policyVersion = change.policyVersion;
        row.acceptedAt = ctx.now;
        accepted = true;
        events.push({
          ...event,
          type: change.type,
          policyVersion: change.policyVersion,
          previousValue: change.previousVersion,
          newValue: change.policyVersion,
        });
        break;
      case 'CHOICE_CARRIED':
        choice(change, change.granted, 'USER', change.decidedAt, { carriedFrom: change.carriedFrom });
        purposeEvent(change, describeChoice(change.granted, 'USER'), describeChoice(change.granted, 'USER'), change.carriedFrom);
        break;
      case 'GRANT_NOT_CARRIED':
        choice(change, change.defaultGranted, 'DEFAULT', ctx.now, { grantNotCarriedFrom: change.grantedUnder });
        purposeEvent(change, describeChoice(true, 'USER'), describeChoice(change.defaultGranted, 'DEFAULT'), change.grantedUnder);
        break;
      case 'CHOICE_CHANGED':
        choice(change, change.granted, 'USER', ctx.now);
        purposeEvent(change, describeChoice(change.previousGranted, change.previousSource), describeChoice(change.granted, 'USER'));
        break;
      case 'BUSINESS_PREFERENCE_CHANGED':
        setPreference(change.businessId, change.setting, change.value);
        businessEvent(change, null, describeSetting(change.previous), describeSetting(change.value) ?? UNSET);
        break;
      case 'BUSINESS_PREFERENCE_CARRIED':
        // Nothing changes but the binding, which every row of the user gets.
        businessEvent(change, change.carriedFrom, String(change.value), String(change.value));
        break;
      case 'BUSINESS_GRANT_NOT_CARRIED':
        setPreference(change.businessId, change.setting, null);
        businessEvent(change, change.grantedUnder, 'true', UNSET);
        break;
    }
  }
  // A later change to the same purpose in one write (a carried choice then overridden) keeps the last.
  const latest = new Map(choiceRows.map((c) => [c.purposeKey, c]));
  // An acceptance binds every business row to the new version; a touched row is bound to the version it is set under.
  const preferencesAfter = [...preferences.values()]
    .map((p) => (accepted || touched.has(p.businessId) ? { ...p, policyVersion: row.policyVersion } : p))
    .sort((a, b) => (a.businessId < b.businessId ? -1 : a.businessId > b.businessId ? 1 : 0));
  const touchedRows: BusinessPreferenceRow[] = preferencesAfter
    .filter((p) => touched.has(p.businessId))
    .map((p) => ({ ...p, userId: ctx.userId, transactional: p.transactional, marketing: p.marketing, updatedAt: ctx.now }));

  // The feed's outcome: the state just written, read back through the same mapping reads use.
  const choicesAfter = accepted
    ? [...latest.values()]
    : [...new Map([...locked.choices, ...latest.values()].map((c) => [c.purposeKey, c])).values()];
  const stateAfter = toConsentState({ userId: ctx.userId, ...row }, choicesAfter);
  return {
    set: {
      userId: ctx.userId,
      now: ctx.now,
      subject: { userId: ctx.userId, ...row },
      replaceChoices: accepted,
      choices: [...latest.values()],
      rebindPreferences: accepted,
      preferences: touchedRows,
      events,
      outcome: changeOutcome(policies, stateAfter, preferencesAfter, events),
    },
    after: { consent: { userId: ctx.userId, version: row.version, state: stateAfter }, businessPreferences: preferencesAfter },
  };
}

/** The write set of a request that records no change (its idempotency record aside). */
export const NOTHING_CHANGED = {
  subject: null,
  replaceChoices: false,
  choices: [],
  rebindPreferences: false,
  preferences: [],
  events: [],
  outcome: null,
} as const;

/** What the planner sees: the user's state as locked inside the transaction. */
function lockedState(locked: LockedRows): LockedState {
  return {
    state: toConsentState(locked.subject, locked.choices),
    // Ordered by business, so the ledger records a write's events in the same order every time.
    businessPreferences: locked.preferences.map(toBusinessPreference),
  };
}

function revive(stored: unknown[]): PlannedError[] {
  return (stored as (PlannedError & { deadline: string | null })[]).map((e) => ({
    ...e,
    deadline: e.deadline ? new Date(e.deadline) : undefined,
  }));
}
