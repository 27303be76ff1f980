/**
 * The sentence the product exists for: the ads/social graph and the messaging
 * graph resolve sharing permissions through a federated gateway. Each story
 * runs through every gateway, on every database dialect available.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FederatedGraph, DIALECTS, GATEWAYS, startFederatedGraph } from '../fixtures/federated-graph.js';
import { numberedAccounts } from '../fixtures/subgraphs/accounts/accounts.subgraph.js';
import type { QueuedMessage } from '../fixtures/subgraphs/messaging/messaging.subgraph.js';
import { dataStatements } from '../support/harness.js';

const V2016 = '2016-08-25';

const person = (id: string) => ({ id, name: id[0]!.toUpperCase() + id.slice(1), phoneNumber: `+31 6 ${id.length}000 0000` });
const ACCOUNTS = [...numberedAccounts(100), ...['alice', 'bob', 'carol', 'dave', 'erin'].map(person)];
const FRIENDS = new Map([
  ['alice', ['bob']],
  ['bob', ['alice', 'carol']],
  ['carol', ['bob']],
]);
const BUSINESSES = [
  { id: 'acme-shoes', name: 'Acme Shoes' },
  { id: 'globex-air', name: 'Globex Air' },
];
const message = (userId: string, businessId: string, category: QueuedMessage['category']): QueuedMessage => ({
  id: `${businessId}:${category.toLowerCase()}:${userId}`,
  businessId,
  userId,
  category,
  text: category === 'TRANSACTIONAL' ? 'Your receipt' : 'A new offer',
});
const OUTBOX = [
  message('dave', 'acme-shoes', 'TRANSACTIONAL'),
  message('dave', 'acme-shoes', 'MARKETING'),
  message('dave', 'globex-air', 'TRANSACTIONAL'),
  message('dave', 'globex-air', 'MARKETING'),
  message('erin', 'acme-shoes', 'TRANSACTIONAL'),
];

const ACCEPT = /* GraphQL */ `
  mutation Accept($input: AcceptPrivacyPolicyInput!) {
    acceptPrivacyPolicy(input: $input) { userErrors { code } consent { version } }
  }
`;
const UPDATE = /* GraphQL */ `
  mutation Update($input: UpdateConsentInput!) {
    updateConsent(input: $input) { userErrors { code } consent { version } }
  }
`;
const SET_BUSINESS = /* GraphQL */ `
  mutation SetBusiness($input: SetBusinessMessagingPreferenceInput!) {
    setBusinessMessagingPreference(input: $input) { userErrors { code } }
  }
`;
const MY_ADS = /* GraphQL */ `
  query MyAds {
    me { id suggestedAds { id targeted } friendSuggestions { id name } spamCheck { active purpose } }
  }
`;
const MY_INBOX = /* GraphQL */ `
  query MyInbox {
    me { deliverableBusinessMessages { id category business { name } } }
  }
`;

interface MyAds {
  me: {
    id: string;
    suggestedAds: { id: string; targeted: boolean }[];
    friendSuggestions: { id: string; name: string }[];
    spamCheck: { active: boolean; purpose: string };
  };
}

const cases = DIALECTS.flatMap((dialect) => GATEWAYS.map((gateway) => [gateway, dialect] as const));

describe.each(cases)('sharing permissions through the %s gateway, consent on %s', (gatewayKind, dialect) => {
  let graph: FederatedGraph;
  const tokens = new Map<string, string>();
  const as = (user: string) => tokens.get(user)!;

  beforeAll(async () => {
    graph = await startFederatedGraph(dialect, gatewayKind, {
      accounts: ACCOUNTS,
      friends: FRIENDS,
      businesses: BUSINESSES,
      outbox: OUTBOX,
    });
    for (const { id } of ACCOUNTS) tokens.set(id, await graph.consent.token(id));
  });
  afterAll(() => graph?.close());

  const send = async <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> | undefined, user: string) => {
    const res = await graph.request<T>(query, variables, as(user));
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const accept = async (user: string, choices?: { purpose: string; granted: boolean }[]) => {
    const data = await send<{ acceptPrivacyPolicy: { userErrors: unknown[] } }>(ACCEPT, { input: { version: V2016, choices } }, user);
    expect(data.acceptPrivacyPolicy.userErrors).toEqual([]);
  };
  const inbox = async (user: string) =>
    (await send<{ me: { deliverableBusinessMessages: { id: string }[] } }>(MY_INBOX, undefined, user)).me.deliverableBusinessMessages
      .map((m) => m.id)
      .sort();

  describe('the ads and social graph', () => {
    it('shows a user who has accepted no policy only non-targeted ads, no friend suggestions and no spam checks', async () => {
      const { me } = await send<MyAds>(MY_ADS, undefined, 'alice');
      expect(me.suggestedAds.map((ad) => ad.targeted)).toEqual([false]);
      expect(me.friendSuggestions).toEqual([]);
      expect(me.spamCheck.active).toBe(false);
    });

    it('targets ads and suggests friends once the user accepts the 2016 policy with the box ticked', async () => {
      await accept('alice');
      const { me } = await send<MyAds>(MY_ADS, undefined, 'alice');
      expect(me.suggestedAds).toEqual([{ id: 'ad-for-alice', targeted: true }]);
      expect(me.friendSuggestions).toEqual([{ id: 'carol', name: 'Carol' }]);
      expect(me.spamCheck).toEqual({ active: true, purpose: 'facebook.integrity' });
    });

    it('after an opt-out through the gateway, the very next query shows only non-targeted ads and no friend suggestions, while spam checks go on', async () => {
      const data = await send<{ updateConsent: { userErrors: unknown[]; consent: { version: number } } }>(
        UPDATE,
        { input: { choices: [{ purpose: 'facebook.ads', granted: false }] } },
        'alice',
      );
      expect(data.updateConsent).toEqual({ userErrors: [], consent: { version: 2 } });
      const { me } = await send<MyAds>(MY_ADS, undefined, 'alice');
      expect(me.suggestedAds.map((ad) => ad.targeted)).toEqual([false]);
      expect(me.friendSuggestions).toEqual([]);
      expect(me.spamCheck.active).toBe(true);
    });

    it('answers one query spanning accounts, consent and ads, a filtered consent selection aliased beside the @requires', async () => {
      await accept('bob');
      // Un-aliased, the filtered list would reach the ads graph as its @requires input (apollographql/federation#2276).
      const data = await send<{
        me: {
          name: string;
          consent: { policy: { version: string } };
          integrity: { allowed: boolean; reason: string }[];
          dataSharingPurposes: { purpose: { key: string } }[];
          suggestedAds: { targeted: boolean }[];
        };
      }>(
        /* GraphQL */ `
          query Everything {
            me {
              name
              consent { policy { version } }
              integrity: dataSharingPurposes(purpose: "facebook.integrity") { allowed reason }
              dataSharingPurposes { purpose { key } }
              suggestedAds { targeted }
            }
          }
        `,
        undefined,
        'bob',
      );
      expect(data.me.name).toBe('Bob');
      expect(data.me.consent.policy.version).toBe(V2016);
      expect(data.me.integrity).toEqual([{ allowed: true, reason: 'ESSENTIAL' }]);
      expect(data.me.dataSharingPurposes).toHaveLength(8);
      expect(data.me.suggestedAds).toEqual([{ targeted: true }]);
    });
  });

  describe('the messaging graph', () => {
    it('delivers no business message, not even a receipt, to a user who has accepted no policy', async () => {
      expect(await inbox('erin')).toEqual([]);
    });

    it('delivers every queued receipt and offer once the user accepts the 2016 policy', async () => {
      await accept('dave');
      expect(await inbox('dave')).toEqual(
        OUTBOX.filter((m) => m.userId === 'dave')
          .map((m) => m.id)
          .sort(),
      );
    });

    it("stops one business's marketing after the user refuses it, but not its receipts nor another business's offers", async () => {
      await send(SET_BUSINESS, { input: { businessId: 'acme-shoes', category: 'MARKETING', allowed: false } }, 'dave');
      expect(await inbox('dave')).toEqual(['acme-shoes:transactional:dave', 'globex-air:marketing:dave', 'globex-air:transactional:dave']);
    });

    it('stops everything from a business the user blocks, and only from it', async () => {
      await send(SET_BUSINESS, { input: { businessId: 'acme-shoes', blocked: true } }, 'dave');
      expect(await inbox('dave')).toEqual(['globex-air:marketing:dave', 'globex-air:transactional:dave']);
    });

    it('stops offers from businesses the user never set once business marketing is withdrawn for all, and receipts still arrive', async () => {
      await send(UPDATE, { input: { choices: [{ purpose: 'business.marketing', granted: false }] } }, 'dave');
      expect(await inbox('dave')).toEqual(['globex-air:transactional:dave']);
    });
  });

  describe('a batch over many users', () => {
    const USERS_ADS = /* GraphQL */ `
      query UsersAds($first: Int) {
        users(first: $first) { id suggestedAds { targeted } }
      }
    `;

    const measure = async (first: number, token: string) => {
      graph.consent.statements.length = 0;
      graph.gateway.subgraphRequests.length = 0;
      const res = await graph.request<{ users: { id: string; suggestedAds: { targeted: boolean }[] }[] }>(USERS_ADS, { first }, token);
      expect(res.errors).toBeUndefined();
      return {
        users: res.data!.users,
        consentRequests: graph.gateway.subgraphRequests.filter((r) => r.subgraph === 'consent'),
        statements: dataStatements(graph.consent.statements),
      };
    };

    it('reaches the consent subgraph as one _entities batch with the same few SQL statements for 10 users as for 100', async () => {
      await accept('user-001');
      await accept('user-002', [{ purpose: 'facebook.account_sharing', granted: false }]);
      const rankingService = await graph.consent.token('ads-ranking', 'consent:read');

      const ten = await measure(10, rankingService);
      const hundred = await measure(100, rankingService);

      expect(hundred.users).toHaveLength(100);
      expect(hundred.users.slice(0, 3).map((u) => [u.id, u.suggestedAds[0]?.targeted])).toEqual([
        ['user-001', true],
        ['user-002', false],
        ['user-003', false],
      ]);
      expect(hundred.consentRequests.map((r) => [r.representations, r.query.includes('_entities')])).toEqual([[100, true]]);
      expect(ten.consentRequests.map((r) => r.representations)).toEqual([10]);
      expect(hundred.statements.length).toBe(ten.statements.length);
      expect(hundred.statements.length).toBeLessThanOrEqual(3);
    });
  });

  describe('authorization through the gateway', () => {
    const denied = (errors: readonly { extensions?: { code?: string } }[] | undefined) => errors?.map((e) => e.extensions?.code);

    it("refuses a user asking for another user's consent with FORBIDDEN, and returns none of it", async () => {
      const res = await graph.request<{ user: unknown }>(
        /* GraphQL */ `
          query Snoop {
            user(id: "dave") {
              id
              consent { needsReconsent businessMessaging { businessId blocked } }
              dataSharingPurposes { purpose { key } allowed }
            }
          }
        `,
        undefined,
        as('alice'),
      );
      expect(denied(res.errors)).toContain('FORBIDDEN');
      expect(res.data?.user ?? null).toBeNull();
      expect(JSON.stringify(res.data ?? null)).not.toMatch(/acme|needsReconsent|allowed/);
    });

    it('refuses a user asking for another data subject by id with FORBIDDEN', async () => {
      const res = await graph.request(`query { dataSubject(id: "dave") { consent { needsReconsent } } }`, undefined, as('alice'));
      expect(denied(res.errors)).toEqual(['FORBIDDEN']);
      expect(res.data ?? null).toBeNull();
    });

    it('refuses a caller without a token with UNAUTHENTICATED', async () => {
      const res = await graph.request('query { dataSubject { id consent { version } } }');
      expect(denied(res.errors)).toEqual(['UNAUTHENTICATED']);
      expect(res.data ?? null).toBeNull();
    });
  });
});
