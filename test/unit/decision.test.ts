import { describe, expect, it } from 'vitest';
import {
  decideAll,
  decideBusinessMessage,
  decidePurpose,
  decideSharing,
  effectiveChoice,
  effectiveChoices,
  governingPolicy,
  needsReconsent,
  type BusinessPreference,
  type ConsentState,
  type DecisionReason,
  type PolicyContext,
} from '../../src/domain/decision.js';
import type { Policy } from '../../src/domain/policy.js';
import { validatePolicyDraft } from '../../src/domain/policy-validation.js';
import {
  DAY_MS,
  GDPR_POLICY,
  NO_CONSENT,
  POLICY_2016,
  V2016,
  VGDPR,
  acceptedState,
  choice,
  draftOf,
  plus,
  purposeOf,
  withoutPurposes,
} from './policy-fixtures.js';

const T = new Date('2016-09-01T12:00:00.000Z');
const DEADLINE = plus(T, 30 * DAY_MS);
const LATER = plus(T, 2 * DAY_MS);

/** A user who has accepted nothing, while 2016 is live. */
const NEW_USER_CTX: PolicyContext = { accepted: null, live: POLICY_2016 };
/** A user who accepted 2016 while 2016 is live. */
const CTX_2016: PolicyContext = { accepted: POLICY_2016, live: POLICY_2016 };
const CTX_GDPR: PolicyContext = { accepted: GDPR_POLICY, live: GDPR_POLICY };

const ACCEPTED_2016 = acceptedState(V2016, T);
const WITHDREW_SHARING = acceptedState(V2016, T, [
  choice('facebook.ads', false, LATER),
  choice('facebook.friend_suggestions', false, LATER),
]);
const GRANTED_SHARING = acceptedState(V2016, T, [choice('facebook.ads', true, LATER), choice('facebook.friend_suggestions', true, LATER)]);

const ads2016 = purposeOf(POLICY_2016, 'facebook.ads');
const friends2016 = purposeOf(POLICY_2016, 'facebook.friend_suggestions');

describe('decidePurpose: every reason', () => {
  it('answers PROHIBITED when the category is one the policy never shares with that recipient', () => {
    const d = decidePurpose(CTX_2016, ACCEPTED_2016, ads2016, 'message_content');
    expect(d).toEqual({ allowed: false, reason: 'PROHIBITED', policyVersion: V2016, decidedAt: null, changeableUntil: null });
  });

  it('answers POLICY_NOT_ACCEPTED to a user who accepted nothing, naming the live version', () => {
    const d = decidePurpose(NEW_USER_CTX, NO_CONSENT, ads2016);
    expect(d).toEqual({ allowed: false, reason: 'POLICY_NOT_ACCEPTED', policyVersion: V2016, decidedAt: null, changeableUntil: null });
  });

  it('answers POLICY_NOT_ACCEPTED even for an essential purpose: a user who accepted nothing has shared nothing', () => {
    for (const key of ['facebook.security', 'facebook.integrity', 'business.transactional']) {
      const d = decidePurpose(NEW_USER_CTX, NO_CONSENT, purposeOf(POLICY_2016, key));
      expect(d.allowed).toBe(false);
      expect(d.reason).toBe('POLICY_NOT_ACCEPTED');
    }
  });

  it('answers NOT_IN_POLICY for a category the purpose does not use', () => {
    const d = decidePurpose(CTX_2016, ACCEPTED_2016, ads2016, 'device_info');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('NOT_IN_POLICY');
    expect(d.policyVersion).toBe(V2016);
  });

  it('answers NOT_IN_POLICY for a category an essential purpose does not use, before considering it essential', () => {
    const d = decidePurpose(CTX_2016, ACCEPTED_2016, purposeOf(POLICY_2016, 'facebook.analytics'), 'phone_number');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('NOT_IN_POLICY');
  });

  it('answers NOT_IN_POLICY for a purpose the accepted version does not have', () => {
    const unknown = { ...ads2016, key: 'facebook.shopping' };
    const d = decidePurpose(CTX_2016, ACCEPTED_2016, unknown);
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('NOT_IN_POLICY');
  });

  it('answers ESSENTIAL for every NONE purpose once the policy is accepted, with no deadline and no choice', () => {
    const essential = POLICY_2016.purposes.filter((p) => p.control === 'NONE');
    expect(essential.map((p) => p.key)).toEqual([
      'facebook.analytics',
      'facebook.infrastructure',
      'facebook.security',
      'facebook.integrity',
      'business.transactional',
    ]);
    for (const purpose of essential) {
      expect(decidePurpose(CTX_2016, WITHDREW_SHARING, purpose)).toEqual({
        allowed: true,
        reason: 'ESSENTIAL',
        policyVersion: V2016,
        decidedAt: null,
        changeableUntil: null,
      });
    }
  });

  it('answers USER_GRANTED with the time of the choice and the deadline to change it', () => {
    expect(decidePurpose(CTX_2016, GRANTED_SHARING, ads2016)).toEqual({
      allowed: true,
      reason: 'USER_GRANTED',
      policyVersion: V2016,
      decidedAt: LATER,
      changeableUntil: DEADLINE,
    });
  });

  it('answers USER_WITHDRAWN after the user unticked the box, for the data the purpose uses', () => {
    expect(decidePurpose(CTX_2016, WITHDREW_SHARING, friends2016)).toEqual({
      allowed: false,
      reason: 'USER_WITHDRAWN',
      policyVersion: V2016,
      decidedAt: LATER,
      changeableUntil: DEADLINE,
    });
    expect(decidePurpose(CTX_2016, WITHDREW_SHARING, ads2016, 'phone_number').reason).toBe('USER_WITHDRAWN');
    expect(decidePurpose(CTX_2016, WITHDREW_SHARING, ads2016, 'account_info').reason).toBe('USER_WITHDRAWN');
  });

  it('answers DEFAULT_GRANTED for the pre-ticked 2016 box when the user made no choice', () => {
    expect(decidePurpose(CTX_2016, ACCEPTED_2016, ads2016)).toEqual({
      allowed: true,
      reason: 'DEFAULT_GRANTED',
      policyVersion: V2016,
      decidedAt: null,
      changeableUntil: DEADLINE,
    });
  });

  it('answers DEFAULT_DENIED under the GDPR variant when the user made no choice', () => {
    const d = decidePurpose(CTX_GDPR, acceptedState(VGDPR, T), purposeOf(GDPR_POLICY, 'facebook.ads'));
    expect(d).toEqual({ allowed: false, reason: 'DEFAULT_DENIED', policyVersion: VGDPR, decidedAt: null, changeableUntil: null });
  });

  it('answers USER_GRANTED under the GDPR variant after the user opted in, with no deadline', () => {
    const state = acceptedState(VGDPR, T, [choice('facebook.friend_suggestions', true, LATER)]);
    const d = decidePurpose(CTX_GDPR, state, purposeOf(GDPR_POLICY, 'facebook.friend_suggestions'));
    expect(d).toEqual({ allowed: true, reason: 'USER_GRANTED', policyVersion: VGDPR, decidedAt: LATER, changeableUntil: null });
    // Separate choices: the other purpose keeps its default.
    expect(decidePurpose(CTX_GDPR, state, purposeOf(GDPR_POLICY, 'facebook.ads')).reason).toBe('DEFAULT_DENIED');
  });
});

describe('rule order', () => {
  it('lets a prohibition beat a granted choice', () => {
    expect(decidePurpose(CTX_2016, GRANTED_SHARING, ads2016).allowed).toBe(true);
    const d = decidePurpose(CTX_2016, GRANTED_SHARING, ads2016, 'message_content');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('PROHIBITED');
    expect(d.decidedAt).toBeNull();
  });

  it('lets a prohibition beat "not accepted"', () => {
    expect(decidePurpose(NEW_USER_CTX, NO_CONSENT, ads2016, 'message_content').reason).toBe('PROHIBITED');
    expect(decideSharing(NEW_USER_CTX, NO_CONSENT, 'facebook', 'message_content').reason).toBe('PROHIBITED');
    expect(decideSharing(NEW_USER_CTX, NO_CONSENT, 'advertisers', 'phone_number').reason).toBe('PROHIBITED');
  });

  it('lets a prohibition beat an essential purpose', () => {
    const d = decidePurpose(CTX_2016, ACCEPTED_2016, purposeOf(POLICY_2016, 'facebook.integrity'), 'message_content');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('PROHIBITED');
  });

  it('checks "not accepted" before "not in policy"', () => {
    expect(decidePurpose(NEW_USER_CTX, NO_CONSENT, ads2016, 'device_info').reason).toBe('POLICY_NOT_ACCEPTED');
  });

  it('checks "not in policy" before "essential"', () => {
    expect(decidePurpose(CTX_2016, ACCEPTED_2016, purposeOf(POLICY_2016, 'facebook.infrastructure'), 'usage_data').reason).toBe(
      'NOT_IN_POLICY',
    );
  });

  it('ignores a recorded grant on an essential purpose', () => {
    const state = acceptedState(V2016, T, [choice('facebook.security', true, LATER)]);
    expect(decidePurpose(CTX_2016, state, purposeOf(POLICY_2016, 'facebook.security')).reason).toBe('ESSENTIAL');
  });

  it('keeps refusing when a refusal was carried onto a purpose the accepted version made essential', () => {
    const state = acceptedState(V2016, T, [choice('facebook.security', false, LATER, 'earlier')]);
    expect(decidePurpose(CTX_2016, state, purposeOf(POLICY_2016, 'facebook.security'))).toEqual({
      allowed: false,
      reason: 'USER_WITHDRAWN',
      policyVersion: V2016,
      decidedAt: LATER,
      changeableUntil: null,
    });
  });

  it('treats a context without an accepted policy as not accepted even if the state claims an acceptance', () => {
    const d = decidePurpose(NEW_USER_CTX, ACCEPTED_2016, ads2016);
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('POLICY_NOT_ACCEPTED');
  });
});

describe('decideSharing', () => {
  it('refuses message_content to facebook as PROHIBITED, naming no purpose', () => {
    expect(decideSharing(CTX_2016, GRANTED_SHARING, 'facebook', 'message_content')).toEqual({
      purpose: null,
      recipient: 'facebook',
      dataCategory: 'message_content',
      allowed: false,
      reason: 'PROHIBITED',
      policyVersion: V2016,
      decidedAt: null,
      changeableUntil: null,
    });
  });

  it('refuses phone_number to advertisers as PROHIBITED', () => {
    const d = decideSharing(CTX_2016, ACCEPTED_2016, 'advertisers', 'phone_number');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('PROHIBITED');
    expect(d.purpose).toBeNull();
  });

  it('refuses to advertisers a category that is not prohibited but that no purpose sends them, as NOT_IN_POLICY', () => {
    const d = decideSharing(CTX_2016, ACCEPTED_2016, 'advertisers', 'account_info');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('NOT_IN_POLICY');
    expect(d.purpose).toBeNull();
  });

  it('answers POLICY_NOT_ACCEPTED for a user who accepted nothing', () => {
    const d = decideSharing(NEW_USER_CTX, NO_CONSENT, 'facebook', 'phone_number');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('POLICY_NOT_ACCEPTED');
    expect(d.policyVersion).toBe(V2016);
  });

  it('answers POLICY_NOT_ACCEPTED with no version when no policy exists at all', () => {
    const d = decideSharing({ accepted: null, live: null }, NO_CONSENT, 'facebook', 'phone_number');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('POLICY_NOT_ACCEPTED');
    expect(d.policyVersion).toBeNull();
  });

  it('without a purpose, is allowed by the first purpose that allows it, even after the user withdrew the optional ones', () => {
    const d = decideSharing(CTX_2016, WITHDREW_SHARING, 'facebook', 'phone_number');
    expect(d.allowed).toBe(true);
    expect(d.reason).toBe('ESSENTIAL');
    expect(d.purpose?.key).toBe('facebook.security');
  });

  it('without a purpose, names the optional purpose when that is the first that allows it', () => {
    const d = decideSharing(CTX_2016, ACCEPTED_2016, 'facebook', 'account_info');
    expect(d.allowed).toBe(true);
    expect(d.reason).toBe('DEFAULT_GRANTED');
    expect(d.purpose?.key).toBe('facebook.ads');
  });

  it('without a purpose, explains a refusal with the first refusing purpose when none allows it', () => {
    const onlyOptional = withoutPurposes(POLICY_2016, [
      'facebook.security',
      'facebook.integrity',
      'facebook.analytics',
      'facebook.infrastructure',
    ]);
    const ctx: PolicyContext = { accepted: onlyOptional, live: onlyOptional };
    const d = decideSharing(ctx, WITHDREW_SHARING, 'facebook', 'phone_number');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('USER_WITHDRAWN');
    expect(d.purpose?.key).toBe('facebook.ads');
  });

  it('with a purpose, decides only that purpose', () => {
    const d = decideSharing(CTX_2016, WITHDREW_SHARING, 'facebook', 'phone_number', 'facebook.friend_suggestions');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('USER_WITHDRAWN');
    expect(d.purpose?.key).toBe('facebook.friend_suggestions');
    expect(d.decidedAt).toEqual(LATER);
  });

  it('with a purpose that does not use the category, answers NOT_IN_POLICY', () => {
    const d = decideSharing(CTX_2016, ACCEPTED_2016, 'facebook', 'device_info', 'facebook.ads');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('NOT_IN_POLICY');
    expect(d.purpose).toBeNull();
  });

  it('with a purpose of another recipient, answers NOT_IN_POLICY', () => {
    const d = decideSharing(CTX_2016, ACCEPTED_2016, 'businesses', 'phone_number', 'facebook.ads');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('NOT_IN_POLICY');
  });
});

describe("a live policy's prohibition protects users still on an older version", () => {
  // A later version that stops sending phone numbers to Facebook and promises never to.
  const NO_PHONE_TO_FACEBOOK: Policy = {
    ...GDPR_POLICY,
    version: '2021-01-01',
    publishedAt: new Date('2020-12-01T00:00:00.000Z'),
    effectiveAt: new Date('2021-01-01T00:00:00.000Z'),
    purposes: GDPR_POLICY.purposes.map((p) =>
      p.recipient === 'facebook' ? { ...p, dataCategories: p.dataCategories.filter((c) => c !== 'phone_number') } : p,
    ),
    prohibitions: [...GDPR_POLICY.prohibitions, { recipient: 'facebook', dataCategory: 'phone_number' }],
  };
  const ctx: PolicyContext = { accepted: POLICY_2016, live: NO_PHONE_TO_FACEBOOK };

  it('is itself a publishable policy', () => {
    expect(validatePolicyDraft(draftOf(NO_PHONE_TO_FACEBOOK), [POLICY_2016, GDPR_POLICY], new Date('2020-12-15T00:00:00.000Z'))).toEqual(
      [],
    );
  });

  it('refuses phone numbers to Facebook for a 2016 user who granted sharing, though 2016 still governs', () => {
    const d = decidePurpose(ctx, GRANTED_SHARING, ads2016);
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('PROHIBITED');
    expect(d.policyVersion).toBe(V2016);
  });

  it('refuses phone numbers to Facebook even for an essential 2016 purpose', () => {
    expect(decidePurpose(ctx, ACCEPTED_2016, purposeOf(POLICY_2016, 'facebook.security')).reason).toBe('PROHIBITED');
    expect(decideSharing(ctx, ACCEPTED_2016, 'facebook', 'phone_number').reason).toBe('PROHIBITED');
  });

  it('still lets the 2016 choice decide the categories the new version does not prohibit', () => {
    expect(decidePurpose(ctx, GRANTED_SHARING, ads2016, 'account_info').reason).toBe('USER_GRANTED');
    expect(decideSharing(ctx, ACCEPTED_2016, 'facebook', 'device_info').reason).toBe('ESSENTIAL');
  });

  it('had no effect while 2016 was still the live version', () => {
    expect(decidePurpose(CTX_2016, GRANTED_SHARING, ads2016).reason).toBe('USER_GRANTED');
    expect(decideSharing(CTX_2016, ACCEPTED_2016, 'facebook', 'phone_number').allowed).toBe(true);
  });

  it('marks the user as needing to reconsent', () => {
    expect(needsReconsent(ctx)).toBe(true);
  });
});

describe('a user who never accepted a policy', () => {
  it('sees every purpose of the live policy in catalog order, each POLICY_NOT_ACCEPTED and denied', () => {
    const all = decideAll(NEW_USER_CTX, NO_CONSENT);
    expect(all.map((d) => d.purpose.key)).toEqual(POLICY_2016.purposes.map((p) => p.key));
    expect(all).toHaveLength(8);
    for (const d of all) {
      expect(d.reason).toBe('POLICY_NOT_ACCEPTED');
      expect(d.allowed).toBe(false);
      expect(d.policyVersion).toBe(V2016);
    }
  });

  it('sees the purposes of whichever version is live, here the GDPR variant', () => {
    const all = decideAll({ accepted: null, live: GDPR_POLICY }, NO_CONSENT);
    expect(all.map((d) => d.policyVersion)).toEqual(Array(8).fill(VGDPR));
    expect(new Set(all.map((d) => d.reason))).toEqual(new Set<DecisionReason>(['POLICY_NOT_ACCEPTED']));
  });

  it('needs to reconsent', () => {
    expect(needsReconsent(NEW_USER_CTX)).toBe(true);
  });

  it('gets no decisions and needs no reconsent when no policy is live at all', () => {
    expect(decideAll({ accepted: null, live: null }, NO_CONSENT)).toEqual([]);
    expect(needsReconsent({ accepted: null, live: null })).toBe(false);
  });
});

describe('decideAll', () => {
  it('decides each purpose of the accepted version for a 2016 user who withdrew the choice group', () => {
    const byKey = Object.fromEntries(decideAll(CTX_2016, WITHDREW_SHARING).map((d) => [d.purpose.key, d.reason]));
    expect(byKey).toEqual({
      'facebook.ads': 'USER_WITHDRAWN',
      'facebook.friend_suggestions': 'USER_WITHDRAWN',
      'facebook.analytics': 'ESSENTIAL',
      'facebook.infrastructure': 'ESSENTIAL',
      'facebook.security': 'ESSENTIAL',
      'facebook.integrity': 'ESSENTIAL',
      'business.transactional': 'ESSENTIAL',
      'business.marketing': 'DEFAULT_GRANTED',
    });
  });

  it('narrows by recipient', () => {
    const keys = decideAll(CTX_2016, ACCEPTED_2016, { recipient: 'businesses' }).map((d) => d.purpose.key);
    expect(keys).toEqual(['business.transactional', 'business.marketing']);
  });

  it('narrows by purpose key, and to nothing for an unknown key', () => {
    const one = decideAll(CTX_2016, GRANTED_SHARING, { purpose: 'facebook.ads' });
    expect(one.map((d) => [d.purpose.key, d.reason])).toEqual([['facebook.ads', 'USER_GRANTED']]);
    expect(decideAll(CTX_2016, ACCEPTED_2016, { purpose: 'facebook.nothing' })).toEqual([]);
  });

  it('treats null filters as no filter', () => {
    expect(decideAll(CTX_2016, ACCEPTED_2016, { recipient: null, purpose: null, dataCategory: null })).toHaveLength(8);
  });

  it('with a data category, decides each listed purpose for that category only', () => {
    const byKey = Object.fromEntries(
      decideAll(CTX_2016, ACCEPTED_2016, { recipient: 'facebook', dataCategory: 'device_info' }).map((d) => [d.purpose.key, d.reason]),
    );
    expect(byKey).toEqual({
      'facebook.ads': 'NOT_IN_POLICY',
      'facebook.friend_suggestions': 'NOT_IN_POLICY',
      'facebook.analytics': 'ESSENTIAL',
      'facebook.infrastructure': 'ESSENTIAL',
      'facebook.security': 'ESSENTIAL',
      'facebook.integrity': 'NOT_IN_POLICY',
    });
  });

  it('with message_content, answers PROHIBITED for every purpose', () => {
    const all = decideAll(CTX_2016, GRANTED_SHARING, { dataCategory: 'message_content' });
    expect(all).toHaveLength(8);
    expect(all.every((d) => d.reason === 'PROHIBITED' && !d.allowed)).toBe(true);
  });
});

describe('an older accepted version while a newer one is live', () => {
  const ctx: PolicyContext = { accepted: POLICY_2016, live: GDPR_POLICY };

  it('still governs: the 2016 default applies, not the stricter live default', () => {
    const d = decidePurpose(ctx, ACCEPTED_2016, ads2016);
    expect(d.reason).toBe('DEFAULT_GRANTED');
    expect(d.policyVersion).toBe(V2016);
    expect(governingPolicy(ctx)?.version).toBe(V2016);
  });

  it("lists the accepted version's purposes with its version", () => {
    const all = decideAll(ctx, ACCEPTED_2016);
    expect(all.map((d) => d.policyVersion)).toEqual(Array(8).fill(V2016));
    expect(all.find((d) => d.purpose.key === 'facebook.ads')?.purpose.choiceGroup).toBe('facebook.account_sharing');
  });

  it('needs reconsent, while the live version accepted needs none', () => {
    expect(needsReconsent(ctx)).toBe(true);
    expect(needsReconsent(CTX_2016)).toBe(false);
    expect(needsReconsent(CTX_GDPR)).toBe(false);
  });

  it('needs no reconsent when no version is live any more', () => {
    expect(needsReconsent({ accepted: POLICY_2016, live: null })).toBe(false);
  });
});

describe('effective choices', () => {
  it('list one entry per optional purpose, in catalog order, with the choice or the default', () => {
    const state = acceptedState(V2016, T, [choice('business.marketing', false, LATER)]);
    const list = effectiveChoices(POLICY_2016, state);
    expect(list.map((c) => [c.purpose.key, c.granted, c.source])).toEqual([
      ['facebook.ads', true, 'DEFAULT'],
      ['facebook.friend_suggestions', true, 'DEFAULT'],
      ['business.marketing', false, 'USER'],
    ]);
    expect(list.map((c) => c.changeableUntil)).toEqual([DEADLINE, DEADLINE, null]);
    expect(list[2]?.decidedAt).toEqual(LATER);
  });

  it('have no deadline before the policy is accepted', () => {
    const c = effectiveChoice(ads2016, NO_CONSENT);
    expect(c).toEqual({
      purpose: ads2016,
      granted: true,
      source: 'DEFAULT',
      decidedAt: null,
      changeableUntil: null,
      carriedFrom: null,
      grantNotCarriedFrom: null,
    });
  });
});

describe('business messaging', () => {
  const updatedAt = new Date('2016-10-10T10:00:00.000Z');
  const pref = (businessId: string, p: Partial<BusinessPreference> = {}): BusinessPreference => ({
    businessId,
    blocked: false,
    transactional: null,
    marketing: null,
    updatedAt,
    policyVersion: V2016,
    ...p,
  });
  const WITHDREW_MARKETING: ConsentState = acceptedState(V2016, T, [choice('business.marketing', false, LATER)]);

  it('denies every category of a blocked business, as BUSINESS_BLOCKED, dated when it was blocked', () => {
    const blocked = pref('shop-a', { blocked: true, transactional: true, marketing: true });
    for (const category of ['TRANSACTIONAL', 'MARKETING'] as const) {
      expect(decideBusinessMessage(CTX_2016, ACCEPTED_2016, blocked, category)).toEqual({
        allowed: false,
        reason: 'BUSINESS_BLOCKED',
        policyVersion: V2016,
        decidedAt: updatedAt,
        changeableUntil: null,
      });
    }
  });

  it('allows transactional messages as ESSENTIAL once the policy is accepted', () => {
    const d = decideBusinessMessage(CTX_2016, ACCEPTED_2016, null, 'TRANSACTIONAL');
    expect(d.allowed).toBe(true);
    expect(d.reason).toBe('ESSENTIAL');
  });

  it('denies transactional and marketing messages as POLICY_NOT_ACCEPTED before acceptance, whatever the business setting', () => {
    expect(decideBusinessMessage(NEW_USER_CTX, NO_CONSENT, null, 'TRANSACTIONAL').reason).toBe('POLICY_NOT_ACCEPTED');
    const optedIn = pref('shop-a', { transactional: true, marketing: true });
    for (const category of ['TRANSACTIONAL', 'MARKETING'] as const) {
      const d = decideBusinessMessage(NEW_USER_CTX, NO_CONSENT, optedIn, category);
      expect(d.allowed).toBe(false);
      expect(d.reason).toBe('POLICY_NOT_ACCEPTED');
    }
  });

  it('allows marketing by the 2016 default when the user chose nothing', () => {
    expect(decideBusinessMessage(CTX_2016, ACCEPTED_2016, null, 'MARKETING')).toEqual({
      allowed: true,
      reason: 'DEFAULT_GRANTED',
      policyVersion: V2016,
      decidedAt: null,
      changeableUntil: null,
    });
  });

  it('still allows marketing from one business after the user refused it for another', () => {
    const refusedA = pref('shop-a', { marketing: false });
    expect(decideBusinessMessage(CTX_2016, ACCEPTED_2016, refusedA, 'MARKETING')).toMatchObject({
      allowed: false,
      reason: 'USER_WITHDRAWN',
      decidedAt: updatedAt,
    });
    expect(decideBusinessMessage(CTX_2016, ACCEPTED_2016, null, 'MARKETING').allowed).toBe(true);
    expect(decideBusinessMessage(CTX_2016, ACCEPTED_2016, pref('shop-b'), 'MARKETING').allowed).toBe(true);
  });

  it('lets a per-business marketing yes beat the global withdrawal', () => {
    const d = decideBusinessMessage(CTX_2016, WITHDREW_MARKETING, pref('shop-a', { marketing: true }), 'MARKETING');
    expect(d).toEqual({ allowed: true, reason: 'USER_GRANTED', policyVersion: V2016, decidedAt: updatedAt, changeableUntil: null });
  });

  it('lets a per-business marketing no beat a global grant', () => {
    const state = acceptedState(V2016, T, [choice('business.marketing', true, LATER)]);
    const d = decideBusinessMessage(CTX_2016, state, pref('shop-a', { marketing: false }), 'MARKETING');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('USER_WITHDRAWN');
  });

  it('applies the global marketing withdrawal to businesses without their own choice', () => {
    for (const p of [null, pref('shop-b'), pref('shop-c', { transactional: true })]) {
      expect(decideBusinessMessage(CTX_2016, WITHDREW_MARKETING, p, 'MARKETING')).toEqual({
        allowed: false,
        reason: 'USER_WITHDRAWN',
        policyVersion: V2016,
        decidedAt: LATER,
        changeableUntil: null,
      });
    }
  });

  it('does not let a marketing setting touch transactional messages', () => {
    const d = decideBusinessMessage(CTX_2016, WITHDREW_MARKETING, pref('shop-a', { marketing: false }), 'TRANSACTIONAL');
    expect(d.allowed).toBe(true);
    expect(d.reason).toBe('ESSENTIAL');
  });

  it("honours a business's own transactional setting", () => {
    const d = decideBusinessMessage(CTX_2016, ACCEPTED_2016, pref('shop-a', { transactional: false }), 'TRANSACTIONAL');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('USER_WITHDRAWN');
  });

  it('denies marketing by default under the GDPR variant, as DEFAULT_DENIED, and still allows transactional', () => {
    const state = acceptedState(VGDPR, T);
    expect(decideBusinessMessage(CTX_GDPR, state, null, 'MARKETING')).toEqual({
      allowed: false,
      reason: 'DEFAULT_DENIED',
      policyVersion: VGDPR,
      decidedAt: null,
      changeableUntil: null,
    });
    expect(decideBusinessMessage(CTX_GDPR, state, null, 'TRANSACTIONAL').reason).toBe('ESSENTIAL');
    expect(decideBusinessMessage(CTX_GDPR, state, pref('shop-a', { marketing: true, policyVersion: VGDPR }), 'MARKETING').reason).toBe(
      'USER_GRANTED',
    );
  });

  it('keeps the 2016 marketing default for a 2016 user while the GDPR variant is live', () => {
    const d = decideBusinessMessage({ accepted: POLICY_2016, live: GDPR_POLICY }, ACCEPTED_2016, null, 'MARKETING');
    expect(d.reason).toBe('DEFAULT_GRANTED');
    expect(d.policyVersion).toBe(V2016);
  });

  it('answers NOT_IN_POLICY when the accepted version has no business marketing purpose', () => {
    const noMarketing = withoutPurposes(POLICY_2016, ['business.marketing'], 'no-marketing');
    const ctx: PolicyContext = { accepted: noMarketing, live: noMarketing };
    const state = acceptedState('no-marketing', T);
    const d = decideBusinessMessage(ctx, state, pref('shop-a', { marketing: true }), 'MARKETING');
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('NOT_IN_POLICY');
    expect(decideBusinessMessage({ accepted: null, live: noMarketing }, NO_CONSENT, null, 'MARKETING').reason).toBe('POLICY_NOT_ACCEPTED');
  });
});
