/**
 * Policies and small builders shared by the domain unit tests.
 *
 * POLICY_2016 is the very policy the service ships (src/policies/), so the
 * tests check the real data. GDPR_POLICY is the stricter later version the
 * spec asks the service to accept as plain data.
 */
import type { ConsentState, RecordedChoice } from '../../src/domain/decision.js';
import type { PolicyDraft } from '../../src/domain/policy-validation.js';
import type { Policy, Purpose } from '../../src/domain/policy.js';
import { WHATSAPP_2016 } from '../../src/policies/bundled.js';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const SECOND_MS = 1000;

export function plus(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}

/** The shipped 2016 policy, parsed by the service's own loader. */
export const POLICY_2016: Policy = WHATSAPP_2016;

export const V2016 = '2016-08-25';
export const VGDPR = '2018-05-25';
export const ACCOUNT_SHARING = 'facebook.account_sharing';

/**
 * The stricter version: the two Facebook purposes are separate choices with
 * no group, not granted by default and changeable any time; business
 * marketing is off until the user opts in. Everything else as in 2016.
 */
export const GDPR_POLICY: Policy = {
  version: VGDPR,
  url: 'https://www.whatsapp.com/legal/privacy-policy-eea',
  publishedAt: new Date('2018-04-24T00:00:00.000Z'),
  effectiveAt: new Date('2018-05-25T00:00:00.000Z'),
  purposes: [
    {
      key: 'facebook.ads',
      title: 'More relevant ads on Facebook',
      description: 'Only if you opt in: we share your phone number and account information with Facebook to make its ads more relevant.',
      recipient: 'facebook',
      dataCategories: ['phone_number', 'account_info'],
      legalBasis: 'CONSENT',
      control: 'WITHDRAW',
      defaultGranted: false,
      changeWindowDays: null,
      choiceGroup: null,
    },
    {
      key: 'facebook.friend_suggestions',
      title: 'Facebook product experiences',
      description: 'Only if you opt in: we share your phone number and account information with Facebook for friend suggestions.',
      recipient: 'facebook',
      dataCategories: ['phone_number', 'account_info'],
      legalBasis: 'CONSENT',
      control: 'WITHDRAW',
      defaultGranted: false,
      changeWindowDays: null,
      choiceGroup: null,
    },
    {
      key: 'facebook.analytics',
      title: 'Basic metrics',
      description: 'The Facebook companies track basic metrics about how often people use our services.',
      recipient: 'facebook',
      dataCategories: ['account_info', 'usage_data', 'device_info'],
      legalBasis: 'LEGITIMATE_INTEREST',
      control: 'NONE',
      defaultGranted: true,
      changeWindowDays: null,
      choiceGroup: null,
    },
    {
      key: 'facebook.infrastructure',
      title: 'Infrastructure and delivery',
      description: 'The Facebook companies improve the infrastructure and delivery systems that carry your messages.',
      recipient: 'facebook',
      dataCategories: ['account_info', 'device_info'],
      legalBasis: 'LEGITIMATE_INTEREST',
      control: 'NONE',
      defaultGranted: true,
      changeWindowDays: null,
      choiceGroup: null,
    },
    {
      key: 'facebook.security',
      title: 'Securing systems',
      description: 'The Facebook companies keep our systems and your account secure.',
      recipient: 'facebook',
      dataCategories: ['phone_number', 'account_info', 'device_info'],
      legalBasis: 'LEGITIMATE_INTEREST',
      control: 'NONE',
      defaultGranted: true,
      changeWindowDays: null,
      choiceGroup: null,
    },
    {
      key: 'facebook.integrity',
      title: 'Fighting spam and abuse',
      description: 'The Facebook companies fight spam, abuse and infringement.',
      recipient: 'facebook',
      dataCategories: ['phone_number', 'account_info', 'usage_data'],
      legalBasis: 'LEGITIMATE_INTEREST',
      control: 'NONE',
      defaultGranted: true,
      changeWindowDays: null,
      choiceGroup: null,
    },
    {
      key: 'business.transactional',
      title: 'Messages about your orders and bookings',
      description: 'Businesses you deal with may message you about orders, receipts, delivery, appointments and flights.',
      recipient: 'businesses',
      dataCategories: ['phone_number'],
      legalBasis: 'CONTRACT',
      control: 'NONE',
      defaultGranted: true,
      changeWindowDays: null,
      choiceGroup: null,
    },
    {
      key: 'business.marketing',
      title: 'Marketing from businesses',
      description: 'Only if you opt in: businesses may message you about product updates and offers.',
      recipient: 'businesses',
      dataCategories: ['phone_number'],
      legalBasis: 'CONSENT',
      control: 'WITHDRAW',
      defaultGranted: false,
      changeWindowDays: null,
      choiceGroup: null,
    },
  ],
  prohibitions: [
    { recipient: null, dataCategory: 'message_content' },
    { recipient: 'advertisers', dataCategory: 'phone_number' },
  ],
  recipients: WHATSAPP_2016.recipients,
  dataCategories: WHATSAPP_2016.dataCategories,
};

/** The purpose `key` of `policy`; throws (failing the test) if it is missing. */
export function purposeOf(policy: Policy, key: string): Purpose {
  const purpose = policy.purposes.find((p) => p.key === key);
  if (!purpose) throw new Error(`Policy ${policy.version} has no purpose ${key}`);
  return purpose;
}

/** A copy of `policy` with some fields of the purposes `keys` replaced. */
export function withPurposes(policy: Policy, keys: readonly string[], patch: Partial<Purpose>, version?: string): Policy {
  for (const key of keys) purposeOf(policy, key);
  return {
    ...policy,
    version: version ?? policy.version,
    purposes: policy.purposes.map((p) => (keys.includes(p.key) ? { ...p, ...patch } : p)),
  };
}

/** A copy of `policy` without the purposes `keys`. */
export function withoutPurposes(policy: Policy, keys: readonly string[], version?: string): Policy {
  for (const key of keys) purposeOf(policy, key);
  return { ...policy, version: version ?? policy.version, purposes: policy.purposes.filter((p) => !keys.includes(p.key)) };
}

/** The publishable part of a policy, optionally changed. */
export function draftOf(policy: Policy, patch: Partial<PolicyDraft> = {}): PolicyDraft {
  return {
    version: policy.version,
    effectiveAt: policy.effectiveAt,
    url: policy.url,
    purposes: policy.purposes,
    prohibitions: policy.prohibitions,
    recipients: policy.recipients,
    dataCategories: policy.dataCategories,
    ...patch,
  };
}

export const NO_CONSENT: ConsentState = { acceptance: null, choices: [], grantsNotCarried: [] };

export function acceptedState(
  version: string,
  acceptedAt: Date,
  choices: readonly RecordedChoice[] = [],
  grantsNotCarried: ConsentState['grantsNotCarried'] = [],
): ConsentState {
  return { acceptance: { policyVersion: version, acceptedAt }, choices, grantsNotCarried };
}

export function choice(purposeKey: string, granted: boolean, decidedAt: Date, carriedFrom: string | null = null): RecordedChoice {
  return { purposeKey, granted, decidedAt, carriedFrom };
}
