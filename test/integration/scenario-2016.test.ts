import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptPolicyDocument,
  BusinessMessagingDocument,
  DecisionsDocument,
  HistoryDocument,
  MyConsentDocument,
  PublishPolicyDocument,
  SetBusinessPreferenceDocument,
  SharingDecisionDocument,
  UpdateConsentDocument,
} from '../generated/graphql.js';
import { DAY, startTestServer, type TestServer } from '../support/harness.js';

const V2016 = '2016-08-25';
const ACCEPTED_AT = new Date('2016-09-01T12:00:00.000Z');

describe('the 2016 WhatsApp policy change, end to end over HTTP', () => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const as = (user: string) => ({ token: tokens[user]! });

  beforeAll(async () => {
    server = await startTestServer({ now: ACCEPTED_AT });
    for (const user of ['kept-ticked', 'unticked', 'changes-mind', 'never-accepted', 'shopper']) {
      tokens[user] = await server.token(user);
    }
  });
  afterAll(() => server?.close());

  const decision = async (user: string, purpose: string) => {
    const res = await server.request(DecisionsDocument, { purpose }, as(user));
    expect(res.errors).toBeUndefined();
    return res.data!.dataSubject.filtered[0]!;
  };

  it('a user who leaves the box ticked shares for ads by default', async () => {
    const res = await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, as('kept-ticked'));
    expect(res.data?.acceptPrivacyPolicy.userErrors).toEqual([]);
    expect(res.data?.acceptPrivacyPolicy.consent?.policy?.version).toBe(V2016);
    const ads = await decision('kept-ticked', 'facebook.ads');
    expect(ads).toMatchObject({ allowed: true, reason: 'DEFAULT_GRANTED', policyVersion: V2016, decidedAt: null });
    expect(ads.changeableUntil).toBe(new Date(ACCEPTED_AT.getTime() + 30 * DAY).toISOString());
  });

  it('a user who unticks the box at acceptance withdraws ads and friend suggestions together', async () => {
    const res = await server.request(
      AcceptPolicyDocument,
      { input: { version: V2016, choices: [{ purpose: 'facebook.ads', granted: false }] } },
      as('unticked'),
    );
    expect(res.data?.acceptPrivacyPolicy.userErrors).toEqual([]);
    expect(res.data?.acceptPrivacyPolicy.consent?.version).toBe(1);
    expect(await decision('unticked', 'facebook.ads')).toMatchObject({ allowed: false, reason: 'USER_WITHDRAWN' });
    expect(await decision('unticked', 'facebook.friend_suggestions')).toMatchObject({ allowed: false, reason: 'USER_WITHDRAWN' });
  });

  it('after opting out, the "other purposes" continue as essential', async () => {
    for (const purpose of ['facebook.security', 'facebook.integrity', 'facebook.analytics', 'facebook.infrastructure']) {
      expect(await decision('unticked', purpose)).toMatchObject({ allowed: true, reason: 'ESSENTIAL' });
    }
  });

  it('message content to facebook and phone numbers to advertisers are prohibited', async () => {
    for (const [recipient, dataCategory] of [
      ['facebook', 'message_content'],
      ['advertisers', 'phone_number'],
    ] as const) {
      const res = await server.request(SharingDecisionDocument, { recipient, dataCategory }, as('kept-ticked'));
      expect(res.data?.dataSubject.dataSharingDecision).toMatchObject({ allowed: false, reason: 'PROHIBITED' });
    }
    const filtered = await server.request(DecisionsDocument, { dataCategory: 'message_content' }, as('kept-ticked'));
    expect(filtered.data?.dataSubject.filtered.length).toBe(8);
    expect(new Set(filtered.data?.dataSubject.filtered.map((d) => d.reason))).toEqual(new Set(['PROHIBITED']));
  });

  it('a user who never accepted shares nothing and must consent', async () => {
    const res = await server.request(MyConsentDocument, {}, as('never-accepted'));
    const subject = res.data!.dataSubject;
    expect(subject.consent).toMatchObject({ version: 0, needsReconsent: true, policy: null, acceptedAt: null, choices: [] });
    expect(subject.dataSharingPurposes).toHaveLength(8);
    expect(new Set(subject.dataSharingPurposes.map((d) => d.reason))).toEqual(new Set(['POLICY_NOT_ACCEPTED']));
  });

  it('a change inside the 30-day window is recorded, and one after it is refused with the deadline', async () => {
    await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, as('changes-mind'));
    server.advance(30 * DAY - 1000);
    const inside = await server.request(
      UpdateConsentDocument,
      { input: { choices: [{ purpose: 'facebook.account_sharing', granted: false }] } },
      as('changes-mind'),
    );
    expect(inside.data?.updateConsent.userErrors).toEqual([]);
    const choices = inside.data?.updateConsent.consent?.choices ?? [];
    expect(choices.map((c) => [c.purpose.key, c.granted, c.source])).toEqual([
      ['facebook.ads', false, 'USER'],
      ['facebook.friend_suggestions', false, 'USER'],
      ['business.marketing', true, 'DEFAULT'],
    ]);

    server.advance(1000);
    const deadline = new Date(ACCEPTED_AT.getTime() + 30 * DAY).toISOString();
    const after = await server.request(
      UpdateConsentDocument,
      { input: { choices: [{ purpose: 'facebook.ads', granted: true }] } },
      as('changes-mind'),
    );
    expect(after.data?.updateConsent.userErrors).toEqual([
      expect.objectContaining({ code: 'CHANGE_WINDOW_CLOSED', deadline, field: ['input', 'choices', '0', 'granted'] }),
    ]);
    expect(after.data?.updateConsent.consent?.version).toBe(inside.data?.updateConsent.consent?.version);
    expect(await decision('changes-mind', 'facebook.ads')).toMatchObject({ allowed: false, reason: 'USER_WITHDRAWN' });
    server.setNow(ACCEPTED_AT);
  });

  it('marketing refused by one business is still allowed for another, and a blocked business gets nothing', async () => {
    await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, as('shopper'));
    const refuse = await server.request(
      SetBusinessPreferenceDocument,
      { input: { businessId: 'acme-shoes', category: 'MARKETING', allowed: false } },
      as('shopper'),
    );
    expect(refuse.data?.setBusinessMessagingPreference.userErrors).toEqual([]);
    await server.request(SetBusinessPreferenceDocument, { input: { businessId: 'spam-co', blocked: true } }, as('shopper'));

    const of = async (businessId: string) =>
      (await server.request(BusinessMessagingDocument, { businessId }, as('shopper'))).data!.dataSubject.consent.businessMessaging[0]!;
    expect(await of('acme-shoes')).toMatchObject({ marketing: false, marketingReason: 'USER_WITHDRAWN', transactional: true });
    expect(await of('other-shop')).toMatchObject({ marketing: true, marketingReason: 'DEFAULT_GRANTED', transactional: true });
    expect(await of('spam-co')).toMatchObject({
      blocked: true,
      marketing: false,
      transactional: false,
      transactionalReason: 'BUSINESS_BLOCKED',
    });
  });

  it('every accepted change is in the ledger once, with actor, channel, time and values', async () => {
    const res = await server.request(HistoryDocument, { first: 10 }, as('unticked'));
    const events = res.data!.dataSubject.consent.history.edges.map((e) => e.node);
    expect(events.map((e) => [e.type, e.purposeKey, e.previousValue, e.newValue, e.channel, e.actor])).toEqual([
      ['CHOICE_CHANGED', 'facebook.friend_suggestions', 'default:granted', 'withdrawn', 'ACCEPTANCE', 'unticked'],
      ['CHOICE_CHANGED', 'facebook.ads', 'default:granted', 'withdrawn', 'ACCEPTANCE', 'unticked'],
      ['POLICY_ACCEPTED', null, null, V2016, 'ACCEPTANCE', 'unticked'],
    ]);
    expect(new Set(events.map((e) => e.occurredAt))).toEqual(new Set([ACCEPTED_AT.toISOString()]));
    expect(new Set(events.map((e) => e.consentVersion))).toEqual(new Set([1]));
  });

  it('a published stricter version makes everyone need to re-consent once it is live', async () => {
    const admin = await server.token('policy-team', 'consent:admin');
    const effectiveAt = new Date(server.now().getTime() + DAY).toISOString();
    const published = await server.request(
      PublishPolicyDocument,
      {
        input: {
          version: '2018-05-25',
          effectiveAt,
          purposes: [
            {
              key: 'facebook.ads',
              title: 'Ads on Facebook',
              description: 'Only if you opt in.',
              recipient: 'facebook',
              dataCategories: ['phone_number', 'account_info'],
              legalBasis: 'CONSENT',
              control: 'WITHDRAW',
              defaultGranted: false,
            },
          ],
          prohibitions: [{ dataCategory: 'message_content' }, { recipient: 'advertisers', dataCategory: 'phone_number' }],
        },
      },
      { token: admin },
    );
    expect(published.data?.publishPrivacyPolicy).toMatchObject({ userErrors: [], policy: { version: '2018-05-25', status: 'SCHEDULED' } });
    expect((await server.request(MyConsentDocument, {}, as('kept-ticked'))).data?.dataSubject.consent.needsReconsent).toBe(false);
    server.advance(DAY);
    const after = await server.request(MyConsentDocument, {}, as('kept-ticked'));
    expect(after.data?.dataSubject.consent).toMatchObject({ needsReconsent: true, policy: { version: V2016 } });
    expect(after.data?.dataSubject.dataSharingPurposes.find((d) => d.purpose.key === 'facebook.ads')).toMatchObject({
      allowed: true,
      reason: 'DEFAULT_GRANTED',
      policyVersion: V2016,
    });
  });
});
