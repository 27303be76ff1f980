import { describe, expect, it } from 'vitest';
import {
  BUSINESS_ID_PATTERN,
  planAcceptance,
  planBusinessPreference,
  planChoiceUpdate,
  type Change,
  type Plan,
  type PlannedError,
} from '../../src/domain/consent-change.js';
import type { BusinessPreference } from '../../src/domain/decision.js';
import { USER_ERROR_CODES } from '../../src/errors.js';
import {
  ACCOUNT_SHARING,
  DAY_MS,
  GDPR_POLICY,
  NO_CONSENT,
  POLICY_2016,
  SECOND_MS,
  V2016,
  VGDPR,
  acceptedState,
  choice,
  plus,
  withPurposes,
} from './policy-fixtures.js';

const T = new Date('2016-09-01T12:00:00.000Z');
const DEADLINE = plus(T, 30 * DAY_MS);
const POLICIES = [POLICY_2016, GDPR_POLICY];
const BEFORE_GDPR = new Date('2017-03-01T00:00:00.000Z');
const AFTER_GDPR = new Date('2018-06-01T00:00:00.000Z');

function changesOf(plan: Plan): readonly Change[] {
  if (!plan.ok) throw new Error(`expected a plan, got errors: ${JSON.stringify(plan.errors)}`);
  return plan.changes;
}

function errorsOf(plan: Plan): readonly PlannedError[] {
  if (plan.ok) throw new Error(`expected errors, got a plan: ${JSON.stringify(plan.changes)}`);
  // Every code is one the API documents.
  for (const e of plan.errors) expect(Object.keys(USER_ERROR_CODES)).toContain(e.code);
  return plan.errors;
}

const choiceChanged = (
  purposeKey: string,
  granted: boolean,
  previousGranted: boolean,
  previousSource: 'DEFAULT' | 'USER',
  policyVersion = V2016,
  choiceGroup: string | null = ACCOUNT_SHARING,
): Change => ({
  type: 'CHOICE_CHANGED',
  policyVersion,
  purposeKey,
  choiceGroup,
  previousGranted,
  previousSource,
  granted,
});

describe('planAcceptance', () => {
  it('plans one POLICY_ACCEPTED, with no previous version, for a first acceptance without choices', () => {
    expect(changesOf(planAcceptance(POLICIES, NO_CONSENT, V2016, [], T))).toEqual([
      { type: 'POLICY_ACCEPTED', policyVersion: V2016, previousVersion: null },
    ]);
  });

  it('refuses an unknown version with UNKNOWN_POLICY_VERSION naming it', () => {
    const [error, ...rest] = errorsOf(planAcceptance(POLICIES, NO_CONSENT, '2099-01-01', [], T));
    expect(rest).toEqual([]);
    expect(error?.code).toBe('UNKNOWN_POLICY_VERSION');
    expect(error?.field).toEqual(['input', 'version']);
    expect(error?.message).toContain('2099-01-01');
  });

  it('refuses a version scheduled for the future with POLICY_NOT_LIVE', () => {
    const [error, ...rest] = errorsOf(planAcceptance(POLICIES, NO_CONSENT, VGDPR, [], BEFORE_GDPR));
    expect(rest).toEqual([]);
    expect(error?.code).toBe('POLICY_NOT_LIVE');
    expect(error?.field).toEqual(['input', 'version']);
    expect(error?.message).toContain(VGDPR);
    expect(error?.message).toContain(V2016);
  });

  it('refuses a superseded version with POLICY_NOT_LIVE naming the live one', () => {
    const [error] = errorsOf(planAcceptance(POLICIES, NO_CONSENT, V2016, [], AFTER_GDPR));
    expect(error?.code).toBe('POLICY_NOT_LIVE');
    expect(error?.message).toContain(`${VGDPR} is`);
  });

  it('refuses with POLICY_NOT_LIVE when no version is live yet', () => {
    const [error] = errorsOf(planAcceptance([GDPR_POLICY], NO_CONSENT, VGDPR, [], BEFORE_GDPR));
    expect(error?.code).toBe('POLICY_NOT_LIVE');
  });

  it('accepts the scheduled version from the moment it goes live', () => {
    const changes = changesOf(planAcceptance(POLICIES, acceptedState(V2016, T), VGDPR, [], GDPR_POLICY.effectiveAt));
    expect(changes).toEqual([{ type: 'POLICY_ACCEPTED', policyVersion: VGDPR, previousVersion: V2016 }]);
  });

  it('plans CHOICE_CHANGED for both members when the user unticks the group box at acceptance', () => {
    const changes = changesOf(planAcceptance(POLICIES, NO_CONSENT, V2016, [{ purpose: ACCOUNT_SHARING, granted: false }], T));
    expect(changes).toEqual([
      { type: 'POLICY_ACCEPTED', policyVersion: V2016, previousVersion: null },
      choiceChanged('facebook.ads', false, true, 'DEFAULT'),
      choiceChanged('facebook.friend_suggestions', false, true, 'DEFAULT'),
    ]);
  });

  it('plans CHOICE_CHANGED for both members when the choice names one member', () => {
    const changes = changesOf(planAcceptance(POLICIES, NO_CONSENT, V2016, [{ purpose: 'facebook.friend_suggestions', granted: false }], T));
    const keys = changes.flatMap((c) => (c.type === 'CHOICE_CHANGED' ? [c.purposeKey] : []));
    expect(keys.sort()).toEqual(['facebook.ads', 'facebook.friend_suggestions']);
  });

  it('refuses a choice on an essential purpose with PURPOSE_NOT_OPTIONAL and plans nothing, not even the acceptance', () => {
    const plan = planAcceptance(
      POLICIES,
      NO_CONSENT,
      V2016,
      [
        { purpose: ACCOUNT_SHARING, granted: false },
        { purpose: 'facebook.security', granted: false },
      ],
      T,
    );
    expect(plan.ok).toBe(false);
    expect(plan).not.toHaveProperty('changes');
    const errors = errorsOf(plan);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('PURPOSE_NOT_OPTIONAL');
    expect(errors[0]?.field).toEqual(['input', 'choices', 1, 'purpose']);
    expect(errors[0]?.message).toContain('facebook.security');
  });

  it('refuses an unknown purpose with UNKNOWN_PURPOSE and the field path of that choice', () => {
    const errors = errorsOf(
      planAcceptance(
        POLICIES,
        NO_CONSENT,
        V2016,
        [
          { purpose: 'business.marketing', granted: false },
          { purpose: 'facebook.dating', granted: true },
        ],
        T,
      ),
    );
    expect(errors).toEqual([
      { code: 'UNKNOWN_PURPOSE', message: expect.stringContaining('facebook.dating'), field: ['input', 'choices', 1, 'purpose'] },
    ]);
  });

  it('collects every refused choice of the request, not just the first', () => {
    const errors = errorsOf(
      planAcceptance(
        POLICIES,
        NO_CONSENT,
        V2016,
        [
          { purpose: 'facebook.nope', granted: true },
          { purpose: 'business.transactional', granted: false },
        ],
        T,
      ),
    );
    expect(errors.map((e) => [e.code, e.field])).toEqual([
      ['UNKNOWN_PURPOSE', ['input', 'choices', 0, 'purpose']],
      ['PURPOSE_NOT_OPTIONAL', ['input', 'choices', 1, 'purpose']],
    ]);
  });

  it('refuses contradicting choices on the same group in one request with INVALID_INPUT', () => {
    const errors = errorsOf(
      planAcceptance(
        POLICIES,
        NO_CONSENT,
        V2016,
        [
          { purpose: ACCOUNT_SHARING, granted: false },
          { purpose: 'facebook.ads', granted: true },
        ],
        T,
      ),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('INVALID_INPUT');
    expect(errors[0]?.field).toEqual(['input', 'choices', 1, 'purpose']);
  });

  it("records an explicit choice equal to the pre-ticked default as the user's own (DEFAULT to USER)", () => {
    const changes = changesOf(planAcceptance(POLICIES, NO_CONSENT, V2016, [{ purpose: 'facebook.ads', granted: true }], T));
    expect(changes.slice(1)).toEqual([
      choiceChanged('facebook.ads', true, true, 'DEFAULT'),
      choiceChanged('facebook.friend_suggestions', true, true, 'DEFAULT'),
    ]);
  });

  describe('re-accepting the version already accepted', () => {
    const accepted = acceptedState(V2016, T, [choice('facebook.ads', false, T), choice('facebook.friend_suggestions', false, T)]);

    it('records no POLICY_ACCEPTED and plans nothing without choices', () => {
      expect(changesOf(planAcceptance(POLICIES, accepted, V2016, [], plus(T, 5 * DAY_MS)))).toEqual([]);
    });

    it('plans only the choice changes, within the window counted from the first acceptance', () => {
      const changes = changesOf(
        planAcceptance(POLICIES, accepted, V2016, [{ purpose: ACCOUNT_SHARING, granted: true }], plus(T, 10 * DAY_MS)),
      );
      expect(changes).toEqual([
        choiceChanged('facebook.ads', true, false, 'USER'),
        choiceChanged('facebook.friend_suggestions', true, false, 'USER'),
      ]);
    });

    it('does not reopen a closed window: a change is refused with the original deadline', () => {
      const errors = errorsOf(
        planAcceptance(POLICIES, accepted, V2016, [{ purpose: ACCOUNT_SHARING, granted: true }], plus(T, 40 * DAY_MS)),
      );
      expect(errors.length).toBeGreaterThan(0);
      for (const e of errors) {
        expect(e.code).toBe('CHANGE_WINDOW_CLOSED');
        expect(e.deadline).toEqual(DEADLINE);
      }
    });
  });

  describe('accepting a new version', () => {
    // Under 2016 the user withdrew everything optional.
    const withdrew2016 = acceptedState(V2016, T, [
      choice('facebook.ads', false, T),
      choice('facebook.friend_suggestions', false, T),
      choice('business.marketing', false, T),
    ]);

    it('names the previous version in POLICY_ACCEPTED, then carries each refusal', () => {
      const changes = changesOf(planAcceptance(POLICIES, withdrew2016, VGDPR, [], AFTER_GDPR));
      expect(changes[0]).toEqual({ type: 'POLICY_ACCEPTED', policyVersion: VGDPR, previousVersion: V2016 });
      expect(changes.slice(1).map((c) => c.type)).toEqual(['CHOICE_CARRIED', 'CHOICE_CARRIED', 'CHOICE_CARRIED']);
    });

    it('plans the choices sent with the acceptance from the new defaults, and carries nothing for them', () => {
      const changes = changesOf(
        planAcceptance(
          POLICIES,
          withdrew2016,
          VGDPR,
          [
            { purpose: 'facebook.ads', granted: true },
            { purpose: 'business.marketing', granted: false },
          ],
          AFTER_GDPR,
        ),
      );
      expect(changes).toEqual([
        { type: 'POLICY_ACCEPTED', policyVersion: VGDPR, previousVersion: V2016 },
        {
          type: 'CHOICE_CARRIED',
          policyVersion: VGDPR,
          purposeKey: 'facebook.friend_suggestions',
          choiceGroup: null,
          granted: false,
          decidedAt: T,
          carriedFrom: V2016,
        },
        choiceChanged('facebook.ads', true, false, 'DEFAULT', VGDPR, null),
        choiceChanged('business.marketing', false, false, 'DEFAULT', VGDPR, null),
      ]);
    });

    it('applies a choice to one purpose only when the new version has no choice group', () => {
      const changes = changesOf(planAcceptance(POLICIES, NO_CONSENT, VGDPR, [{ purpose: 'facebook.ads', granted: true }], AFTER_GDPR));
      expect(changes.filter((c) => c.type === 'CHOICE_CHANGED')).toHaveLength(1);
    });

    it('refuses the 2016 group key under a version that has no such group', () => {
      const [error] = errorsOf(planAcceptance(POLICIES, NO_CONSENT, VGDPR, [{ purpose: ACCOUNT_SHARING, granted: false }], AFTER_GDPR));
      expect(error?.code).toBe('UNKNOWN_PURPOSE');
      expect(error?.message).toContain(ACCOUNT_SHARING);
    });

    it("takes choices at acceptance of a new version though the old version's window closed long ago", () => {
      const stillWindowed = withPurposes(GDPR_POLICY, ['facebook.ads'], { changeWindowDays: 30 }, 'windowed');
      const policies = [POLICY_2016, { ...stillWindowed, effectiveAt: new Date('2017-01-01T00:00:00.000Z') }];
      const changes = changesOf(
        planAcceptance(policies, withdrew2016, 'windowed', [{ purpose: 'facebook.ads', granted: true }], BEFORE_GDPR),
      );
      expect(changes.map((c) => c.type)).toEqual(['POLICY_ACCEPTED', 'CHOICE_CARRIED', 'CHOICE_CARRIED', 'CHOICE_CHANGED']);
    });
  });
});

describe('planChoiceUpdate', () => {
  const accepted = acceptedState(V2016, T);

  it('refuses with POLICY_NOT_ACCEPTED before any acceptance', () => {
    const expected = [{ code: 'POLICY_NOT_ACCEPTED', message: expect.any(String), field: ['input'] }];
    expect(errorsOf(planChoiceUpdate(null, NO_CONSENT, [{ purpose: 'facebook.ads', granted: false }], T))).toEqual(expected);
    expect(errorsOf(planChoiceUpdate(POLICY_2016, NO_CONSENT, [{ purpose: 'facebook.ads', granted: false }], T))).toEqual(expected);
  });

  describe('the 2016 30-day window, accepted at T', () => {
    it('plans a change at T + 30 days - 1 second, for both group members', () => {
      const changes = changesOf(
        planChoiceUpdate(POLICY_2016, accepted, [{ purpose: ACCOUNT_SHARING, granted: false }], plus(DEADLINE, -SECOND_MS)),
      );
      expect(changes).toEqual([
        choiceChanged('facebook.ads', false, true, 'DEFAULT'),
        choiceChanged('facebook.friend_suggestions', false, true, 'DEFAULT'),
      ]);
    });

    it('plans a change at the moment of acceptance', () => {
      expect(changesOf(planChoiceUpdate(POLICY_2016, accepted, [{ purpose: 'facebook.ads', granted: false }], T))).toHaveLength(2);
    });

    it('refuses a change at exactly T + 30 days with CHANGE_WINDOW_CLOSED and deadline T + 30 days', () => {
      const errors = errorsOf(planChoiceUpdate(POLICY_2016, accepted, [{ purpose: 'facebook.ads', granted: false }], DEADLINE));
      // One error per requested choice: the group's two members share one deadline.
      expect(errors).toHaveLength(1);
      const [e] = errors;
      expect(e?.code).toBe('CHANGE_WINDOW_CLOSED');
      expect(e?.deadline).toEqual(DEADLINE);
      expect(e?.field).toEqual(['input', 'choices', 0, 'granted']);
      expect(e?.message).toContain(DEADLINE.toISOString());
      expect(e?.message).toContain('facebook.ads');
    });

    it('refuses a change long after the window, and plans nothing even for choices still open', () => {
      const plan = planChoiceUpdate(
        POLICY_2016,
        accepted,
        [
          { purpose: 'business.marketing', granted: false },
          { purpose: ACCOUNT_SHARING, granted: false },
        ],
        plus(T, 365 * DAY_MS),
      );
      expect(plan.ok).toBe(false);
      expect(errorsOf(plan).every((e) => e.code === 'CHANGE_WINDOW_CLOSED' && e.field[2] === 1)).toBe(true);
    });
  });

  it('plans a change any time when the purpose has no window (2016 business marketing)', () => {
    expect(
      changesOf(planChoiceUpdate(POLICY_2016, accepted, [{ purpose: 'business.marketing', granted: false }], plus(T, 3 * 365 * DAY_MS))),
    ).toEqual([choiceChanged('business.marketing', false, true, 'DEFAULT', V2016, null)]);
  });

  it('plans a change any time under the GDPR variant, which has no windows', () => {
    const state = acceptedState(VGDPR, AFTER_GDPR, [choice('facebook.ads', true, AFTER_GDPR)]);
    const changes = changesOf(
      planChoiceUpdate(GDPR_POLICY, state, [{ purpose: 'facebook.ads', granted: false }], plus(AFTER_GDPR, 5 * 365 * DAY_MS)),
    );
    expect(changes).toEqual([choiceChanged('facebook.ads', false, true, 'USER', VGDPR, null)]);
  });

  describe('a 0-day window', () => {
    const zero = withPurposes(POLICY_2016, ['facebook.ads', 'facebook.friend_suggestions'], { changeWindowDays: 0 }, 'zero-window');
    const zeroAccepted = acceptedState('zero-window', T);

    it('allows the choice at acceptance', () => {
      const changes = changesOf(planAcceptance([zero], NO_CONSENT, 'zero-window', [{ purpose: ACCOUNT_SHARING, granted: false }], T));
      expect(changes.map((c) => c.type)).toEqual(['POLICY_ACCEPTED', 'CHOICE_CHANGED', 'CHOICE_CHANGED']);
    });

    it('refuses any later change, even in the same instant, with the acceptance time as deadline', () => {
      for (const now of [T, plus(T, 1), plus(T, DAY_MS)]) {
        const errors = errorsOf(planChoiceUpdate(zero, zeroAccepted, [{ purpose: ACCOUNT_SHARING, granted: false }], now));
        expect(errors.map((e) => e.code)).toEqual(['CHANGE_WINDOW_CLOSED']);
        expect(errors[0]?.deadline).toEqual(T);
      }
    });

    it('refuses a later change through re-acceptance too', () => {
      const [error] = errorsOf(
        planAcceptance([zero], zeroAccepted, 'zero-window', [{ purpose: 'facebook.ads', granted: false }], plus(T, 1)),
      );
      expect(error?.code).toBe('CHANGE_WINDOW_CLOSED');
    });
  });

  describe('choices that change nothing', () => {
    const granted = acceptedState(V2016, T, [choice('facebook.ads', true, T), choice('facebook.friend_suggestions', true, T)]);

    it('plans nothing when the user repeats their own choice (USER granted to USER granted)', () => {
      expect(changesOf(planChoiceUpdate(POLICY_2016, granted, [{ purpose: ACCOUNT_SHARING, granted: true }], plus(T, DAY_MS)))).toEqual([]);
    });

    it('plans nothing, and refuses nothing, when the user repeats their own choice after the window closed', () => {
      expect(changesOf(planChoiceUpdate(POLICY_2016, granted, [{ purpose: 'facebook.ads', granted: true }], plus(T, 60 * DAY_MS)))).toEqual(
        [],
      );
    });

    it('still plans an explicit choice equal to the default (DEFAULT to USER)', () => {
      expect(
        changesOf(planChoiceUpdate(POLICY_2016, accepted, [{ purpose: 'business.marketing', granted: true }], plus(T, DAY_MS))),
      ).toEqual([choiceChanged('business.marketing', true, true, 'DEFAULT', V2016, null)]);
    });

    it('plans only the group member whose value actually changes', () => {
      const mixed = acceptedState(V2016, T, [choice('facebook.ads', false, T)]);
      const changes = changesOf(planChoiceUpdate(POLICY_2016, mixed, [{ purpose: ACCOUNT_SHARING, granted: false }], plus(T, DAY_MS)));
      expect(changes).toEqual([choiceChanged('facebook.friend_suggestions', false, true, 'DEFAULT')]);
    });
  });

  describe('choice groups', () => {
    it('changes both members for a choice on the group key', () => {
      const changes = changesOf(planChoiceUpdate(POLICY_2016, accepted, [{ purpose: ACCOUNT_SHARING, granted: false }], plus(T, DAY_MS)));
      expect(changes.map((c) => (c.type === 'CHOICE_CHANGED' ? c.purposeKey : c.type))).toEqual([
        'facebook.ads',
        'facebook.friend_suggestions',
      ]);
    });

    it('changes both members for a choice on one member', () => {
      const changes = changesOf(planChoiceUpdate(POLICY_2016, accepted, [{ purpose: 'facebook.ads', granted: false }], plus(T, DAY_MS)));
      expect(changes.map((c) => (c.type === 'CHOICE_CHANGED' ? c.purposeKey : c.type))).toEqual([
        'facebook.ads',
        'facebook.friend_suggestions',
      ]);
    });

    it('plans each member once when the same value is asked through the group and a member', () => {
      const changes = changesOf(
        planChoiceUpdate(
          POLICY_2016,
          accepted,
          [
            { purpose: 'facebook.ads', granted: false },
            { purpose: ACCOUNT_SHARING, granted: false },
          ],
          plus(T, DAY_MS),
        ),
      );
      expect(changes).toHaveLength(2);
    });

    it('refuses contradicting choices through two members with INVALID_INPUT and plans nothing', () => {
      const plan = planChoiceUpdate(
        POLICY_2016,
        accepted,
        [
          { purpose: 'facebook.ads', granted: false },
          { purpose: 'facebook.friend_suggestions', granted: true },
        ],
        plus(T, DAY_MS),
      );
      const errors = errorsOf(plan);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.code).toBe('INVALID_INPUT');
      expect(errors[0]?.field).toEqual(['input', 'choices', 1, 'purpose']);
      expect(errors[0]?.message).toMatch(/0 and 1/);
    });

    it('refuses the same key asked both ways with INVALID_INPUT', () => {
      const errors = errorsOf(
        planChoiceUpdate(
          POLICY_2016,
          accepted,
          [
            { purpose: 'business.marketing', granted: true },
            { purpose: 'business.marketing', granted: false },
          ],
          plus(T, DAY_MS),
        ),
      );
      expect(errors.map((e) => e.code)).toEqual(['INVALID_INPUT']);
    });
  });

  it('refuses a request mixing a valid choice with an essential purpose, planning nothing', () => {
    const errors = errorsOf(
      planChoiceUpdate(
        POLICY_2016,
        accepted,
        [
          { purpose: 'business.marketing', granted: false },
          { purpose: 'facebook.integrity', granted: false },
        ],
        plus(T, DAY_MS),
      ),
    );
    expect(errors.map((e) => [e.code, e.field])).toEqual([['PURPOSE_NOT_OPTIONAL', ['input', 'choices', 1, 'purpose']]]);
  });

  it('plans nothing for an empty request', () => {
    expect(changesOf(planChoiceUpdate(POLICY_2016, accepted, [], plus(T, DAY_MS)))).toEqual([]);
  });
});

describe('planBusinessPreference', () => {
  const current = (p: Partial<BusinessPreference> = {}): BusinessPreference => ({
    businessId: 'shop-a',
    blocked: false,
    transactional: null,
    marketing: null,
    updatedAt: T,
    policyVersion: V2016,
    ...p,
  });

  it.each(['', '-shop', '.shop', 'shop a', 'shop/a', 'shöp', 'a'.repeat(129)])(
    'refuses the business id %j with INVALID_INPUT',
    (businessId) => {
      expect(errorsOf(planBusinessPreference(null, { businessId, blocked: true }, V2016))).toEqual([
        { code: 'INVALID_INPUT', message: expect.any(String), field: ['input', 'businessId'] },
      ]);
    },
  );

  it('accepts business ids of letters, digits and ". _ : -", up to 128 characters', () => {
    for (const businessId of ['a', 'shop-1.eu:store_2', 'A'.repeat(128), '9lives']) {
      expect(BUSINESS_ID_PATTERN.test(businessId)).toBe(true);
      expect(changesOf(planBusinessPreference(null, { businessId, blocked: true }, V2016))).toHaveLength(1);
    }
  });

  it('refuses a category without allowed with INVALID_INPUT on allowed', () => {
    expect(errorsOf(planBusinessPreference(null, { businessId: 'shop-a', category: 'MARKETING' }, V2016))).toEqual([
      { code: 'INVALID_INPUT', message: expect.any(String), field: ['input', 'allowed'] },
    ]);
  });

  it('refuses allowed without a category with INVALID_INPUT on category', () => {
    const errors = errorsOf(planBusinessPreference(null, { businessId: 'shop-a', allowed: false, blocked: null }, V2016));
    expect(errors.map((e) => e.field)).toContainEqual(['input', 'category']);
    expect(errors.every((e) => e.code === 'INVALID_INPUT')).toBe(true);
  });

  it('refuses a request that sets neither a category nor blocked with INVALID_INPUT', () => {
    expect(errorsOf(planBusinessPreference(null, { businessId: 'shop-a' }, V2016))).toEqual([
      { code: 'INVALID_INPUT', message: expect.any(String), field: ['input'] },
    ]);
    expect(
      errorsOf(planBusinessPreference(null, { businessId: 'shop-a', category: null, allowed: null, blocked: null }, V2016)),
    ).toHaveLength(1);
  });

  it('collects an invalid id and an incomplete category together', () => {
    const errors = errorsOf(planBusinessPreference(null, { businessId: 'bad id', category: 'TRANSACTIONAL', blocked: false }, V2016));
    expect(errors.map((e) => e.field)).toEqual([
      ['input', 'businessId'],
      ['input', 'allowed'],
    ]);
  });

  it('plans one change when blocking a business for the first time', () => {
    expect(changesOf(planBusinessPreference(null, { businessId: 'shop-a', blocked: true }, V2016))).toEqual([
      { type: 'BUSINESS_PREFERENCE_CHANGED', businessId: 'shop-a', setting: 'BLOCKED', previous: false, value: true },
    ]);
  });

  it('plans one change when unblocking a blocked business', () => {
    expect(changesOf(planBusinessPreference(current({ blocked: true }), { businessId: 'shop-a', blocked: false }, V2016))).toEqual([
      { type: 'BUSINESS_PREFERENCE_CHANGED', businessId: 'shop-a', setting: 'BLOCKED', previous: true, value: false },
    ]);
  });

  it('plans nothing when the setting already has the requested value', () => {
    expect(changesOf(planBusinessPreference(current({ blocked: true }), { businessId: 'shop-a', blocked: true }, V2016))).toEqual([]);
    expect(changesOf(planBusinessPreference(null, { businessId: 'shop-a', blocked: false }, V2016))).toEqual([]);
    expect(
      changesOf(
        planBusinessPreference(current({ marketing: false }), { businessId: 'shop-a', category: 'MARKETING', allowed: false }, V2016),
      ),
    ).toEqual([]);
  });

  it('plans a first marketing choice with no previous value', () => {
    expect(changesOf(planBusinessPreference(null, { businessId: 'shop-a', category: 'MARKETING', allowed: false }, V2016))).toEqual([
      { type: 'BUSINESS_PREFERENCE_CHANGED', businessId: 'shop-a', setting: 'MARKETING', previous: null, value: false },
    ]);
  });

  it('changes only the named category, with its own previous value', () => {
    const changes = changesOf(
      planBusinessPreference(
        current({ transactional: true, marketing: false }),
        {
          businessId: 'shop-a',
          category: 'TRANSACTIONAL',
          allowed: false,
        },
        V2016,
      ),
    );
    expect(changes).toEqual([
      { type: 'BUSINESS_PREFERENCE_CHANGED', businessId: 'shop-a', setting: 'TRANSACTIONAL', previous: true, value: false },
    ]);
  });

  it('plans two changes when blocking and setting a category at once', () => {
    const changes = changesOf(
      planBusinessPreference(current(), { businessId: 'shop-a', blocked: true, category: 'MARKETING', allowed: false }, V2016),
    );
    expect(changes.map((c) => (c.type === 'BUSINESS_PREFERENCE_CHANGED' ? c.setting : c.type))).toEqual(['BLOCKED', 'MARKETING']);
  });
});
