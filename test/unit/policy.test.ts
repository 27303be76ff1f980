import { describe, expect, it } from 'vitest';
import { policyFromDocument, WHATSAPP_2016_DOCUMENT } from '../../src/policies/bundled.js';
import {
  DAY_MS as SOURCE_DAY_MS,
  changeableUntil,
  compareByEffectiveAt,
  findPurpose,
  isOptional,
  isProhibited,
  isWindowOpen,
  livePolicy,
  purposesControlledBy,
  type Policy,
} from '../../src/domain/policy.js';
import { ACCOUNT_SHARING, DAY_MS, GDPR_POLICY, POLICY_2016, V2016, VGDPR, plus, purposeOf, withPurposes } from './policy-fixtures.js';

const keysOf = (purposes: readonly { key: string }[]) => purposes.map((p) => p.key);

describe('loading a bundled policy document', () => {
  it('refuses a misspelt legal basis, control or date instead of shipping it', () => {
    const purpose = WHATSAPP_2016_DOCUMENT.purposes[0]!;
    const withPurpose = (patch: object) => ({ ...WHATSAPP_2016_DOCUMENT, purposes: [{ ...purpose, ...patch }] });
    expect(() => policyFromDocument(withPurpose({ legalBasis: 'CONSENTT' }))).toThrow(/facebook.ads legalBasis "CONSENTT"/);
    expect(() => policyFromDocument(withPurpose({ control: 'OPT_OUT' }))).toThrow(/facebook.ads control "OPT_OUT"/);
    expect(() => policyFromDocument({ ...WHATSAPP_2016_DOCUMENT, effectiveAt: '25/08/2016' })).toThrow(/effectiveAt is not an ISO date/);
  });

  it('refuses a misspelt data category or a missing prohibition name, as a publish would', () => {
    const purpose = WHATSAPP_2016_DOCUMENT.purposes[0]!;
    const misspelt = { ...WHATSAPP_2016_DOCUMENT, purposes: [{ ...purpose, dataCategories: ['phone_numbr'] }] };
    expect(() => policyFromDocument(misspelt)).toThrow(/"phone_numbr" is not a declared data category/);
    const undeclared = { ...WHATSAPP_2016_DOCUMENT, recipients: ['whatsapp', 'facebook', 'businesses'] };
    expect(() => policyFromDocument(undeclared)).toThrow(/"advertisers" is not a declared recipient/);
  });
});

describe('the bundled 2016 policy', () => {
  it('is version 2016-08-25, published and effective on 25 August 2016, read as Dates', () => {
    expect(POLICY_2016.version).toBe(V2016);
    expect(POLICY_2016.publishedAt).toBeInstanceOf(Date);
    expect(POLICY_2016.effectiveAt).toBeInstanceOf(Date);
    expect(POLICY_2016.effectiveAt.toISOString()).toBe('2016-08-25T00:00:00.000Z');
    expect(POLICY_2016.publishedAt.toISOString()).toBe('2016-08-25T00:00:00.000Z');
  });

  it('lists exactly the eight purpose keys of the spec, in catalog order', () => {
    expect(keysOf(POLICY_2016.purposes)).toEqual([
      'facebook.ads',
      'facebook.friend_suggestions',
      'facebook.analytics',
      'facebook.infrastructure',
      'facebook.security',
      'facebook.integrity',
      'business.transactional',
      'business.marketing',
    ]);
  });

  it.each([
    ['facebook.ads', 'facebook', ['phone_number', 'account_info'], 'CONSENT', 'WITHDRAW', true, 30, ACCOUNT_SHARING],
    ['facebook.friend_suggestions', 'facebook', ['phone_number', 'account_info'], 'CONSENT', 'WITHDRAW', true, 30, ACCOUNT_SHARING],
    ['facebook.analytics', 'facebook', ['account_info', 'usage_data', 'device_info'], 'LEGITIMATE_INTEREST', 'NONE', true, null, null],
    ['facebook.infrastructure', 'facebook', ['account_info', 'device_info'], 'LEGITIMATE_INTEREST', 'NONE', true, null, null],
    ['facebook.security', 'facebook', ['phone_number', 'account_info', 'device_info'], 'LEGITIMATE_INTEREST', 'NONE', true, null, null],
    ['facebook.integrity', 'facebook', ['phone_number', 'account_info', 'usage_data'], 'LEGITIMATE_INTEREST', 'NONE', true, null, null],
    ['business.transactional', 'businesses', ['phone_number'], 'CONTRACT', 'NONE', true, null, null],
    ['business.marketing', 'businesses', ['phone_number'], 'CONSENT', 'WITHDRAW', true, null, null],
  ] as const)(
    'declares %s as in the spec table (recipient, data, basis, control, default, window, group)',
    (key, recipient, data, basis, control, defaultGranted, windowDays, group) => {
      const p = purposeOf(POLICY_2016, key);
      expect(p.recipient).toBe(recipient);
      expect([...p.dataCategories].sort()).toEqual([...data].sort());
      expect(p.legalBasis).toBe(basis);
      expect(p.control).toBe(control);
      expect(p.defaultGranted).toBe(defaultGranted);
      expect(p.changeWindowDays).toBe(windowDays);
      expect(p.choiceGroup).toBe(group);
      expect(p.title.trim()).not.toBe('');
      expect(p.description.trim()).not.toBe('');
    },
  );

  it('declares the vocabulary of the spec: four recipients and five data categories', () => {
    expect(POLICY_2016.recipients).toEqual(['whatsapp', 'facebook', 'businesses', 'advertisers']);
    expect(POLICY_2016.dataCategories).toEqual(['phone_number', 'account_info', 'device_info', 'usage_data', 'message_content']);
  });

  it('prohibits message content to anyone and phone numbers to advertisers, and nothing else', () => {
    expect(POLICY_2016.prohibitions).toHaveLength(2);
    expect(POLICY_2016.prohibitions).toContainEqual({ recipient: null, dataCategory: 'message_content' });
    expect(POLICY_2016.prohibitions).toContainEqual({ recipient: 'advertisers', dataCategory: 'phone_number' });
  });
});

describe('isOptional', () => {
  it('is true for a WITHDRAW purpose and false for an essential (NONE) one', () => {
    expect(isOptional(purposeOf(POLICY_2016, 'facebook.ads'))).toBe(true);
    expect(isOptional(purposeOf(POLICY_2016, 'business.marketing'))).toBe(true);
    expect(isOptional(purposeOf(POLICY_2016, 'facebook.security'))).toBe(false);
    expect(isOptional(purposeOf(POLICY_2016, 'business.transactional'))).toBe(false);
  });

  it('is true for an OBJECT purpose (legitimate interest the user may object to)', () => {
    const objectable = { ...purposeOf(POLICY_2016, 'facebook.analytics'), control: 'OBJECT' as const };
    expect(isOptional(objectable)).toBe(true);
  });
});

describe('findPurpose', () => {
  it('finds a purpose by its key and returns undefined for an unknown key or a choice-group key', () => {
    expect(findPurpose(POLICY_2016, 'facebook.integrity')?.key).toBe('facebook.integrity');
    expect(findPurpose(POLICY_2016, 'facebook.nothing')).toBeUndefined();
    expect(findPurpose(POLICY_2016, ACCOUNT_SHARING)).toBeUndefined();
  });
});

describe('purposesControlledBy', () => {
  it('expands the 2016 choice-group key to both Facebook purposes', () => {
    expect(keysOf(purposesControlledBy(POLICY_2016, ACCOUNT_SHARING))).toEqual(['facebook.ads', 'facebook.friend_suggestions']);
  });

  it('expands one member of a group to every member of its group', () => {
    expect(keysOf(purposesControlledBy(POLICY_2016, 'facebook.ads'))).toEqual(['facebook.ads', 'facebook.friend_suggestions']);
    expect(keysOf(purposesControlledBy(POLICY_2016, 'facebook.friend_suggestions'))).toEqual([
      'facebook.ads',
      'facebook.friend_suggestions',
    ]);
  });

  it('returns just the purpose itself when it belongs to no group', () => {
    expect(keysOf(purposesControlledBy(POLICY_2016, 'business.marketing'))).toEqual(['business.marketing']);
    expect(keysOf(purposesControlledBy(GDPR_POLICY, 'facebook.ads'))).toEqual(['facebook.ads']);
  });

  it('returns nothing for a key that is neither a purpose nor a group', () => {
    expect(purposesControlledBy(POLICY_2016, 'facebook.unknown')).toEqual([]);
    expect(purposesControlledBy(GDPR_POLICY, ACCOUNT_SHARING)).toEqual([]);
  });
});

describe('isProhibited', () => {
  it('prohibits message content for every recipient, including ones no purpose names', () => {
    for (const recipient of ['whatsapp', 'facebook', 'businesses', 'advertisers', 'somebody_else']) {
      expect(isProhibited(POLICY_2016, recipient, 'message_content')).toBe(true);
    }
  });

  it('prohibits phone numbers to advertisers only', () => {
    expect(isProhibited(POLICY_2016, 'advertisers', 'phone_number')).toBe(true);
    expect(isProhibited(POLICY_2016, 'facebook', 'phone_number')).toBe(false);
    expect(isProhibited(POLICY_2016, 'businesses', 'phone_number')).toBe(false);
  });

  it('does not prohibit other categories to advertisers', () => {
    expect(isProhibited(POLICY_2016, 'advertisers', 'account_info')).toBe(false);
    expect(isProhibited(POLICY_2016, 'advertisers', 'usage_data')).toBe(false);
  });
});

describe('livePolicy', () => {
  const policies = [POLICY_2016, GDPR_POLICY];

  it('is undefined before any version has gone live, and for no versions at all', () => {
    expect(livePolicy(policies, new Date('2016-08-24T23:59:59.999Z'))).toBeUndefined();
    expect(livePolicy([], new Date('2020-01-01T00:00:00.000Z'))).toBeUndefined();
  });

  it('makes a version live at exactly its effectiveAt', () => {
    expect(livePolicy(policies, POLICY_2016.effectiveAt)?.version).toBe(V2016);
    expect(livePolicy(policies, GDPR_POLICY.effectiveAt)?.version).toBe(VGDPR);
  });

  it('ignores a version that is scheduled but not yet effective', () => {
    expect(livePolicy(policies, plus(GDPR_POLICY.effectiveAt, -1))?.version).toBe(V2016);
    expect(livePolicy(policies, new Date('2017-06-01T00:00:00.000Z'))?.version).toBe(V2016);
  });

  it('picks the newest effective version whatever the order of the list', () => {
    const now = new Date('2020-01-01T00:00:00.000Z');
    expect(livePolicy([POLICY_2016, GDPR_POLICY], now)?.version).toBe(VGDPR);
    expect(livePolicy([GDPR_POLICY, POLICY_2016], now)?.version).toBe(VGDPR);
  });

  it('picks by effectiveAt, not by publishedAt or by version name', () => {
    const publishedEarlyGoesLiveLate: Policy = {
      ...GDPR_POLICY,
      version: 'a-late-one',
      publishedAt: new Date('2016-01-01T00:00:00.000Z'),
      effectiveAt: new Date('2019-01-01T00:00:00.000Z'),
    };
    const now = new Date('2020-01-01T00:00:00.000Z');
    expect(livePolicy([publishedEarlyGoesLiveLate, GDPR_POLICY, POLICY_2016], now)?.version).toBe('a-late-one');
  });

  it('picks the same version from two sharing one effectiveAt whatever the load order (the greater version id)', () => {
    const twin: Policy = { ...GDPR_POLICY, version: '2018-05-25-b' };
    const now = new Date('2020-01-01T00:00:00.000Z');
    expect(livePolicy([POLICY_2016, GDPR_POLICY, twin], now)?.version).toBe('2018-05-25-b');
    expect(livePolicy([twin, GDPR_POLICY, POLICY_2016], now)?.version).toBe('2018-05-25-b');
  });
});

describe('compareByEffectiveAt', () => {
  it('orders by effectiveAt, then by version id', () => {
    const twin: Policy = { ...GDPR_POLICY, version: '2018-05-25-b' };
    expect([twin, GDPR_POLICY, POLICY_2016].sort(compareByEffectiveAt).map((p) => p.version)).toEqual([V2016, VGDPR, '2018-05-25-b']);
  });
});

describe('change windows', () => {
  const acceptedAt = new Date('2016-09-01T12:00:00.000Z');
  const ads = purposeOf(POLICY_2016, 'facebook.ads');

  it('uses days of 24 hours', () => {
    expect(SOURCE_DAY_MS).toBe(DAY_MS);
  });

  it('ends a 30-day window exactly 30 days after acceptance', () => {
    expect(changeableUntil(ads, acceptedAt)?.toISOString()).toBe('2016-10-01T12:00:00.000Z');
  });

  it('has no deadline for an essential purpose or for a purpose without a window', () => {
    expect(changeableUntil(purposeOf(POLICY_2016, 'facebook.security'), acceptedAt)).toBeNull();
    expect(changeableUntil(purposeOf(POLICY_2016, 'business.marketing'), acceptedAt)).toBeNull();
  });

  it('ends a 0-day window at the moment of acceptance', () => {
    const zero = purposeOf(withPurposes(POLICY_2016, ['facebook.ads'], { changeWindowDays: 0 }), 'facebook.ads');
    expect(changeableUntil(zero, acceptedAt)?.getTime()).toBe(acceptedAt.getTime());
    expect(isWindowOpen(zero, acceptedAt, acceptedAt)).toBe(false);
  });

  it('is open one millisecond before the deadline and closed at the deadline itself', () => {
    const deadline = plus(acceptedAt, 30 * DAY_MS);
    expect(isWindowOpen(ads, acceptedAt, acceptedAt)).toBe(true);
    expect(isWindowOpen(ads, acceptedAt, plus(deadline, -1))).toBe(true);
    expect(isWindowOpen(ads, acceptedAt, deadline)).toBe(false);
    expect(isWindowOpen(ads, acceptedAt, plus(deadline, DAY_MS))).toBe(false);
  });

  it('is always open when the purpose has no window', () => {
    const marketing = purposeOf(POLICY_2016, 'business.marketing');
    expect(isWindowOpen(marketing, acceptedAt, new Date('2030-01-01T00:00:00.000Z'))).toBe(true);
  });
});
