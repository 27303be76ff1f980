import { describe, expect, it } from 'vitest';
import { AdsAudience } from '../../examples/ads-pipeline/audience.js';
import { parseConsentChange, type ConsentChangeMessage } from '../../examples/ads-pipeline/consent-change.js';

const FACEBOOK_ADS = { purposeKey: 'facebook.ads', recipient: 'facebook' };

/** A body exactly as the stream carries it (docs/contract.md, "Following changes"). */
function published(overrides: Partial<ConsentChangeMessage> = {}): Record<string, unknown> {
  return {
    id: '41',
    cursor: 'Y2hhbmdlOjEwMjQ6NDE',
    userId: 'user-1',
    consentVersion: 2,
    type: 'CHOICE_CHANGED',
    purposeKey: 'facebook.ads',
    choiceGroup: 'facebook.account_sharing',
    businessId: null,
    setting: null,
    previousValue: 'default:granted',
    newValue: 'withdrawn',
    policyVersion: '2016-08-25',
    actor: 'user-1',
    channel: 'SETTINGS',
    occurredAt: '2016-09-02T10:00:00.000Z',
    decisions: [{ ...FACEBOOK_ADS, allowed: false, reason: 'USER_WITHDRAWN' }],
    businessMessaging: null,
    ...overrides,
  };
}

const change = (overrides: Partial<ConsentChangeMessage> = {}) => parseConsentChange(published(overrides));

const optOut = (id: string, consentVersion: number, userId = 'user-1') => change({ id, consentVersion, userId });
const optIn = (id: string, consentVersion: number, userId = 'user-1') =>
  change({
    id,
    consentVersion,
    userId,
    previousValue: 'withdrawn',
    newValue: 'granted',
    decisions: [{ ...FACEBOOK_ADS, allowed: true, reason: 'USER_GRANTED' }],
  });
const acceptance = (id: string, consentVersion: number, decisions: ConsentChangeMessage['decisions']) =>
  change({
    id,
    consentVersion,
    type: 'POLICY_ACCEPTED',
    purposeKey: null,
    choiceGroup: null,
    previousValue: null,
    newValue: '2016-08-25',
    channel: 'ACCEPTANCE',
    decisions,
  });

describe('reading a published consent change', () => {
  it('takes the flat JSON body the stream carries', () => {
    const body = published();
    expect(parseConsentChange(JSON.parse(JSON.stringify(body)))).toEqual(body);
  });

  it('refuses a body it cannot rely on, naming every problem, rather than skipping it', () => {
    expect(() => parseConsentChange(published({ decisions: undefined, consentVersion: 0, userId: '' }))).toThrow(
      /userId must be a non-empty string; consentVersion must be a positive whole number; decisions must be a list/,
    );
    expect(() => parseConsentChange(published({ decisions: [{ purposeKey: 'facebook.ads' }] as never }))).toThrow(/decisions/);
    expect(() => parseConsentChange('{"id":"1"}')).toThrow(/JSON object/);
  });
});

describe("the ads pipeline's audience", () => {
  it('puts a user who opts out in the opted-out set, and takes them out when they opt in again', () => {
    const audience = new AdsAudience();
    expect(audience.apply(optOut('41', 2))).toBe('applied');
    expect(audience.optedOut()).toEqual(['user-1']);
    expect(audience.mayTarget('user-1')).toBe(false);

    expect(audience.apply(optIn('42', 3))).toBe('applied');
    expect(audience.isOptedOut('user-1')).toBe(false);
    expect(audience.mayTarget('user-1')).toBe(true);
  });

  it('learns the answer from an acceptance, which reports every purpose of the accepted version', () => {
    const audience = new AdsAudience();
    audience.apply(acceptance('1', 1, [{ ...FACEBOOK_ADS, allowed: true, reason: 'DEFAULT_GRANTED' }]));
    expect(audience.mayTarget('user-1')).toBe(true);

    // A version without the purpose allows nothing for it.
    audience.apply(acceptance('2', 2, [{ purposeKey: 'whatsapp.security', recipient: 'whatsapp', allowed: true, reason: 'ESSENTIAL' }]));
    expect(audience.isOptedOut('user-1')).toBe(true);
  });

  it('drops a redelivered change by its id', () => {
    const audience = new AdsAudience();
    audience.apply(optOut('41', 2));
    audience.apply(optIn('42', 3));
    expect(audience.apply(optOut('41', 2))).toBe('duplicate');
    expect(audience.mayTarget('user-1')).toBe(true);
  });

  it('never lets an older change replayed late undo a newer one, even once its id is forgotten', () => {
    const audience = new AdsAudience(1);
    audience.apply(optIn('41', 2));
    audience.apply(optOut('42', 3));
    expect(audience.apply(optIn('41', 2))).toBe('stale');
    expect(audience.isOptedOut('user-1')).toBe(true);
  });

  it('leaves the answer alone for changes that do not touch ads, and targets no user it never heard of', () => {
    const audience = new AdsAudience();
    audience.apply(optOut('41', 2));
    const friendSuggestions = change({
      id: '43',
      consentVersion: 4,
      purposeKey: 'facebook.friend_suggestions',
      decisions: [{ purposeKey: 'facebook.friend_suggestions', recipient: 'facebook', allowed: true, reason: 'USER_GRANTED' }],
    });
    const business = change({
      id: '44',
      consentVersion: 5,
      type: 'BUSINESS_PREFERENCE_CHANGED',
      purposeKey: null,
      businessId: 'acme-shoes',
      setting: 'MARKETING',
      decisions: [],
      businessMessaging: { businessId: 'acme-shoes', blocked: false, transactional: true, marketing: false },
    });
    expect([audience.apply(friendSuggestions), audience.apply(business)]).toEqual(['unrelated', 'unrelated']);
    expect(audience.isOptedOut('user-1')).toBe(true);
    expect(audience.mayTarget('never-seen')).toBe(false);
    expect(audience.isOptedOut('never-seen')).toBe(false);
  });

  it('keeps each user apart', () => {
    const audience = new AdsAudience();
    audience.apply(optOut('41', 2, 'user-1'));
    audience.apply(optIn('50', 2, 'user-2'));
    expect(audience.optedOut()).toEqual(['user-1']);
    expect(audience.mayTarget('user-2')).toBe(true);
  });
});
