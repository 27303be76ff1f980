import { describe, expect, it } from 'vitest';
import type { PlannedError } from '../../src/domain/consent-change.js';
import {
  EFFECTIVE_AT_SKEW_MS,
  MAX_CHANGE_WINDOW_DAYS,
  MAX_DESCRIPTION_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PURPOSES,
  MAX_TITLE_LENGTH,
  MAX_URL_LENGTH,
} from '../../src/domain/policy-limits.js';
import { resolveVocabulary, validatePolicyDraft, type PolicyDraft } from '../../src/domain/policy-validation.js';
import type { Policy, Purpose } from '../../src/domain/policy.js';
import {
  ACCOUNT_SHARING,
  DAY_MS as DAY,
  GDPR_POLICY,
  POLICY_2016,
  SECOND_MS,
  V2016,
  VGDPR,
  draftOf,
  plus,
  purposeOf,
  withPurposes,
  withoutPurposes,
} from './policy-fixtures.js';

const NOW = new Date('2018-05-01T00:00:00.000Z');
/** A draft of the GDPR variant going live in the future, as a publisher would send it. */
const GDPR_DRAFT = draftOf(GDPR_POLICY, { effectiveAt: plus(NOW, 24 * 60 * 60 * 1000) });
const index = (key: string) => GDPR_POLICY.purposes.findIndex((p) => p.key === key);

function validate(draft: PolicyDraft, existing: readonly Policy[] = [POLICY_2016], now = NOW, options = {}): PlannedError[] {
  return validatePolicyDraft(draft, existing, now, options);
}

/** The GDPR draft with purpose `key` changed. */
function withPurpose(key: string, patch: Partial<Purpose>): PolicyDraft {
  return draftOf(withPurposes(GDPR_POLICY, [key], patch), { effectiveAt: GDPR_DRAFT.effectiveAt });
}

const codesAndFields = (errors: readonly PlannedError[]) => errors.map((e) => [e.code, e.field]);

describe('validatePolicyDraft: publishable policies', () => {
  it('accepts the bundled 2016 policy before it went live', () => {
    expect(validate(draftOf(POLICY_2016), [], new Date('2016-08-24T00:00:00.000Z'))).toEqual([]);
  });

  it('accepts the bundled 2016 policy with a past effectiveAt when loading it as history', () => {
    expect(validate(draftOf(POLICY_2016), [], NOW, { allowPastEffectiveAt: true })).toEqual([]);
  });

  it('accepts the GDPR variant, going live in the future, beside the 2016 version', () => {
    expect(validate(GDPR_DRAFT)).toEqual([]);
  });

  it('accepts a legitimate-interest purpose the user may object to (OBJECT)', () => {
    expect(validate(withPurpose('facebook.analytics', { control: 'OBJECT' }))).toEqual([]);
  });

  it('accepts a prohibition that no purpose of the draft contradicts', () => {
    const draft = draftOf(GDPR_POLICY, {
      effectiveAt: GDPR_DRAFT.effectiveAt,
      prohibitions: [...GDPR_POLICY.prohibitions, { recipient: 'advertisers', dataCategory: 'account_info' }],
    });
    expect(validate(draft)).toEqual([]);
  });
});

describe('validatePolicyDraft: contradictions', () => {
  it('refuses a purpose sending message_content while the policy prohibits it, with CONTRADICTORY_POLICY', () => {
    const draft = withPurpose('facebook.ads', { dataCategories: ['phone_number', 'account_info', 'message_content'] });
    const errors = validate(draft);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('CONTRADICTORY_POLICY');
    expect(errors[0]?.field).toEqual(['input', 'purposes', index('facebook.ads'), 'dataCategories']);
    expect(errors[0]?.message).toContain('facebook.ads');
    expect(errors[0]?.message).toContain('message_content');
  });

  it('refuses a purpose sending phone numbers to advertisers, with CONTRADICTORY_POLICY', () => {
    const draft = withPurpose('facebook.ads', { recipient: 'advertisers' });
    expect(codesAndFields(validate(draft))).toEqual([
      ['CONTRADICTORY_POLICY', ['input', 'purposes', index('facebook.ads'), 'dataCategories']],
    ]);
  });

  it('does not treat a recipient-specific prohibition as covering other recipients', () => {
    const draft = withPurpose('facebook.analytics', { dataCategories: ['account_info', 'usage_data', 'device_info', 'phone_number'] });
    expect(validate(draft)).toEqual([]);
  });

  it('reports one CONTRADICTORY_POLICY per contradicting purpose', () => {
    const draft = draftOf(GDPR_POLICY, {
      effectiveAt: GDPR_DRAFT.effectiveAt,
      prohibitions: [...GDPR_POLICY.prohibitions, { recipient: null, dataCategory: 'device_info' }],
    });
    const fields = validate(draft).map((e) => (e.code === 'CONTRADICTORY_POLICY' ? e.field[2] : e.code));
    expect(fields).toEqual([index('facebook.analytics'), index('facebook.infrastructure'), index('facebook.security')]);
  });

  it('refuses a prohibition listed twice', () => {
    const draft = draftOf(GDPR_POLICY, {
      effectiveAt: GDPR_DRAFT.effectiveAt,
      prohibitions: [...GDPR_POLICY.prohibitions, { recipient: null, dataCategory: 'message_content' }],
    });
    expect(codesAndFields(validate(draft))).toEqual([['INVALID_INPUT', ['input', 'prohibitions', 2]]]);
  });
});

describe('validatePolicyDraft: effectiveAt', () => {
  it('tolerates 5 seconds of clock skew', () => {
    expect(EFFECTIVE_AT_SKEW_MS).toBe(5 * SECOND_MS);
  });

  it('accepts an effectiveAt of now, and 1 second in the past', () => {
    expect(validate(draftOf(GDPR_POLICY, { effectiveAt: NOW }))).toEqual([]);
    expect(validate(draftOf(GDPR_POLICY, { effectiveAt: plus(NOW, -SECOND_MS) }))).toEqual([]);
  });

  it('accepts an effectiveAt exactly 5 seconds in the past', () => {
    expect(validate(draftOf(GDPR_POLICY, { effectiveAt: plus(NOW, -EFFECTIVE_AT_SKEW_MS) }))).toEqual([]);
  });

  it('refuses an effectiveAt more than 5 seconds in the past with INVALID_INPUT', () => {
    for (const ago of [EFFECTIVE_AT_SKEW_MS + 1, 6 * SECOND_MS, 30 * 24 * 60 * 60 * 1000]) {
      expect(codesAndFields(validate(draftOf(GDPR_POLICY, { effectiveAt: plus(NOW, -ago) })))).toEqual([
        ['INVALID_INPUT', ['input', 'effectiveAt']],
      ]);
    }
  });

  it('refuses the 2016 policy as a new publication today, its effectiveAt being in the past', () => {
    expect(codesAndFields(validate(draftOf(POLICY_2016), [], NOW))).toEqual([['INVALID_INPUT', ['input', 'effectiveAt']]]);
  });
});

describe('validatePolicyDraft: versions', () => {
  it('refuses a version that already exists with POLICY_VERSION_EXISTS', () => {
    const errors = validate(draftOf(GDPR_POLICY, { version: V2016, effectiveAt: GDPR_DRAFT.effectiveAt }));
    expect(codesAndFields(errors)).toEqual([['POLICY_VERSION_EXISTS', ['input', 'version']]]);
    expect(errors[0]?.message).toContain(V2016);
  });

  it('refuses republishing the GDPR variant once it exists', () => {
    expect(validate(GDPR_DRAFT, [POLICY_2016, GDPR_POLICY]).map((e) => e.code)).toEqual(['POLICY_VERSION_EXISTS']);
  });

  it.each(['', ' 2018', '-2018', 'v 2', 'a'.repeat(65), 'v/2'])('refuses the malformed version %j with INVALID_INPUT', (version) => {
    expect(codesAndFields(validate(draftOf(GDPR_POLICY, { version, effectiveAt: GDPR_DRAFT.effectiveAt })))).toEqual([
      ['INVALID_INPUT', ['input', 'version']],
    ]);
  });

  it('accepts versions of up to 64 letters, digits and ". _ -"', () => {
    for (const version of [VGDPR, 'v2.1_eu', 'A'.repeat(64)]) {
      expect(validate(draftOf(GDPR_POLICY, { version, effectiveAt: GDPR_DRAFT.effectiveAt }))).toEqual([]);
    }
  });
});

describe('validatePolicyDraft: controls and legal bases', () => {
  it.each([
    ['CONSENT', 'NONE'],
    ['CONSENT', 'OBJECT'],
    ['LEGITIMATE_INTEREST', 'WITHDRAW'],
    ['CONTRACT', 'WITHDRAW'],
    ['CONTRACT', 'OBJECT'],
    ['LEGAL_OBLIGATION', 'WITHDRAW'],
  ] as const)('refuses basis %s with control %s with INVALID_INPUT on control', (legalBasis, control) => {
    // business.marketing has no window and no group, so only the basis/control mismatch is at stake.
    const draft = withPurpose('business.marketing', { legalBasis, control, defaultGranted: true });
    expect(codesAndFields(validate(draft))).toEqual([['INVALID_INPUT', ['input', 'purposes', index('business.marketing'), 'control']]]);
  });

  it.each([
    ['CONSENT', 'WITHDRAW'],
    ['LEGITIMATE_INTEREST', 'OBJECT'],
    ['LEGITIMATE_INTEREST', 'NONE'],
    ['CONTRACT', 'NONE'],
    ['LEGAL_OBLIGATION', 'NONE'],
  ] as const)('accepts basis %s with control %s', (legalBasis, control) => {
    expect(validate(withPurpose('business.marketing', { legalBasis, control, defaultGranted: true }))).toEqual([]);
  });

  it('refuses an essential purpose that is not granted by default', () => {
    expect(codesAndFields(validate(withPurpose('facebook.security', { defaultGranted: false })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', index('facebook.security'), 'defaultGranted']],
    ]);
  });

  it('refuses an essential purpose with a change window or a choice group', () => {
    const i = index('facebook.security');
    expect(codesAndFields(validate(withPurpose('facebook.security', { changeWindowDays: 30 })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i]],
    ]);
    expect(codesAndFields(validate(withPurpose('facebook.security', { choiceGroup: 'facebook.safety' })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i]],
    ]);
  });

  it.each([-1, 1.5, Number.NaN])('refuses a change window of %s days', (changeWindowDays) => {
    expect(codesAndFields(validate(withPurpose('facebook.ads', { changeWindowDays })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', index('facebook.ads'), 'changeWindowDays']],
    ]);
  });

  it('accepts a 0-day window on an optional purpose', () => {
    expect(validate(withPurpose('facebook.ads', { changeWindowDays: 0 }))).toEqual([]);
  });
});

describe('validatePolicyDraft: choice groups', () => {
  const grouped = (patch: Partial<Purpose> = {}): PolicyDraft =>
    draftOf(
      {
        ...GDPR_POLICY,
        purposes: GDPR_POLICY.purposes.map((p) =>
          p.key === 'facebook.ads'
            ? { ...p, choiceGroup: ACCOUNT_SHARING }
            : p.key === 'facebook.friend_suggestions'
              ? { ...p, choiceGroup: ACCOUNT_SHARING, ...patch }
              : p,
        ),
      },
      { effectiveAt: GDPR_DRAFT.effectiveAt },
    );
  const second = index('facebook.friend_suggestions');

  it('accepts a group whose members share control, default and window', () => {
    expect(validate(grouped())).toEqual([]);
  });

  it('refuses group members that disagree on the default', () => {
    expect(codesAndFields(validate(grouped({ defaultGranted: true })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', second, 'choiceGroup']],
    ]);
  });

  it('refuses group members that disagree on the change window', () => {
    expect(codesAndFields(validate(grouped({ changeWindowDays: 30 })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', second, 'choiceGroup']],
    ]);
  });

  it('refuses a choice group named like a purpose', () => {
    const draft = draftOf(withPurposes(GDPR_POLICY, ['facebook.ads', 'facebook.friend_suggestions'], { choiceGroup: 'facebook.ads' }), {
      effectiveAt: GDPR_DRAFT.effectiveAt,
    });
    const errors = validate(draft);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.code === 'INVALID_INPUT' && e.field.at(-1) === 'choiceGroup')).toBe(true);
  });

  it('refuses a malformed choice group key', () => {
    expect(codesAndFields(validate(withPurpose('facebook.ads', { choiceGroup: 'Facebook Sharing' })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', index('facebook.ads'), 'choiceGroup']],
    ]);
  });
});

describe('validatePolicyDraft: purposes', () => {
  it('refuses a draft without purposes', () => {
    expect(codesAndFields(validate(draftOf(GDPR_POLICY, { effectiveAt: GDPR_DRAFT.effectiveAt, purposes: [] })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes']],
    ]);
  });

  it('refuses duplicate purpose keys, pointing at the second', () => {
    const ads = purposeOf(GDPR_POLICY, 'facebook.ads');
    const draft = draftOf(GDPR_POLICY, { effectiveAt: GDPR_DRAFT.effectiveAt, purposes: [...GDPR_POLICY.purposes, ads] });
    const errors = validate(draft);
    expect(codesAndFields(errors)).toEqual([['INVALID_INPUT', ['input', 'purposes', GDPR_POLICY.purposes.length, 'key']]]);
    expect(errors[0]?.message).toContain('facebook.ads');
  });

  it.each(['ads', 'Facebook.ads', 'facebook.', 'facebook..ads', 'facebook.ads-2', '1facebook.ads'])('refuses the purpose key %j', (key) => {
    expect(codesAndFields(validate(withPurpose('facebook.ads', { key })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', index('facebook.ads'), 'key']],
    ]);
  });

  it('refuses a blank title or description', () => {
    const i = index('facebook.ads');
    expect(codesAndFields(validate(withPurpose('facebook.ads', { title: '   ' })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i, 'title']],
    ]);
    expect(codesAndFields(validate(withPurpose('facebook.ads', { description: '' })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i, 'description']],
    ]);
  });

  it('refuses a malformed recipient', () => {
    expect(codesAndFields(validate(withPurpose('facebook.ads', { recipient: 'Facebook Inc' })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', index('facebook.ads'), 'recipient']],
    ]);
  });

  it('refuses a purpose with no data categories, repeated ones, or malformed ones', () => {
    const i = index('facebook.ads');
    expect(codesAndFields(validate(withPurpose('facebook.ads', { dataCategories: [] })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i, 'dataCategories']],
    ]);
    expect(codesAndFields(validate(withPurpose('facebook.ads', { dataCategories: ['phone_number', 'phone_number'] })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i, 'dataCategories']],
    ]);
    expect(codesAndFields(validate(withPurpose('facebook.ads', { dataCategories: ['phone_number', 'Account Info'] })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i, 'dataCategories', 1]],
    ]);
  });

  it('reports every problem of a draft at once', () => {
    const draft = draftOf(withPurposes(GDPR_POLICY, ['facebook.ads'], { title: '', dataCategories: ['message_content'] }), {
      version: V2016,
      effectiveAt: plus(NOW, -60 * SECOND_MS),
    });
    expect(
      validate(draft)
        .map((e) => e.code)
        .sort(),
    ).toEqual(['CONTRADICTORY_POLICY', 'INVALID_INPUT', 'INVALID_INPUT', 'POLICY_VERSION_EXISTS']);
  });
});

describe('validatePolicyDraft: the declared vocabulary', () => {
  const FUTURE = GDPR_DRAFT.effectiveAt;

  it('inherits the previous version’s vocabulary when the draft declares none', () => {
    const draft = draftOf(GDPR_POLICY, { effectiveAt: FUTURE, recipients: null, dataCategories: null });
    expect(validate(draft)).toEqual([]);
    expect(resolveVocabulary(draft, [POLICY_2016])).toEqual({
      recipients: ['whatsapp', 'facebook', 'businesses', 'advertisers'],
      dataCategories: ['phone_number', 'account_info', 'device_info', 'usage_data', 'message_content'],
    });
  });

  it('takes the vocabulary of the version just before it, not of a later one', () => {
    const later = { ...GDPR_POLICY, version: 'later', effectiveAt: plus(FUTURE, DAY), recipients: [...GDPR_POLICY.recipients, 'partners'] };
    const draft = draftOf(GDPR_POLICY, { version: 'between', effectiveAt: plus(FUTURE, -DAY), recipients: null, dataCategories: null });
    expect(resolveVocabulary(draft, [POLICY_2016, later])?.recipients).toEqual(POLICY_2016.recipients);
  });

  it('accepts a version that adds names', () => {
    const draft = draftOf(GDPR_POLICY, { effectiveAt: FUTURE, dataCategories: [...POLICY_2016.dataCategories, 'location'] });
    expect(validate(draft)).toEqual([]);
  });

  it('refuses a version that removes a recipient, naming it and the version that declared it', () => {
    const errors = validate(draftOf(GDPR_POLICY, { effectiveAt: FUTURE, recipients: ['facebook', 'businesses', 'advertisers'] }));
    expect(codesAndFields(errors)).toEqual([['INVALID_INPUT', ['input', 'recipients']]]);
    expect(errors[0]?.message).toContain('"whatsapp"');
    expect(errors[0]?.message).toContain(V2016);
  });

  it('refuses a version that removes a data category, and every use of it', () => {
    const errors = validate(
      draftOf(GDPR_POLICY, { effectiveAt: FUTURE, dataCategories: POLICY_2016.dataCategories.filter((c) => c !== 'usage_data') }),
    );
    expect(codesAndFields(errors)).toEqual([
      ['INVALID_INPUT', ['input', 'dataCategories']],
      ['INVALID_INPUT', ['input', 'purposes', index('facebook.analytics'), 'dataCategories', 1]],
      ['INVALID_INPUT', ['input', 'purposes', index('facebook.integrity'), 'dataCategories', 2]],
    ]);
  });

  it('refuses a purpose using the misspelt category phone_numbr, naming the field', () => {
    const errors = validate(withPurpose('facebook.ads', { dataCategories: ['phone_numbr', 'account_info'] }));
    expect(codesAndFields(errors)).toEqual([['INVALID_INPUT', ['input', 'purposes', index('facebook.ads'), 'dataCategories', 0]]]);
    expect(errors[0]?.message).toContain('"phone_numbr" is not a declared data category');
  });

  it('refuses a purpose whose recipient is not declared', () => {
    expect(codesAndFields(validate(withPurpose('facebook.ads', { recipient: 'instagram' })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', index('facebook.ads'), 'recipient']],
    ]);
  });

  it('refuses a prohibition naming an undeclared recipient or category, so a misspelling cannot look like a promise', () => {
    const draft = draftOf(GDPR_POLICY, {
      effectiveAt: FUTURE,
      prohibitions: [
        ...GDPR_POLICY.prohibitions,
        { recipient: 'advertisrs', dataCategory: 'account_info' },
        { recipient: null, dataCategory: 'locaton' },
      ],
    });
    expect(codesAndFields(validate(draft))).toEqual([
      ['INVALID_INPUT', ['input', 'prohibitions', 2, 'recipient']],
      ['INVALID_INPUT', ['input', 'prohibitions', 3, 'dataCategory']],
    ]);
  });

  it('accepts a purpose using a name the same draft adds', () => {
    const draft = draftOf(withPurposes(GDPR_POLICY, ['facebook.analytics'], { dataCategories: ['usage_data', 'crash_reports'] }), {
      effectiveAt: FUTURE,
      dataCategories: [...POLICY_2016.dataCategories, 'crash_reports'],
    });
    expect(validate(draft)).toEqual([]);
  });

  it('refuses malformed or repeated vocabulary names', () => {
    const draft = draftOf(GDPR_POLICY, { effectiveAt: FUTURE, recipients: [...POLICY_2016.recipients, 'Partners', 'facebook'] });
    expect(codesAndFields(validate(draft))).toEqual([
      ['INVALID_INPUT', ['input', 'recipients', 4]],
      ['INVALID_INPUT', ['input', 'recipients', 5]],
    ]);
  });

  it('requires the first version to declare its vocabulary', () => {
    const draft = draftOf(POLICY_2016, { recipients: null });
    expect(codesAndFields(validate(draft, [], NOW, { allowPastEffectiveAt: true }))).toContainEqual([
      'INVALID_INPUT',
      ['input', 'recipients'],
    ]);
  });

  it('refuses a version scheduled before a later one that declares names the later one lacks', () => {
    const later = { ...GDPR_POLICY, effectiveAt: plus(FUTURE, 30 * DAY) };
    const draft = draftOf(GDPR_POLICY, { version: 'between', effectiveAt: FUTURE, recipients: [...POLICY_2016.recipients, 'partners'] });
    const errors = validate(draft, [POLICY_2016, later]);
    expect(codesAndFields(errors)).toEqual([['INVALID_INPUT', ['input', 'recipients']]]);
    expect(errors[0]?.message).toContain(VGDPR);
  });
});

describe('validatePolicyDraft: prohibitions only grow', () => {
  const FUTURE = GDPR_DRAFT.effectiveAt;
  const withoutBan = (dataCategory: string) =>
    draftOf(GDPR_POLICY, { effectiveAt: FUTURE, prohibitions: GDPR_POLICY.prohibitions.filter((p) => p.dataCategory !== dataCategory) });

  it('refuses a version that drops "message content to anyone", naming the promise and its version', () => {
    const errors = validate(withoutBan('message_content'));
    expect(codesAndFields(errors)).toEqual([['INVALID_INPUT', ['input', 'prohibitions']]]);
    expect(errors[0]?.message).toContain('never message_content to anyone');
    expect(errors[0]?.message).toContain(V2016);
  });

  it('refuses a version that drops "the number never to advertisers"', () => {
    const errors = validate(withoutBan('phone_number'));
    expect(codesAndFields(errors)).toEqual([['INVALID_INPUT', ['input', 'prohibitions']]]);
    expect(errors[0]?.message).toContain('never phone_number to advertisers');
  });

  it('refuses a version without any prohibition, once per dropped promise', () => {
    expect(codesAndFields(validate(draftOf(GDPR_POLICY, { effectiveAt: FUTURE, prohibitions: [] })))).toEqual([
      ['INVALID_INPUT', ['input', 'prohibitions']],
      ['INVALID_INPUT', ['input', 'prohibitions']],
    ]);
  });

  it('compares with every earlier version, not only the previous one', () => {
    // A stored version that (wrongly) lacks a 2016 promise must not let the next one drop it too.
    const lax = { ...GDPR_POLICY, prohibitions: GDPR_POLICY.prohibitions.slice(0, 1) };
    const errors = validate(draftOf(lax, { version: 'next', effectiveAt: plus(FUTURE, DAY) }), [POLICY_2016, lax]);
    expect(codesAndFields(errors)).toEqual([['INVALID_INPUT', ['input', 'prohibitions']]]);
    expect(errors[0]?.message).toContain(V2016);
  });

  it('accepts a broader prohibition in place of a narrower one (phone numbers to no one covers advertisers)', () => {
    const noPhoneAnywhere = draftOf(
      withoutPurposes(GDPR_POLICY, [
        'facebook.ads',
        'facebook.friend_suggestions',
        'facebook.security',
        'facebook.integrity',
        'business.transactional',
        'business.marketing',
      ]),
      {
        effectiveAt: FUTURE,
        prohibitions: [
          { recipient: null, dataCategory: 'message_content' },
          { recipient: null, dataCategory: 'phone_number' },
        ],
      },
    );
    expect(validate(noPhoneAnywhere)).toEqual([]);
  });

  it('refuses a version scheduled between two others that promises what the later one does not keep', () => {
    const later = { ...GDPR_POLICY, effectiveAt: plus(FUTURE, 30 * DAY) };
    const draft = draftOf(GDPR_POLICY, {
      version: 'between',
      effectiveAt: FUTURE,
      prohibitions: [...GDPR_POLICY.prohibitions, { recipient: 'advertisers', dataCategory: 'account_info' }],
    });
    const errors = validate(draft, [POLICY_2016, later]);
    expect(codesAndFields(errors)).toEqual([['INVALID_INPUT', ['input', 'prohibitions', 2]]]);
    expect(errors[0]?.message).toContain(VGDPR);
  });

  it('accepts a version scheduled between two others that keeps the earlier promises and no more than the later one', () => {
    const later = { ...GDPR_POLICY, effectiveAt: plus(FUTURE, 30 * DAY) };
    expect(validate(draftOf(GDPR_POLICY, { version: 'between', effectiveAt: FUTURE }), [POLICY_2016, later])).toEqual([]);
  });
});

describe('validatePolicyDraft: bounds', () => {
  const FUTURE = GDPR_DRAFT.effectiveAt;
  const i = index('facebook.ads');

  it.each([0, 30, MAX_CHANGE_WINDOW_DAYS])('accepts a change window of %s days', (changeWindowDays) => {
    expect(validate(withPurpose('facebook.ads', { changeWindowDays }))).toEqual([]);
  });

  it.each([MAX_CHANGE_WINDOW_DAYS + 1, 2147483647])('refuses a change window of %s days, naming the field', (changeWindowDays) => {
    expect(codesAndFields(validate(withPurpose('facebook.ads', { changeWindowDays })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i, 'changeWindowDays']],
    ]);
  });

  it('accepts an effectiveAt exactly 5 years ahead and refuses one a millisecond later, or 6 years ahead', () => {
    const fiveYears = new Date('2023-05-01T00:00:00.000Z');
    expect(validate(draftOf(GDPR_POLICY, { effectiveAt: fiveYears }))).toEqual([]);
    for (const effectiveAt of [plus(fiveYears, 1), new Date('2024-05-01T00:00:00.000Z')]) {
      expect(codesAndFields(validate(draftOf(GDPR_POLICY, { effectiveAt })))).toEqual([['INVALID_INPUT', ['input', 'effectiveAt']]]);
    }
  });

  it('refuses an effectiveAt shared with an existing version, naming it', () => {
    const errors = validate(draftOf(GDPR_POLICY, { version: 'twin', effectiveAt: FUTURE }), [
      POLICY_2016,
      { ...GDPR_POLICY, effectiveAt: FUTURE },
    ]);
    expect(codesAndFields(errors)).toEqual([['INVALID_INPUT', ['input', 'effectiveAt']]]);
    expect(errors[0]?.message).toContain(VGDPR);
  });

  it.each([
    'http://www.whatsapp.com/legal',
    'ftp://whatsapp.com/policy',
    'javascript:alert(1)',
    'www.whatsapp.com/legal',
    'https://user:secret@whatsapp.com/legal',
    'https://whatsapp.com/le gal',
    `https://whatsapp.com/${'a'.repeat(MAX_URL_LENGTH)}`,
  ])('refuses the url %j', (url) => {
    expect(codesAndFields(validate(draftOf(GDPR_POLICY, { effectiveAt: FUTURE, url })))).toEqual([['INVALID_INPUT', ['input', 'url']]]);
  });

  it('accepts an https url, or none', () => {
    expect(validate(draftOf(GDPR_POLICY, { effectiveAt: FUTURE, url: 'https://www.whatsapp.com/legal/privacy-policy-eea#top' }))).toEqual(
      [],
    );
    expect(validate(draftOf(GDPR_POLICY, { effectiveAt: FUTURE, url: null }))).toEqual([]);
  });

  it(`accepts a title of ${MAX_TITLE_LENGTH} characters (emoji count as one) and refuses one longer`, () => {
    expect(validate(withPurpose('facebook.ads', { title: '😀'.repeat(MAX_TITLE_LENGTH) }))).toEqual([]);
    expect(codesAndFields(validate(withPurpose('facebook.ads', { title: 'a'.repeat(300) })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i, 'title']],
    ]);
  });

  it(`refuses a description over ${MAX_DESCRIPTION_LENGTH} characters`, () => {
    expect(codesAndFields(validate(withPurpose('facebook.ads', { description: 'a'.repeat(MAX_DESCRIPTION_LENGTH + 1) })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i, 'description']],
    ]);
  });

  it('refuses a 300-character purpose key or choice group, and a 65-character category', () => {
    const longKey = `facebook.${'a'.repeat(291)}`;
    expect(codesAndFields(validate(withPurpose('facebook.ads', { key: longKey })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i, 'key']],
    ]);
    expect(codesAndFields(validate(withPurpose('facebook.ads', { choiceGroup: longKey })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i, 'choiceGroup']],
    ]);
    const longName = 'a'.repeat(MAX_NAME_LENGTH + 1);
    expect(
      codesAndFields(validate(draftOf(GDPR_POLICY, { effectiveAt: FUTURE, dataCategories: [...POLICY_2016.dataCategories, longName] }))),
    ).toEqual([['INVALID_INPUT', ['input', 'dataCategories', 5]]]);
  });

  it('refuses NUL and other control characters in titles and descriptions, but lets descriptions break lines', () => {
    expect(codesAndFields(validate(withPurpose('facebook.ads', { title: 'Ads\0' })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i, 'title']],
    ]);
    expect(codesAndFields(validate(withPurpose('facebook.ads', { title: 'Ads\non Facebook' })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i, 'title']],
    ]);
    expect(codesAndFields(validate(withPurpose('facebook.ads', { description: 'Shared\0 with Facebook' })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i, 'description']],
    ]);
    expect(codesAndFields(validate(withPurpose('facebook.ads', { description: 'Broken \uD800 text' })))).toEqual([
      ['INVALID_INPUT', ['input', 'purposes', i, 'description']],
    ]);
    expect(validate(withPurpose('facebook.ads', { description: 'First paragraph.\n\nSecond\tparagraph.' }))).toEqual([]);
  });

  it('refuses more purposes or prohibitions than the documented maximum', () => {
    const ads = purposeOf(GDPR_POLICY, 'facebook.ads');
    const many = Array.from({ length: MAX_PURPOSES + 1 }, (_, n) => ({ ...ads, key: `facebook.ads_${n}` }));
    expect(codesAndFields(validate(draftOf(GDPR_POLICY, { effectiveAt: FUTURE, purposes: many })))).toContainEqual([
      'INVALID_INPUT',
      ['input', 'purposes'],
    ]);
  });
});
