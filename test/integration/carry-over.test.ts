import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WHATSAPP_2016 } from '../../src/policies/bundled.js';
import {
  AcceptPolicyDocument,
  BusinessMessagingDocument,
  DecisionsDocument,
  HistoryDocument,
  MyConsentDocument,
  PublishPolicyDocument,
  SetBusinessPreferenceDocument,
  UpdateConsentDocument,
  type PurposeInput,
} from '../generated/graphql.js';
import { DAY, startTestServer, type TestServer } from '../support/harness.js';

const V2016 = '2016-08-25';
const V2 = '2017-06-01';
const V3 = '2018-05-25';
const ACCEPTED_AT = new Date('2016-09-01T12:00:00.000Z');

/** The 2016 purposes as publish input, with `patch` applied to the purposes it names. */
function purposes2016(patch: Record<string, Partial<PurposeInput>> = {}): PurposeInput[] {
  return WHATSAPP_2016.purposes.map((p) => ({
    key: p.key,
    title: p.title,
    description: p.description,
    recipient: p.recipient,
    dataCategories: [...p.dataCategories],
    legalBasis: p.legalBasis,
    control: p.control,
    defaultGranted: p.defaultGranted,
    changeWindowDays: p.changeWindowDays,
    choiceGroup: p.choiceGroup,
    ...patch[p.key],
  }));
}

const PROHIBITIONS = WHATSAPP_2016.prohibitions.map((p) => ({ recipient: p.recipient, dataCategory: p.dataCategory }));

describe('choices and business preferences across policy versions, over HTTP', () => {
  let server: TestServer;
  let admin: string;
  const tokens: Record<string, string> = {};
  const as = (user: string) => ({ token: tokens[user]! });

  /** Publishes `version` to go live one day from now, then moves the clock past it. */
  async function publishAndGoLive(version: string, purposes: PurposeInput[]): Promise<void> {
    const effectiveAt = new Date(server.now().getTime() + DAY).toISOString();
    const res = await server.request(
      PublishPolicyDocument,
      { input: { version, effectiveAt, purposes, prohibitions: PROHIBITIONS } },
      { token: admin },
    );
    expect(res.data?.publishPrivacyPolicy.userErrors).toEqual([]);
    server.advance(2 * DAY);
  }

  async function accept(user: string, version: string, choices: { purpose: string; granted: boolean }[] = []) {
    const res = await server.request(AcceptPolicyDocument, { input: { version, choices } }, as(user));
    expect(res.data?.acceptPrivacyPolicy.userErrors).toEqual([]);
    return res.data!.acceptPrivacyPolicy.consent!;
  }

  const decision = async (user: string, purpose: string) =>
    (await server.request(DecisionsDocument, { purpose }, as(user))).data!.dataSubject.filtered[0]!;

  const business = async (user: string, businessId: string) =>
    (await server.request(BusinessMessagingDocument, { businessId }, as(user))).data!.dataSubject.consent.businessMessaging[0]!;

  const ledger = async (user: string) =>
    (await server.request(HistoryDocument, { first: 100 }, as(user))).data!.dataSubject.consent.history.edges.map((e) => e.node);

  const setPreference = async (
    user: string,
    input: { businessId: string; category?: 'MARKETING' | 'TRANSACTIONAL'; allowed?: boolean; blocked?: boolean },
  ) => {
    const res = await server.request(SetBusinessPreferenceDocument, { input }, as(user));
    expect(res.data?.setBusinessMessagingPreference.userErrors).toEqual([]);
  };

  beforeAll(async () => {
    server = await startTestServer({ now: ACCEPTED_AT });
    admin = await server.token('policy-team', 'consent:admin');
    for (const user of ['opted-out', 'opted-in', 'shopper', 'marketing-off']) tokens[user] = await server.token(user);

    // Under 2016: one user unticks the box, one ticks it explicitly; the shopper sets businesses.
    await accept('opted-out', V2016, [{ purpose: 'facebook.account_sharing', granted: false }]);
    await accept('opted-in', V2016, [{ purpose: 'facebook.account_sharing', granted: true }]);
    await accept('shopper', V2016);
    await setPreference('shopper', { businessId: 'spam-co', blocked: true });
    await setPreference('shopper', { businessId: 'acme-shoes', category: 'MARKETING', allowed: false });
    await setPreference('shopper', { businessId: 'corner-shop', category: 'MARKETING', allowed: true });
  });
  afterAll(() => server?.close());

  describe('after accepting a republished version with the very same purposes', () => {
    beforeAll(async () => {
      await publishAndGoLive(V2, purposes2016());
    });

    it('keeps the 2016 opt-out: USER_WITHDRAWN, dated when it was made, carried from 2016', async () => {
      const consent = await accept('opted-out', V2);
      const acceptedAt = server.now();
      const ads = consent.choices.find((c) => c.purpose.key === 'facebook.ads');
      expect(ads).toMatchObject({
        granted: false,
        source: 'USER',
        decidedAt: ACCEPTED_AT.toISOString(),
        carriedFrom: V2016,
        grantNotCarriedFrom: null,
        changeableUntil: new Date(acceptedAt.getTime() + 30 * DAY).toISOString(),
      });
      for (const purpose of ['facebook.ads', 'facebook.friend_suggestions']) {
        expect(await decision('opted-out', purpose)).toMatchObject({
          allowed: false,
          reason: 'USER_WITHDRAWN',
          policyVersion: V2,
          decidedAt: ACCEPTED_AT.toISOString(),
        });
      }
    });

    it('records one CHOICE_CARRIED event per carried choice, in the acceptance itself', async () => {
      const events = await ledger('opted-out');
      const acceptance = events.find((e) => e.type === 'POLICY_ACCEPTED' && e.newValue === V2)!;
      const carried = events.filter((e) => e.type === 'CHOICE_CARRIED');
      expect(carried.map((e) => [e.purposeKey, e.previousValue, e.newValue, e.policyVersion, e.carriedFrom])).toEqual([
        ['facebook.friend_suggestions', 'withdrawn', 'withdrawn', V2, V2016],
        ['facebook.ads', 'withdrawn', 'withdrawn', V2, V2016],
      ]);
      expect(new Set(carried.map((e) => e.consentVersion))).toEqual(new Set([acceptance.consentVersion]));
    });

    it('keeps an explicit grant too, since the purpose did not change', async () => {
      await accept('opted-in', V2);
      expect(await decision('opted-in', 'facebook.ads')).toMatchObject({ allowed: true, reason: 'USER_GRANTED', policyVersion: V2 });
    });

    it('keeps the block, the per-business no and the per-business yes', async () => {
      await accept('shopper', V2);
      expect(await business('shopper', 'spam-co')).toMatchObject({ blocked: true, transactional: false, marketing: false });
      expect(await business('shopper', 'acme-shoes')).toMatchObject({ marketing: false, marketingReason: 'USER_WITHDRAWN' });
      expect(await business('shopper', 'corner-shop')).toMatchObject({ marketing: true, marketingReason: 'USER_GRANTED' });
    });
  });

  describe('after accepting a stricter version with separate, changed purposes', () => {
    beforeAll(async () => {
      // The 2016 group is split; ads now also uses usage data (a material change), and
      // business marketing also uses account information (a material change too).
      await publishAndGoLive(
        V3,
        purposes2016({
          'facebook.ads': { choiceGroup: null, defaultGranted: false, dataCategories: ['phone_number', 'account_info', 'usage_data'] },
          'facebook.friend_suggestions': { choiceGroup: null, defaultGranted: true, changeWindowDays: null },
          'business.marketing': { dataCategories: ['phone_number', 'account_info'] },
        }),
      );
    });

    it('keeps the 2016 opt-out through a second version, still carried from 2016', async () => {
      await accept('opted-out', V3);
      for (const purpose of ['facebook.ads', 'facebook.friend_suggestions']) {
        expect(await decision('opted-out', purpose)).toMatchObject({ allowed: false, reason: 'USER_WITHDRAWN', policyVersion: V3 });
      }
      const choices = (await server.request(MyConsentDocument, {}, as('opted-out'))).data!.dataSubject.consent.choices;
      expect(choices.filter((c) => c.purpose.key.startsWith('facebook.')).map((c) => [c.purpose.key, c.carriedFrom, c.decidedAt])).toEqual([
        ['facebook.ads', V2016, ACCEPTED_AT.toISOString()],
        ['facebook.friend_suggestions', V2016, ACCEPTED_AT.toISOString()],
      ]);
    });

    it('does not carry a grant whose purpose changed, and says so', async () => {
      await accept('opted-in', V3);
      expect(await decision('opted-in', 'facebook.ads')).toMatchObject({ allowed: false, reason: 'DEFAULT_DENIED', policyVersion: V3 });
      const choices = (await server.request(MyConsentDocument, {}, as('opted-in'))).data!.dataSubject.consent.choices;
      expect(choices.find((c) => c.purpose.key === 'facebook.ads')).toMatchObject({
        granted: false,
        source: 'DEFAULT',
        carriedFrom: null,
        grantNotCarriedFrom: V2016,
      });
      expect(choices.find((c) => c.purpose.key === 'facebook.friend_suggestions')).toMatchObject({ granted: true, carriedFrom: V2016 });
      const events = await ledger('opted-in');
      expect(events.find((e) => e.type === 'GRANT_NOT_CARRIED')).toMatchObject({
        purposeKey: 'facebook.ads',
        previousValue: 'granted',
        newValue: 'default:withdrawn',
        policyVersion: V3,
        carriedFrom: V2016,
      });
    });

    it('keeps the block and the per-business no, and drops the per-business yes to marketing that changed', async () => {
      await accept('shopper', V3);
      expect(await business('shopper', 'spam-co')).toMatchObject({ blocked: true, transactional: false, marketing: false });
      expect(await business('shopper', 'acme-shoes')).toMatchObject({ marketing: false, marketingReason: 'USER_WITHDRAWN' });
      expect(await business('shopper', 'corner-shop')).toMatchObject({ marketing: true, marketingReason: 'DEFAULT_GRANTED' });
      const events = await ledger('shopper');
      const lastAcceptance = events.filter((e) => e.consentVersion === events[0]!.consentVersion);
      expect(lastAcceptance.map((e) => [e.type, e.businessId, e.setting, e.newValue]).reverse()).toEqual([
        ['POLICY_ACCEPTED', null, null, V3],
        ['BUSINESS_PREFERENCE_CARRIED', 'acme-shoes', 'MARKETING', 'false'],
        ['BUSINESS_GRANT_NOT_CARRIED', 'corner-shop', 'MARKETING', 'unset'],
        ['BUSINESS_PREFERENCE_CARRIED', 'spam-co', 'BLOCKED', 'true'],
      ]);
    });
  });

  describe('"off for all businesses"', () => {
    const marketing = async (user: string, granted: boolean) => {
      const res = await server.request(
        UpdateConsentDocument,
        { input: { choices: [{ purpose: 'business.marketing', granted }] } },
        as(user),
      );
      expect(res.data?.updateConsent.userErrors).toEqual([]);
      return res.data!.updateConsent.consent!.version;
    };

    it('turns marketing off for every business allowed one by one before, one ledger event each', async () => {
      await accept('marketing-off', V3);
      await setPreference('marketing-off', { businessId: 'shop-a', category: 'MARKETING', allowed: true });
      await setPreference('marketing-off', { businessId: 'shop-b', category: 'MARKETING', allowed: true });
      await setPreference('marketing-off', { businessId: 'shop-c', category: 'MARKETING', allowed: false });
      const version = await marketing('marketing-off', false);
      for (const shop of ['shop-a', 'shop-b', 'shop-c', 'never-set']) {
        expect(await business('marketing-off', shop)).toMatchObject({ marketing: false });
      }
      const write = (await ledger('marketing-off')).filter((e) => e.consentVersion === version);
      expect(write.map((e) => [e.type, e.purposeKey ?? e.businessId, e.previousValue, e.newValue]).reverse()).toEqual([
        ['CHOICE_CHANGED', 'business.marketing', 'default:granted', 'withdrawn'],
        ['BUSINESS_PREFERENCE_CHANGED', 'shop-a', 'true', 'unset'],
        ['BUSINESS_PREFERENCE_CHANGED', 'shop-b', 'true', 'unset'],
      ]);
    });

    it('lets a later per-business yes apply to that business only, until the switch is sent again', async () => {
      await setPreference('marketing-off', { businessId: 'shop-d', category: 'MARKETING', allowed: true });
      expect(await business('marketing-off', 'shop-d')).toMatchObject({ marketing: true, marketingReason: 'USER_GRANTED' });
      expect(await business('marketing-off', 'shop-a')).toMatchObject({ marketing: false });

      const version = await marketing('marketing-off', false);
      expect(await business('marketing-off', 'shop-d')).toMatchObject({ marketing: false, marketingReason: 'USER_WITHDRAWN' });
      const write = (await ledger('marketing-off')).filter((e) => e.consentVersion === version);
      expect(write.map((e) => [e.type, e.businessId, e.newValue])).toEqual([['BUSINESS_PREFERENCE_CHANGED', 'shop-d', 'unset']]);

      // Nothing left to clear: nothing is recorded.
      expect(await marketing('marketing-off', false)).toBe(version);
    });

    it('never clears a block or a per-business no when marketing is switched back on', async () => {
      await setPreference('marketing-off', { businessId: 'shop-e', blocked: true });
      await marketing('marketing-off', true);
      expect(await business('marketing-off', 'shop-c')).toMatchObject({ marketing: false, marketingReason: 'USER_WITHDRAWN' });
      expect(await business('marketing-off', 'shop-e')).toMatchObject({ blocked: true, marketing: false });
      expect(await business('marketing-off', 'shop-a')).toMatchObject({ marketing: true, marketingReason: 'USER_GRANTED' });
    });
  });
});
