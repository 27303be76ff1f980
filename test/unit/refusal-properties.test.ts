/**
 * A refusal stays a refusal, whatever a later policy version says: checked
 * as properties over generated versions and users, not only the cases the
 * other unit tests name.
 *
 * Each run takes the 2016 policy, a user who accepted it with some mix of
 * explicit refusals and grants and some per-business settings, and a later
 * version made from it by dropping and rewriting purposes at random (new
 * recipients, legal bases, controls, data categories, defaults, windows),
 * kept only if publishing it would be accepted. The user accepts the later
 * version (and, in the second property, a third one after it), and the
 * state is projected exactly as the writer records it (`writeSetOf`, the
 * same pure function the service runs inside the transaction). Then:
 *
 * - every purpose the user refused is denied under the new version, for
 *   every data category it uses, even when the version made it essential;
 * - a grant survives only where the purpose is materially unchanged (same
 *   recipient and legal basis, no new category): otherwise it is not the
 *   reason anything is allowed;
 * - a blocked business may send nothing, a per-business "no" stays a no,
 *   and after the global marketing switch was turned off, no business the
 *   user did not allow one by one may send marketing.
 *
 * And under one version, for any sequence of global switches, per-business
 * choices and blocks, the latest act decides exactly as the rules say
 * (kept by hand beside the planner as the reference): a global withdrawal
 * clears the per-business grants made before it, a global grant never
 * undoes a block or a per-business "no".
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LockedRows } from '../../src/db/consent-write.repository.js';
import type { BusinessPreferenceRow } from '../../src/db/entities/business-preference.entity.js';
import type { ConsentChoiceRow } from '../../src/db/entities/consent-choice.entity.js';
import { toBusinessPreference, toConsentState } from '../../src/db/consent.repository.js';
import { isMateriallyUnchanged } from '../../src/domain/carry-over.js';
import {
  type Change,
  type ConsentChannel,
  type Plan,
  planAcceptance,
  planBusinessPreference,
  planChoiceUpdate,
} from '../../src/domain/consent-change.js';
import { type BusinessMessageCategory, decideBusinessMessage, decidePurpose } from '../../src/domain/decision.js';
import type { Policy, Purpose } from '../../src/domain/policy.js';
import { policyFromDraft, validatePolicyDraft } from '../../src/domain/policy-validation.js';
import { writeSetOf } from '../../src/services/consent-writer.js';
import { DAY_MS, draftOf, POLICY_2016, plus, V2016 } from './policy-fixtures.js';

const USER = 'property-user';
const ACCEPTED_2016 = new Date('2016-09-01T12:00:00.000Z');
const DECIDED = plus(ACCEPTED_2016, 2 * DAY_MS);
const GROUP = 'facebook.account_sharing';
const CATEGORIES: readonly BusinessMessageCategory[] = ['TRANSACTIONAL', 'MARKETING'];

type Setting = 'none' | 'granted' | 'refused';

/** The user's explicit choices under 2016: one for the Facebook checkbox (both members), one for global marketing. */
const choicesArb = fc.record({
  accountSharing: fc.constantFrom<Setting>('none', 'granted', 'refused'),
  marketing: fc.constantFrom<Setting>('none', 'granted', 'refused'),
});

const tristate = fc.constantFrom<boolean | null>(null, true, false);
const preferencesArb = fc.uniqueArray(
  fc.record({
    businessId: fc.constantFrom('acme-shoes', 'bolt-bikes', 'corner-cafe'),
    blocked: fc.boolean(),
    transactional: tristate,
    marketing: tristate,
  }),
  { maxLength: 3, selector: (p) => p.businessId },
);

const BASES = [
  { legalBasis: 'CONSENT', control: 'WITHDRAW' },
  { legalBasis: 'LEGITIMATE_INTEREST', control: 'OBJECT' },
  { legalBasis: 'LEGITIMATE_INTEREST', control: 'NONE' },
  { legalBasis: 'CONTRACT', control: 'NONE' },
] as const;

/** A rewrite of one purpose: what a later version may say about the same key. */
const rewriteArb = fc
  .record({
    basis: fc.constantFrom(...BASES),
    recipient: fc.constantFrom('facebook', 'whatsapp', 'businesses', 'advertisers'),
    dataCategories: fc.subarray(['phone_number', 'account_info', 'device_info', 'usage_data'], { minLength: 1 }),
    defaultGranted: fc.boolean(),
    changeWindowDays: fc.constantFrom<number | null>(null, 0, 30),
  })
  .map(({ basis, ...rest }) => (purpose: Purpose): Purpose => {
    const essential = basis.control === 'NONE';
    return {
      ...purpose,
      ...basis,
      recipient: rest.recipient,
      dataCategories: rest.dataCategories,
      defaultGranted: essential || rest.defaultGranted,
      changeWindowDays: essential ? null : rest.changeWindowDays,
      choiceGroup: null,
    };
  });

/** For each 2016 purpose: kept, dropped, or rewritten. */
const editsArb = fc.array(fc.oneof(fc.constant('keep' as const), fc.constant('drop' as const), rewriteArb), {
  minLength: POLICY_2016.purposes.length,
  maxLength: POLICY_2016.purposes.length,
});

/** A later version from `base` by `edits`, or null when publishing it would be refused. */
function laterVersion(
  base: Policy,
  existing: readonly Policy[],
  version: string,
  effectiveAt: Date,
  edits: readonly unknown[],
): Policy | null {
  const purposes = base.purposes.flatMap((p, i) => {
    const edit = edits[i];
    if (edit === 'drop') return [];
    if (edit === 'keep' || edit === undefined) return [p];
    return [(edit as (p: Purpose) => Purpose)(p)];
  });
  // A group whose other member was rewritten or dropped is a group of one: the remaining member leaves it.
  const grouped = purposes.filter((p) => p.choiceGroup === GROUP);
  const consistent = purposes.map((p) => (p.choiceGroup === GROUP && grouped.length < 2 ? { ...p, choiceGroup: null } : p));
  const draft = draftOf(base, { version, effectiveAt, purposes: consistent });
  const publishedAt = plus(effectiveAt, -DAY_MS);
  if (validatePolicyDraft(draft, existing, publishedAt).length > 0) return null;
  return policyFromDraft(draft, existing, publishedAt);
}

type Choices = ReturnType<typeof choicesArb.generate>['value'];
type Preferences = ReturnType<typeof preferencesArb.generate>['value'];

/** The rows of a user who accepted 2016 with `choices` and set `preferences` under it. */
function rowsUnder2016(choices: Choices, preferences: Preferences): LockedRows {
  const row = (purposeKey: string, granted: boolean): ConsentChoiceRow =>
    ({
      userId: USER,
      purposeKey,
      policyVersion: V2016,
      granted,
      source: 'USER',
      decidedAt: DECIDED,
      carriedFrom: null,
      grantNotCarriedFrom: null,
    }) as ConsentChoiceRow;
  const rows: ConsentChoiceRow[] = [];
  if (choices.accountSharing !== 'none') {
    for (const key of ['facebook.ads', 'facebook.friend_suggestions']) rows.push(row(key, choices.accountSharing === 'granted'));
  }
  if (choices.marketing !== 'none') rows.push(row('business.marketing', choices.marketing === 'granted'));
  return {
    subject: { userId: USER, version: 3, policyVersion: V2016, acceptedAt: ACCEPTED_2016 },
    earlier: null,
    choices: rows,
    preferences: preferences.map((p) => ({ userId: USER, ...p, updatedAt: DECIDED, policyVersion: V2016 }) as BusinessPreferenceRow),
  };
}

/** `changes` recorded on `locked` as the writer records them (its own pure `writeSetOf`); returns the rows after. */
function record(locked: LockedRows, changes: readonly Change[], accepted: Policy, at: Date, channel: ConsentChannel): LockedRows {
  if (changes.length === 0) return locked;
  const subject = { ...locked.subject, version: locked.subject.version + 1 };
  const ctx = { userId: USER, actor: USER, channel, requestId: 'r', idempotencyKey: null, now: at };
  const { set } = writeSetOf(subject, locked, changes, ctx, { accepted, live: accepted });
  if (!set.subject) throw new Error('a write that changed something moves the subject row');
  const touchedChoices = new Map(set.choices.map((c) => [c.purposeKey, c]));
  const touchedPreferences = new Map(set.preferences.map((p) => [p.businessId, p]));
  const untouchedChoices = set.replaceChoices ? [] : locked.choices.filter((c) => !touchedChoices.has(c.purposeKey));
  const rebound = (p: BusinessPreferenceRow) => (set.rebindPreferences ? { ...p, policyVersion: set.subject!.policyVersion } : p);
  return {
    subject: set.subject,
    earlier: null,
    // An acceptance writes the whole set of choices bound to the new version; other writes upsert theirs.
    choices: [...untouchedChoices, ...set.choices],
    preferences: [
      ...locked.preferences.map((p) => touchedPreferences.get(p.businessId) ?? rebound(p)),
      ...set.preferences.filter((p) => !locked.preferences.some((q) => q.businessId === p.businessId)),
    ],
  };
}

const planned = (plan: Plan): readonly Change[] => {
  if (!plan.ok) throw new Error(`refused: ${JSON.stringify(plan.errors)}`);
  return plan.changes;
};

/** Accepts `next` at `at` from `locked`, recorded as the writer records it; returns the rows after. */
function accept(locked: LockedRows, policies: readonly Policy[], next: Policy, at: Date): LockedRows {
  const state = toConsentState(locked.subject, locked.choices);
  const businessPreferences = locked.preferences.map(toBusinessPreference);
  const changes = planned(planAcceptance(policies, state, next.version, [], at, businessPreferences));
  const after = record(locked, changes, next, at, 'ACCEPTANCE');
  if (after.subject.policyVersion !== next.version) throw new Error('the acceptance did not move the subject to the new version');
  return after;
}

/** What a refusal, a grant or a per-business setting under 2016 must still mean after accepting `now`. */
function checkPromises(before: LockedRows, after: LockedRows, original: Policy, now: Policy): void {
  const ctx = { accepted: now, live: now };
  const state = toConsentState(after.subject, after.choices);
  expect(state.acceptance?.policyVersion).toBe(now.version);
  for (const choice of before.choices) {
    const purpose = now.purposes.find((p) => p.key === choice.purposeKey);
    if (!purpose) continue;
    const decisions = [decidePurpose(ctx, state, purpose), ...purpose.dataCategories.map((c) => decidePurpose(ctx, state, purpose, c))];
    if (!choice.granted) {
      for (const d of decisions) expect(d, `${choice.purposeKey} refused under ${V2016}`).toMatchObject({ allowed: false });
      continue;
    }
    const source = original.purposes.find((p) => p.key === choice.purposeKey)!;
    if (!isMateriallyUnchanged(source, purpose)) {
      for (const d of decisions) expect(d.reason, `${choice.purposeKey} granted under ${V2016}, changed since`).not.toBe('USER_GRANTED');
    }
  }
  const globalRefusal = before.choices.some((c) => c.purposeKey === 'business.marketing' && !c.granted);
  for (const earlier of before.preferences) {
    const preference = toBusinessPreference(after.preferences.find((p) => p.businessId === earlier.businessId)!);
    const allowed = (category: BusinessMessageCategory) => decideBusinessMessage(ctx, state, preference, category).allowed;
    if (earlier.blocked) for (const category of CATEGORIES) expect(allowed(category), `${earlier.businessId} blocked`).toBe(false);
    if (earlier.transactional === false) expect(allowed('TRANSACTIONAL'), `${earlier.businessId} transactional no`).toBe(false);
    if (earlier.marketing === false) expect(allowed('MARKETING'), `${earlier.businessId} marketing no`).toBe(false);
    if (globalRefusal && earlier.marketing !== true) expect(allowed('MARKETING'), `${earlier.businessId} after the global no`).toBe(false);
  }
}

describe('a refusal across policy versions, as properties', () => {
  const V2 = { version: '2017-01-01', effectiveAt: new Date('2017-01-01T00:00:00.000Z'), acceptedAt: new Date('2017-02-01T00:00:00.000Z') };
  const V3 = { version: '2019-01-01', effectiveAt: new Date('2019-01-01T00:00:00.000Z'), acceptedAt: new Date('2019-02-01T00:00:00.000Z') };

  it('survives accepting any publishable later version', () => {
    fc.assert(
      fc.property(choicesArb, preferencesArb, editsArb, (choices, preferences, edits) => {
        const v2 = laterVersion(POLICY_2016, [POLICY_2016], V2.version, V2.effectiveAt, edits);
        fc.pre(v2 !== null);
        const before = rowsUnder2016(choices, preferences);
        const after = accept(before, [POLICY_2016, v2!], v2!, V2.acceptedAt);
        checkPromises(before, after, POLICY_2016, v2!);
      }),
      { numRuns: 400 },
    );
  });

  it('survives two acceptances in a row, the second of a version made from the first', () => {
    fc.assert(
      fc.property(choicesArb, preferencesArb, editsArb, editsArb, (choices, preferences, firstEdits, secondEdits) => {
        const v2 = laterVersion(POLICY_2016, [POLICY_2016], V2.version, V2.effectiveAt, firstEdits);
        fc.pre(v2 !== null);
        const v3 = laterVersion(v2!, [POLICY_2016, v2!], V3.version, V3.effectiveAt, secondEdits.slice(0, v2!.purposes.length));
        fc.pre(v3 !== null);
        const policies = [POLICY_2016, v2!, v3!];
        const before = rowsUnder2016(choices, preferences);
        const after = accept(accept(before, policies, v2!, V2.acceptedAt), policies, v3!, V3.acceptedAt);
        // A refusal made under 2016 still refuses two versions later, whatever happened to its purpose in between.
        const ctx = { accepted: v3!, live: v3! };
        const state = toConsentState(after.subject, after.choices);
        for (const choice of before.choices.filter((c) => !c.granted)) {
          const purpose = v3!.purposes.find((p) => p.key === choice.purposeKey);
          if (purpose)
            expect(decidePurpose(ctx, state, purpose), `${choice.purposeKey} refused under ${V2016}`).toMatchObject({ allowed: false });
        }
        for (const earlier of before.preferences.filter((p) => p.blocked)) {
          const preference = toBusinessPreference(after.preferences.find((p) => p.businessId === earlier.businessId)!);
          for (const category of CATEGORIES) expect(decideBusinessMessage(ctx, state, preference, category).allowed).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('the global marketing switch against per-business choices, as properties', () => {
  const businesses = ['acme-shoes', 'bolt-bikes', 'corner-cafe'] as const;
  const opArb = fc.oneof(
    fc.record({ kind: fc.constant('global' as const), granted: fc.boolean() }),
    fc.record({ kind: fc.constant('business' as const), businessId: fc.constantFrom(...businesses), allowed: fc.boolean() }),
    fc.record({ kind: fc.constant('block' as const), businessId: fc.constantFrom(...businesses), blocked: fc.boolean() }),
  );

  it('lets the latest act decide, and never lets a global yes undo a block or a per-business no', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 14 }), (ops) => {
        let rows = rowsUnder2016({ accountSharing: 'none', marketing: 'none' }, []);
        // The reference: the spec's rules, kept by hand.
        let global: boolean | null = null;
        const own = new Map<string, boolean>();
        const blocked = new Set<string>();
        let at = plus(ACCEPTED_2016, DAY_MS);
        for (const op of ops) {
          at = plus(at, 60_000);
          const state = toConsentState(rows.subject, rows.choices);
          const preferences = rows.preferences.map(toBusinessPreference);
          if (op.kind === 'global') {
            const changes = planned(
              planChoiceUpdate(POLICY_2016, state, [{ purpose: 'business.marketing', granted: op.granted }], at, preferences),
            );
            rows = record(rows, changes, POLICY_2016, at, 'SETTINGS');
            global = op.granted;
            // A withdrawal clears the per-business grants made before it; refusals stay.
            if (!op.granted) for (const [b, v] of own) if (v) own.delete(b);
          } else {
            const current = preferences.find((p) => p.businessId === op.businessId) ?? null;
            const request =
              op.kind === 'business'
                ? { businessId: op.businessId, category: 'MARKETING' as const, allowed: op.allowed }
                : { businessId: op.businessId, blocked: op.blocked };
            rows = record(rows, planned(planBusinessPreference(current, request, V2016)), POLICY_2016, at, 'SETTINGS');
            if (op.kind === 'business') own.set(op.businessId, op.allowed);
            else if (op.blocked) blocked.add(op.businessId);
            else blocked.delete(op.businessId);
          }
        }
        const ctx = { accepted: POLICY_2016, live: POLICY_2016 };
        const state = toConsentState(rows.subject, rows.choices);
        for (const businessId of businesses) {
          const preference = rows.preferences.find((p) => p.businessId === businessId);
          const decide = (category: BusinessMessageCategory) =>
            decideBusinessMessage(ctx, state, preference ? toBusinessPreference(preference) : null, category).allowed;
          const expected = !blocked.has(businessId) && (own.get(businessId) ?? global ?? true);
          expect(decide('MARKETING'), `${businessId} marketing after ${JSON.stringify(ops)}`).toBe(expected);
          expect(decide('TRANSACTIONAL'), `${businessId} transactional`).toBe(!blocked.has(businessId));
        }
      }),
      { numRuns: 400 },
    );
  });
});
