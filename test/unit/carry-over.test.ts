import { describe, expect, it } from 'vitest';
import { isMateriallyUnchanged } from '../../src/domain/carry-over.js';
import {
  planAcceptance,
  planBusinessPreference,
  planChoiceUpdate,
  type Change,
  type ChoiceRequest,
  type Plan,
} from '../../src/domain/consent-change.js';
import {
  decideBusinessMessage,
  decidePurpose,
  effectiveChoice,
  type BusinessPreference,
  type ConsentState,
  type RecordedChoice,
} from '../../src/domain/decision.js';
import type { Policy, Purpose } from '../../src/domain/policy.js';
import {
  ACCOUNT_SHARING,
  DAY_MS,
  GDPR_POLICY,
  NO_CONSENT,
  POLICY_2016,
  V2016,
  VGDPR,
  acceptedState,
  choice,
  plus,
  purposeOf,
  withPurposes,
  withoutPurposes,
} from './policy-fixtures.js';

const T = new Date('2016-09-01T12:00:00.000Z');
const DECIDED = plus(T, 2 * DAY_MS);
const V2 = '2017-01-01';
const V3 = '2019-01-01';
const AT_V2 = new Date('2017-02-01T00:00:00.000Z');
const AT_V3 = new Date('2019-02-01T00:00:00.000Z');

/** A later version of `base` going live at `effectiveAt`, with `change` applied to its purposes. */
function laterVersion(base: Policy, version: string, effectiveAt: string, change: (p: Policy) => Policy = (p) => p): Policy {
  return { ...change({ ...base, version }), effectiveAt: new Date(effectiveAt) };
}

/** The 2016 policy republished unchanged as V2. */
const SAME_AS_2016 = laterVersion(POLICY_2016, V2, '2017-01-01T00:00:00.000Z');

function changesOf(plan: Plan): readonly Change[] {
  if (!plan.ok) throw new Error(`expected a plan, got errors: ${JSON.stringify(plan.errors)}`);
  return plan.changes;
}

const ofType = <K extends Change['type']>(changes: readonly Change[], type: K) =>
  changes.filter((c): c is Extract<Change, { type: K }> => c.type === type);

/**
 * The user's state once an acceptance plan is recorded, as the writer
 * projects it: the accepted version, carried and newly made choices, and
 * the grants that did not carry.
 */
function stateAfter(changes: readonly Change[], acceptedAt: Date): ConsentState {
  const accepted = ofType(changes, 'POLICY_ACCEPTED')[0];
  if (!accepted) throw new Error('no acceptance in the plan');
  const choices: RecordedChoice[] = [
    ...ofType(changes, 'CHOICE_CARRIED').map((c) => choice(c.purposeKey, c.granted, c.decidedAt, c.carriedFrom)),
    ...ofType(changes, 'CHOICE_CHANGED').map((c) => choice(c.purposeKey, c.granted, acceptedAt)),
  ];
  const grantsNotCarried = ofType(changes, 'GRANT_NOT_CARRIED').map((c) => ({ purposeKey: c.purposeKey, grantedUnder: c.grantedUnder }));
  return acceptedState(accepted.policyVersion, acceptedAt, choices, grantsNotCarried);
}

/** Accepts `next` at `at` from `state`, and the decision on `key` under it afterwards. */
function acceptAndDecide(
  policies: readonly Policy[],
  state: ConsentState,
  next: Policy,
  at: Date,
  key: string,
  choices: readonly ChoiceRequest[] = [],
) {
  const changes = changesOf(planAcceptance(policies, state, next.version, choices, at));
  const after = stateAfter(changes, at);
  const live = policies.find((p) => p.version === next.version)!;
  return { changes, after, decision: decidePurpose({ accepted: live, live }, after, purposeOf(live, key)) };
}

// Under 2016 the user unticked the box (both group members) and said yes to business marketing.
const OPTED_OUT_2016 = acceptedState(V2016, T, [
  choice('facebook.ads', false, DECIDED),
  choice('facebook.friend_suggestions', false, DECIDED),
  choice('business.marketing', true, DECIDED),
]);
// Under 2016 the user explicitly ticked the box again.
const OPTED_IN_2016 = acceptedState(V2016, T, [
  choice('facebook.ads', true, DECIDED),
  choice('facebook.friend_suggestions', true, DECIDED),
]);

/** A business preference bound to 2016, with `p` set. */
const pref = (businessId: string, p: Partial<BusinessPreference>): BusinessPreference => ({
  businessId,
  blocked: false,
  transactional: null,
  marketing: null,
  updatedAt: DECIDED,
  policyVersion: V2016,
  ...p,
});

describe('materially unchanged purposes', () => {
  const ads = purposeOf(POLICY_2016, 'facebook.ads');
  const variants: [string, Partial<Purpose>, boolean][] = [
    ['the very same purpose', {}, true],
    [
      'a new title, description, default and window',
      { title: 'Ads', description: 'New words', defaultGranted: false, changeWindowDays: null },
      true,
    ],
    ['a category removed', { dataCategories: ['phone_number'] }, true],
    ['the recipient changed', { recipient: 'advertisers' }, false],
    ['the legal basis changed', { legalBasis: 'LEGITIMATE_INTEREST' }, false],
    ['a category added', { dataCategories: ['phone_number', 'account_info', 'usage_data'] }, false],
  ];
  it.each(variants)('treats %s as %s', (_, patch, unchanged) => {
    expect(isMateriallyUnchanged(ads, { ...ads, ...patch })).toBe(unchanged);
  });
});

describe('accepting a newer version carries purpose choices', () => {
  it('carries the 2016 opt-out into a republished identical version, as USER_WITHDRAWN with its original date and version', () => {
    const { changes, decision, after } = acceptAndDecide([POLICY_2016, SAME_AS_2016], OPTED_OUT_2016, SAME_AS_2016, AT_V2, 'facebook.ads');
    expect(ofType(changes, 'CHOICE_CARRIED')).toEqual([
      {
        type: 'CHOICE_CARRIED',
        policyVersion: V2,
        purposeKey: 'facebook.ads',
        choiceGroup: ACCOUNT_SHARING,
        granted: false,
        decidedAt: DECIDED,
        carriedFrom: V2016,
      },
      expect.objectContaining({ purposeKey: 'facebook.friend_suggestions', granted: false, carriedFrom: V2016 }),
      expect.objectContaining({ purposeKey: 'business.marketing', granted: true, carriedFrom: V2016 }),
    ]);
    expect(decision).toEqual({
      allowed: false,
      reason: 'USER_WITHDRAWN',
      policyVersion: V2,
      decidedAt: DECIDED,
      changeableUntil: plus(AT_V2, 30 * DAY_MS),
    });
    expect(effectiveChoice(purposeOf(SAME_AS_2016, 'facebook.ads'), after)).toMatchObject({
      carriedFrom: V2016,
      grantNotCarriedFrom: null,
    });
  });

  it('counts the change window of a carried choice from the new acceptance', () => {
    const { decision } = acceptAndDecide([POLICY_2016, SAME_AS_2016], OPTED_OUT_2016, SAME_AS_2016, AT_V2, 'facebook.friend_suggestions');
    expect(decision.changeableUntil).toEqual(plus(AT_V2, 30 * DAY_MS));
  });

  it('carries a 2016 group refusal to each purpose of the same key when the new version splits the group', () => {
    const { changes, after } = acceptAndDecide([POLICY_2016, GDPR_POLICY], OPTED_OUT_2016, GDPR_POLICY, AT_V3, 'facebook.ads');
    const carried = ofType(changes, 'CHOICE_CARRIED').filter((c) => c.purposeKey.startsWith('facebook.'));
    expect(carried.map((c) => [c.purposeKey, c.choiceGroup, c.granted])).toEqual([
      ['facebook.ads', null, false],
      ['facebook.friend_suggestions', null, false],
    ]);
    for (const key of ['facebook.ads', 'facebook.friend_suggestions']) {
      const d = decidePurpose({ accepted: GDPR_POLICY, live: GDPR_POLICY }, after, purposeOf(GDPR_POLICY, key));
      expect(d).toMatchObject({ allowed: false, reason: 'USER_WITHDRAWN', policyVersion: VGDPR, decidedAt: DECIDED });
    }
  });

  it('carries a grant to a materially unchanged purpose', () => {
    const { decision } = acceptAndDecide([POLICY_2016, SAME_AS_2016], OPTED_IN_2016, SAME_AS_2016, AT_V2, 'facebook.ads');
    expect(decision).toMatchObject({ allowed: true, reason: 'USER_GRANTED', decidedAt: DECIDED });
  });

  it('carries a grant when the new version uses fewer categories', () => {
    const fewer = laterVersion(POLICY_2016, V2, '2017-01-01T00:00:00.000Z', (p) =>
      withPurposes(p, ['facebook.ads'], { dataCategories: ['account_info'] }),
    );
    const { decision } = acceptAndDecide([POLICY_2016, fewer], OPTED_IN_2016, fewer, AT_V2, 'facebook.ads');
    expect(decision.reason).toBe('USER_GRANTED');
  });

  const materialChanges: [string, Partial<Purpose>][] = [
    ['the recipient changed', { recipient: 'whatsapp' }],
    ['the legal basis changed', { legalBasis: 'LEGITIMATE_INTEREST', control: 'OBJECT' }],
    ['a category was added', { dataCategories: ['phone_number', 'account_info', 'device_info'] }],
  ];
  describe.each(materialChanges)('when %s', (_, patch) => {
    const changed = laterVersion(POLICY_2016, V2, '2017-01-01T00:00:00.000Z', (p) =>
      withPurposes(p, ['facebook.ads'], { ...patch, defaultGranted: false }),
    );

    it('does not carry the grant: the new default applies and the choice shows grantNotCarriedFrom', () => {
      const { changes, after, decision } = acceptAndDecide([POLICY_2016, changed], OPTED_IN_2016, changed, AT_V2, 'facebook.ads');
      expect(ofType(changes, 'GRANT_NOT_CARRIED')).toEqual([
        {
          type: 'GRANT_NOT_CARRIED',
          policyVersion: V2,
          purposeKey: 'facebook.ads',
          choiceGroup: ACCOUNT_SHARING,
          grantedUnder: V2016,
          defaultGranted: false,
        },
      ]);
      expect(decision).toMatchObject({ allowed: false, reason: 'DEFAULT_DENIED' });
      expect(effectiveChoice(purposeOf(changed, 'facebook.ads'), after)).toMatchObject({
        granted: false,
        source: 'DEFAULT',
        carriedFrom: null,
        grantNotCarriedFrom: V2016,
      });
      // The unchanged group member keeps its grant.
      expect(ofType(changes, 'CHOICE_CARRIED').map((c) => c.purposeKey)).toEqual(['facebook.friend_suggestions']);
    });

    it('still carries a refusal', () => {
      const { decision } = acceptAndDecide([POLICY_2016, changed], OPTED_OUT_2016, changed, AT_V2, 'facebook.ads');
      expect(decision).toMatchObject({ allowed: false, reason: 'USER_WITHDRAWN', decidedAt: DECIDED });
    });
  });

  it('lets a choice sent with the acceptance win over the carried one', () => {
    const { changes, decision } = acceptAndDecide([POLICY_2016, SAME_AS_2016], OPTED_IN_2016, SAME_AS_2016, AT_V2, 'facebook.ads', [
      { purpose: ACCOUNT_SHARING, granted: false },
    ]);
    expect(ofType(changes, 'CHOICE_CARRIED')).toEqual([]);
    expect(ofType(changes, 'CHOICE_CHANGED').map((c) => [c.purposeKey, c.granted])).toEqual([
      ['facebook.ads', false],
      ['facebook.friend_suggestions', false],
    ]);
    expect(decision).toMatchObject({ allowed: false, reason: 'USER_WITHDRAWN', decidedAt: AT_V2 });
  });

  it('applies the default to a purpose the earlier version did not have', () => {
    const added: Purpose = { ...purposeOf(POLICY_2016, 'facebook.ads'), key: 'facebook.stories', choiceGroup: null };
    const withStories = laterVersion(POLICY_2016, V2, '2017-01-01T00:00:00.000Z', (p) => ({ ...p, purposes: [...p.purposes, added] }));
    const { changes, decision } = acceptAndDecide([POLICY_2016, withStories], OPTED_OUT_2016, withStories, AT_V2, 'facebook.stories');
    expect(ofType(changes, 'CHOICE_CARRIED').map((c) => c.purposeKey)).not.toContain('facebook.stories');
    expect(decision.reason).toBe('DEFAULT_GRANTED');
  });

  describe('a purpose dropped by the new version', () => {
    const withoutAds = laterVersion(POLICY_2016, V2, '2017-01-01T00:00:00.000Z', (p) => withoutPurposes(p, ['facebook.ads']));
    const adsBack = laterVersion(POLICY_2016, V3, '2019-01-01T00:00:00.000Z');
    const policies = [POLICY_2016, withoutAds, adsBack];

    it('shares nothing for it: the decision is NOT_IN_POLICY', () => {
      const { decision } = acceptAndDecide(policies, OPTED_OUT_2016, withoutAds, AT_V2, 'facebook.friend_suggestions');
      expect(decision.reason).toBe('USER_WITHDRAWN');
      const after = stateAfter(changesOf(planAcceptance(policies, OPTED_OUT_2016, V2, [], AT_V2)), AT_V2);
      const ads = purposeOf(POLICY_2016, 'facebook.ads');
      expect(decidePurpose({ accepted: withoutAds, live: withoutAds }, after, ads)).toMatchObject({
        allowed: false,
        reason: 'NOT_IN_POLICY',
      });
    });

    it('keeps the refusal, inert, so that it still refuses if a later version brings the purpose back', () => {
      const atV2 = acceptAndDecide(policies, OPTED_OUT_2016, withoutAds, AT_V2, 'facebook.friend_suggestions');
      expect(ofType(atV2.changes, 'CHOICE_CARRIED').find((c) => c.purposeKey === 'facebook.ads')).toMatchObject({
        choiceGroup: null,
        granted: false,
      });
      const atV3 = acceptAndDecide(policies, atV2.after, adsBack, AT_V3, 'facebook.ads');
      expect(atV3.decision).toMatchObject({ allowed: false, reason: 'USER_WITHDRAWN', decidedAt: DECIDED, policyVersion: V3 });
    });

    it('drops a grant: there is nothing to carry it to', () => {
      const { changes } = acceptAndDecide(policies, OPTED_IN_2016, withoutAds, AT_V2, 'facebook.friend_suggestions');
      expect(changes.filter((c) => 'purposeKey' in c && c.purposeKey === 'facebook.ads')).toEqual([]);
    });
  });

  it('keeps refusing when the new version makes the purpose essential', () => {
    const essential = laterVersion(POLICY_2016, V2, '2017-01-01T00:00:00.000Z', (p) =>
      withPurposes(p, ['facebook.ads'], { legalBasis: 'LEGITIMATE_INTEREST', control: 'NONE', choiceGroup: null, changeWindowDays: null }),
    );
    const { decision } = acceptAndDecide([POLICY_2016, essential], OPTED_OUT_2016, essential, AT_V2, 'facebook.ads');
    expect(decision).toMatchObject({ allowed: false, reason: 'USER_WITHDRAWN', decidedAt: DECIDED });
  });

  describe('carried twice, V1 to V2 to V3', () => {
    const v3 = laterVersion(POLICY_2016, V3, '2019-01-01T00:00:00.000Z');
    const policies = [POLICY_2016, SAME_AS_2016, v3];

    it('keeps the version the choice was originally made under, and its date', () => {
      const atV2 = acceptAndDecide(policies, OPTED_OUT_2016, SAME_AS_2016, AT_V2, 'facebook.ads');
      const atV3 = acceptAndDecide(policies, atV2.after, v3, AT_V3, 'facebook.ads');
      expect(ofType(atV3.changes, 'CHOICE_CARRIED')[0]).toMatchObject({ policyVersion: V3, carriedFrom: V2016, decidedAt: DECIDED });
      expect(atV3.decision).toEqual({
        allowed: false,
        reason: 'USER_WITHDRAWN',
        policyVersion: V3,
        decidedAt: DECIDED,
        changeableUntil: plus(AT_V3, 30 * DAY_MS),
      });
      expect(effectiveChoice(purposeOf(v3, 'facebook.ads'), atV3.after).carriedFrom).toBe(V2016);
    });

    it('names the original version when a carried grant finally does not carry', () => {
      const stricter = laterVersion(POLICY_2016, V3, '2019-01-01T00:00:00.000Z', (p) =>
        withPurposes(p, ['facebook.ads'], { recipient: 'whatsapp' }),
      );
      const atV2 = acceptAndDecide([POLICY_2016, SAME_AS_2016, stricter], OPTED_IN_2016, SAME_AS_2016, AT_V2, 'facebook.ads');
      const atV3 = acceptAndDecide([POLICY_2016, SAME_AS_2016, stricter], atV2.after, stricter, AT_V3, 'facebook.ads');
      expect(ofType(atV3.changes, 'GRANT_NOT_CARRIED')[0]?.grantedUnder).toBe(V2016);
    });
  });

  it('carries nothing when the user accepts the version they already accepted', () => {
    const changes = changesOf(planAcceptance([POLICY_2016], OPTED_OUT_2016, V2016, [], plus(T, DAY_MS)));
    expect(changes).toEqual([]);
  });
});

describe('accepting a newer version carries per-business preferences', () => {
  const PREFERENCES = [
    pref('blocked-shop', { blocked: true }),
    pref('refused-shop', { marketing: false, transactional: false }),
    pref('allowed-shop', { marketing: true }),
  ];
  const ACCEPTED = acceptedState(V2016, T);
  const businessChanges = (next: Policy, preferences = PREFERENCES) =>
    changesOf(planAcceptance([POLICY_2016, next], ACCEPTED, next.version, [], AT_V3, preferences)).filter(
      (c) => c.type === 'BUSINESS_PREFERENCE_CARRIED' || c.type === 'BUSINESS_GRANT_NOT_CARRIED',
    );

  it('carries a block, a per-business no and a per-business yes into a version with the same business purposes', () => {
    expect(businessChanges(GDPR_POLICY).map((c) => [c.type, c.businessId, c.setting])).toEqual([
      ['BUSINESS_PREFERENCE_CARRIED', 'blocked-shop', 'BLOCKED'],
      ['BUSINESS_PREFERENCE_CARRIED', 'refused-shop', 'TRANSACTIONAL'],
      ['BUSINESS_PREFERENCE_CARRIED', 'refused-shop', 'MARKETING'],
      ['BUSINESS_PREFERENCE_CARRIED', 'allowed-shop', 'MARKETING'],
    ]);
    expect(businessChanges(GDPR_POLICY)[0]).toEqual({
      type: 'BUSINESS_PREFERENCE_CARRIED',
      policyVersion: VGDPR,
      businessId: 'blocked-shop',
      setting: 'BLOCKED',
      value: true,
      carriedFrom: V2016,
    });
  });

  it('does not carry a per-business yes when business.marketing changed materially, but keeps the block and the no', () => {
    const stricter = withPurposes(GDPR_POLICY, ['business.marketing'], { dataCategories: ['phone_number', 'usage_data'] });
    expect(businessChanges(stricter).map((c) => [c.type, c.businessId, c.setting])).toEqual([
      ['BUSINESS_PREFERENCE_CARRIED', 'blocked-shop', 'BLOCKED'],
      ['BUSINESS_PREFERENCE_CARRIED', 'refused-shop', 'TRANSACTIONAL'],
      ['BUSINESS_PREFERENCE_CARRIED', 'refused-shop', 'MARKETING'],
      ['BUSINESS_GRANT_NOT_CARRIED', 'allowed-shop', 'MARKETING'],
    ]);
  });

  it('keeps a block and a per-business no even when the version drops business marketing altogether', () => {
    const none = withoutPurposes(GDPR_POLICY, ['business.marketing']);
    expect(businessChanges(none).map((c) => [c.type, c.businessId, c.setting])).toEqual([
      ['BUSINESS_PREFERENCE_CARRIED', 'blocked-shop', 'BLOCKED'],
      ['BUSINESS_PREFERENCE_CARRIED', 'refused-shop', 'TRANSACTIONAL'],
      ['BUSINESS_PREFERENCE_CARRIED', 'refused-shop', 'MARKETING'],
      ['BUSINESS_GRANT_NOT_CARRIED', 'allowed-shop', 'MARKETING'],
    ]);
  });

  it('carries blocks and refusals made before any acceptance into the first accepted version', () => {
    const early = [pref('spam-co', { blocked: true, policyVersion: null }), pref('shop', { marketing: false, policyVersion: null })];
    const changes = changesOf(planAcceptance([POLICY_2016], NO_CONSENT, V2016, [], T, early));
    expect(ofType(changes, 'BUSINESS_PREFERENCE_CARRIED').map((c) => [c.businessId, c.setting, c.value, c.carriedFrom])).toEqual([
      ['spam-co', 'BLOCKED', true, null],
      ['shop', 'MARKETING', false, null],
    ]);
  });

  it('applies a per-business grant only under the version it is bound to, and a refusal under any', () => {
    const underGdpr = acceptedState(VGDPR, AT_V3);
    const ctx = { accepted: GDPR_POLICY, live: GDPR_POLICY };
    expect(decideBusinessMessage(ctx, underGdpr, pref('allowed-shop', { marketing: true }), 'MARKETING').reason).toBe('DEFAULT_DENIED');
    expect(decideBusinessMessage(ctx, underGdpr, pref('allowed-shop', { marketing: true, policyVersion: VGDPR }), 'MARKETING').reason).toBe(
      'USER_GRANTED',
    );
    const granted = acceptedState(VGDPR, AT_V3, [choice('business.marketing', true, AT_V3)]);
    expect(decideBusinessMessage(ctx, granted, pref('refused-shop', { marketing: false }), 'MARKETING').reason).toBe('USER_WITHDRAWN');
  });

  it('refuses a per-business yes before any acceptance, and accepts a block or a no', () => {
    const plan = planBusinessPreference(null, { businessId: 'shop', category: 'MARKETING', allowed: true }, null);
    expect(plan).toEqual({
      ok: false,
      errors: [{ code: 'POLICY_NOT_ACCEPTED', message: expect.any(String), field: ['input', 'allowed'] }],
    });
    expect(changesOf(planBusinessPreference(null, { businessId: 'shop', blocked: true }, null))).toHaveLength(1);
    expect(changesOf(planBusinessPreference(null, { businessId: 'shop', category: 'MARKETING', allowed: false }, null))).toHaveLength(1);
  });
});

describe('the global marketing switch', () => {
  const ACCEPTED = acceptedState(V2016, T);
  const WITHDRAWN = acceptedState(V2016, T, [choice('business.marketing', false, DECIDED)]);
  const PREFERENCES = [
    pref('shop-a', { marketing: true }),
    pref('shop-b', { marketing: true, transactional: true }),
    pref('shop-c', { marketing: false }),
    pref('shop-d', { blocked: true }),
  ];
  const cleared = (businessId: string): Change => ({
    type: 'BUSINESS_PREFERENCE_CHANGED',
    businessId,
    setting: 'MARKETING',
    previous: true,
    value: null,
  });
  const update = (state: ConsentState, granted: boolean, preferences = PREFERENCES) =>
    changesOf(planChoiceUpdate(POLICY_2016, state, [{ purpose: 'business.marketing', granted }], plus(T, 5 * DAY_MS), preferences));

  it('clears every per-business marketing grant when withdrawn, one change each, after the withdrawal itself', () => {
    expect(update(ACCEPTED, false)).toEqual([
      {
        type: 'CHOICE_CHANGED',
        policyVersion: V2016,
        purposeKey: 'business.marketing',
        choiceGroup: null,
        previousGranted: true,
        previousSource: 'DEFAULT',
        granted: false,
      },
      cleared('shop-a'),
      cleared('shop-b'),
    ]);
  });

  it('once cleared, leaves marketing off for every business that was allowed before', () => {
    const after = acceptedState(V2016, T, [choice('business.marketing', false, plus(T, 5 * DAY_MS))]);
    const ctx = { accepted: POLICY_2016, live: POLICY_2016 };
    for (const p of [pref('shop-a', { marketing: null }), pref('shop-b', { marketing: null, transactional: true })]) {
      expect(decideBusinessMessage(ctx, after, p, 'MARKETING')).toMatchObject({ allowed: false, reason: 'USER_WITHDRAWN' });
    }
  });

  it('clears the grants made since when the withdrawal is sent again while in force', () => {
    expect(update(WITHDRAWN, false, [pref('shop-e', { marketing: true }), pref('shop-c', { marketing: false })])).toEqual([
      cleared('shop-e'),
    ]);
  });

  it('records nothing when the withdrawal is sent again with no grant to clear', () => {
    expect(update(WITHDRAWN, false, [pref('shop-c', { marketing: false }), pref('shop-d', { blocked: true })])).toEqual([]);
  });

  it('clears no block and no per-business refusal when granted globally', () => {
    expect(update(WITHDRAWN, true)).toEqual([
      {
        type: 'CHOICE_CHANGED',
        policyVersion: V2016,
        purposeKey: 'business.marketing',
        choiceGroup: null,
        previousGranted: false,
        previousSource: 'USER',
        granted: true,
      },
    ]);
    const granted = acceptedState(V2016, T, [choice('business.marketing', true, DECIDED)]);
    const ctx = { accepted: POLICY_2016, live: POLICY_2016 };
    expect(decideBusinessMessage(ctx, granted, pref('shop-c', { marketing: false }), 'MARKETING').allowed).toBe(false);
    expect(decideBusinessMessage(ctx, granted, pref('shop-d', { blocked: true }), 'MARKETING').allowed).toBe(false);
  });

  it('applies a per-business grant made after the withdrawal to that business only', () => {
    const changes = changesOf(planBusinessPreference(null, { businessId: 'shop-f', category: 'MARKETING', allowed: true }, V2016));
    expect(changes).toEqual([
      { type: 'BUSINESS_PREFERENCE_CHANGED', businessId: 'shop-f', setting: 'MARKETING', previous: null, value: true },
    ]);
    const ctx = { accepted: POLICY_2016, live: POLICY_2016 };
    expect(decideBusinessMessage(ctx, WITHDRAWN, pref('shop-f', { marketing: true }), 'MARKETING').allowed).toBe(true);
    expect(decideBusinessMessage(ctx, WITHDRAWN, pref('shop-g', {}), 'MARKETING').allowed).toBe(false);
  });

  it('clears a grant instead of carrying it when the acceptance of a new version withdraws marketing', () => {
    const changes = changesOf(
      planAcceptance([POLICY_2016, GDPR_POLICY], ACCEPTED, VGDPR, [{ purpose: 'business.marketing', granted: false }], AT_V3, PREFERENCES),
    );
    const forShopA = changes.filter((c) => 'businessId' in c && c.businessId === 'shop-a');
    expect(forShopA).toEqual([cleared('shop-a')]);
    expect(ofType(changes, 'BUSINESS_PREFERENCE_CARRIED').map((c) => [c.businessId, c.setting])).toEqual([
      ['shop-b', 'TRANSACTIONAL'],
      ['shop-c', 'MARKETING'],
      ['shop-d', 'BLOCKED'],
    ]);
  });
});
