import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptPolicyDocument,
  AcknowledgeConsentChangesDocument,
  ConsentChangesDocument,
  type ConsentChangesQuery,
  DecisionsDocument,
  PropagationDocument,
  PublishPolicyDocument,
  SetBusinessPreferenceDocument,
  UpdateConsentDocument,
} from '../generated/graphql.js';
import { WHATSAPP_2016 } from '../../src/policies/bundled.js';
import { DAY, dataStatements, startTestServer, type TestServer } from '../support/harness.js';

const V2016 = '2016-08-25';
type Edge = ConsentChangesQuery['consentChanges']['edges'][number];

describe('the change feed', () => {
  let server: TestServer;
  let reader: string;
  let admin: string;
  const user = (id: string) => server.token(id).then((token) => ({ token }));
  const read = (after?: string | null, first?: number, token = reader) =>
    server.request(ConsentChangesDocument, { after, first }, { token });

  /** Every change after `after`, page by page. */
  const follow = async (after: string | null = null, first = 7): Promise<{ edges: Edge[]; endCursor: string | null }> => {
    const edges: Edge[] = [];
    let cursor = after;
    for (;;) {
      const page = (await read(cursor, first)).data!.consentChanges;
      edges.push(...page.edges);
      cursor = page.pageInfo.endCursor ?? null;
      if (!page.pageInfo.hasNextPage) return { edges, endCursor: cursor };
    }
  };
  const endOfFeed = async () => (await follow(null, 500)).endCursor;

  beforeAll(async () => {
    server = await startTestServer();
    reader = await server.token('ads-pipeline', 'consent:read');
    admin = await server.token('support', 'consent:admin');
  });
  afterAll(() => server?.close());

  describe('who may follow it', () => {
    it('refuses a signed-in user, even about their own changes, and anyone without a token', async () => {
      await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, await user('curious'));
      const asUser = await read(null, 10, (await user('curious')).token);
      expect(asUser.data).toBeNull();
      expect(asUser.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      const anonymous = await server.request(ConsentChangesDocument, {}, { token: null });
      expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    });

    it('serves the consent:read and consent:admin scopes', async () => {
      for (const token of [reader, admin]) {
        // PostgreSQL's feed holds back while a transaction it cannot place is running, such as one that
        // ended in another test's database a moment ago (see the horizon in consent-feed.repository.ts).
        await expect.poll(async () => (await read(null, 10, token)).data?.consentChanges.edges.length ?? 0).toBeGreaterThan(0);
        expect((await read(null, 10, token)).errors).toBeUndefined();
      }
    });
  });

  describe('what each change carries', () => {
    it('serves a choice change at once, with the decision right after it for the purpose it touched', async () => {
      const start = await endOfFeed();
      const alice = await user('alice');
      await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, alice);
      await server.request(UpdateConsentDocument, { input: { choices: [{ purpose: 'facebook.ads', granted: false }] } }, alice);

      const { edges } = await follow(start);
      expect(edges.map((e) => [e.node.userId, e.node.consentVersion, e.node.event.type, e.node.event.purposeKey])).toEqual([
        ['alice', 1, 'POLICY_ACCEPTED', null],
        ['alice', 2, 'CHOICE_CHANGED', 'facebook.ads'],
        ['alice', 2, 'CHOICE_CHANGED', 'facebook.friend_suggestions'],
      ]);
      const [accepted, ads] = edges.map((e) => e.node);
      // An acceptance touches every purpose of the version.
      expect(accepted!.decisions.map((d) => d.purpose.key)).toHaveLength(8);
      expect(ads!.decisions).toEqual([
        expect.objectContaining({ purpose: { key: 'facebook.ads' }, allowed: false, reason: 'USER_WITHDRAWN', policyVersion: V2016 }),
      ]);
      expect(ads!.event).toMatchObject({ choiceGroup: 'facebook.account_sharing', actor: 'alice', channel: 'SETTINGS' });
      expect(ads!.businessMessaging).toBeNull();
      expect(edges.map((e) => e.node.id)).toEqual([...new Set(edges.map((e) => e.node.id))]);
    });

    it('carries the effective preference of the business a business setting touched', async () => {
      const start = await endOfFeed();
      const bob = await user('bob');
      await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, bob);
      await server.request(
        SetBusinessPreferenceDocument,
        { input: { businessId: 'acme-shoes', category: 'MARKETING', allowed: false } },
        bob,
      );
      await server.request(SetBusinessPreferenceDocument, { input: { businessId: 'acme-shoes', blocked: true } }, bob);

      // Each change carries the preference right after it, not as it stands when the feed is read.
      const changes = (await follow(start)).edges.map((e) => e.node).filter((n) => n.event.type === 'BUSINESS_PREFERENCE_CHANGED');
      expect(changes.map((c) => [c.event.setting, c.decisions, c.businessMessaging])).toEqual([
        ['MARKETING', [], { businessId: 'acme-shoes', blocked: false, transactional: true, marketing: false }],
        ['BLOCKED', [], { businessId: 'acme-shoes', blocked: true, transactional: false, marketing: false }],
      ]);
    });

    it('carries the decision right after each change, not the one in force when the feed is read', async () => {
      const start = await endOfFeed();
      const fay = await user('fay');
      await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, fay);
      await server.request(UpdateConsentDocument, { input: { choices: [{ purpose: 'facebook.ads', granted: false }] } }, fay);
      await server.request(UpdateConsentDocument, { input: { choices: [{ purpose: 'facebook.ads', granted: true }] } }, fay);

      const ads = (await follow(start)).edges.map((e) => e.node).filter((n) => n.event.purposeKey === 'facebook.ads');
      expect(ads.map((n) => [n.consentVersion, n.decisions.map((d) => d.reason)])).toEqual([
        [2, ['USER_WITHDRAWN']],
        [3, ['USER_GRANTED']],
      ]);
    });

    it("lets a follower rebuild every user's current decisions from the first cursor", async () => {
      const carol = await user('carol');
      await server.request(
        AcceptPolicyDocument,
        { input: { version: V2016, choices: [{ purpose: 'facebook.account_sharing', granted: false }] } },
        carol,
      );
      await server.request(
        UpdateConsentDocument,
        { input: { choices: [{ purpose: 'facebook.friend_suggestions', granted: true }] } },
        carol,
      );

      const rebuilt = new Map<string, Map<string, { allowed: boolean; reason: string }>>();
      for (const { node } of (await follow(null, 3)).edges) {
        const decisions = rebuilt.get(node.userId) ?? new Map();
        for (const d of node.decisions) decisions.set(d.purpose.key, { allowed: d.allowed, reason: d.reason });
        rebuilt.set(node.userId, decisions);
      }
      for (const [userId, decisions] of rebuilt) {
        const current = (await server.request(DecisionsDocument, {}, await user(userId))).data!.dataSubject.all;
        expect(Object.fromEntries(decisions)).toEqual(
          Object.fromEntries(current.map((d) => [d.purpose.key, { allowed: d.allowed, reason: d.reason }])),
        );
      }
      // One checkbox in 2016: granting friend suggestions grants ads too.
      expect(rebuilt.get('carol')?.get('facebook.ads')).toEqual({ allowed: true, reason: 'USER_GRANTED' });
      expect(rebuilt.get('carol')?.get('facebook.friend_suggestions')).toEqual({ allowed: true, reason: 'USER_GRANTED' });
    });
  });

  describe('paging', () => {
    it('pages oldest first without gaps or repeats, and an exhausted page keeps the cursor it was given', async () => {
      const all = (await follow(null, 500)).edges.map((e) => e.node.id);
      const paged = (await follow(null, 2)).edges.map((e) => e.node.id);
      expect(paged).toEqual(all);
      const ids = all.map(Number);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));

      const end = await endOfFeed();
      const empty = (await read(end, 10)).data!.consentChanges;
      expect(empty).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: end } });
    });

    it('refuses a malformed cursor and a page size out of range as client errors', async () => {
      for (const after of ['not-a-cursor', Buffer.from('change:1:x').toString('base64url'), `${(await endOfFeed())!}=`]) {
        const res = await read(after, 10);
        expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      }
      for (const first of [0, 501]) {
        expect((await read(null, first)).errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      }
    });
  });

  describe('acknowledgements and propagation', () => {
    const acknowledge = (consumer: string, cursor: string, token = reader) =>
      server.request(AcknowledgeConsentChangesDocument, { input: { consumer, cursor } }, { token });
    const propagationOf = async (userId: string) =>
      (await server.request(PropagationDocument, { id: userId }, { token: reader })).data!.dataSubject.consent.propagation;

    it("tells whether a consumer has applied a user's latest change, and when", async () => {
      const dave = await user('dave');
      await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, dave);
      const afterAcceptance = await endOfFeed();
      expect(await propagationOf('dave')).toEqual([]);

      const first = await acknowledge('ads-pipeline', afterAcceptance!);
      expect(first.data?.acknowledgeConsentChanges).toEqual({
        consumer: 'ads-pipeline',
        cursor: afterAcceptance,
        acknowledgedAt: server.now().toISOString(),
        userErrors: [],
      });
      expect(await propagationOf('dave')).toEqual([
        { consumer: 'ads-pipeline', upToDate: true, acknowledgedAt: server.now().toISOString() },
      ]);

      // The opt-out is not applied until the consumer acknowledges past it.
      await server.request(UpdateConsentDocument, { input: { choices: [{ purpose: 'facebook.ads', granted: false }] } }, dave);
      expect(await propagationOf('dave')).toEqual([{ consumer: 'ads-pipeline', upToDate: false, acknowledgedAt: null }]);
      server.advance(5_000);
      const afterOptOut = await endOfFeed();
      await acknowledge('ads-pipeline', afterOptOut!);
      const appliedAt = server.now().toISOString();
      server.advance(5_000);
      // A later acknowledgement does not move when the opt-out was applied.
      await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, await user('erin'));
      await acknowledge('ads-pipeline', (await endOfFeed())!);
      expect(await propagationOf('dave')).toEqual([{ consumer: 'ads-pipeline', upToDate: true, acknowledgedAt: appliedAt }]);
      // A user with no change has nothing to lag behind on.
      expect(await propagationOf('never-seen')).toEqual([{ consumer: 'ads-pipeline', upToDate: true, acknowledgedAt: null }]);
    });

    it('only moves forward: an older cursor leaves the position where it was', async () => {
      const early = (await read(null, 1)).data!.consentChanges.edges[0]!.cursor;
      const end = (await endOfFeed())!;
      await acknowledge('friend-suggestions', end);
      const back = await acknowledge('friend-suggestions', early);
      expect(back.data?.acknowledgeConsentChanges).toMatchObject({ consumer: 'friend-suggestions', cursor: end, userErrors: [] });
    });

    it('refuses a bad consumer name and a cursor the feed never served, recording nothing', async () => {
      const end = (await endOfFeed())!;
      const forged = Buffer.from('change:0:999999').toString('base64url');
      const res = await acknowledge('Ads Pipeline!', forged);
      expect(res.data?.acknowledgeConsentChanges).toEqual({
        consumer: null,
        cursor: null,
        acknowledgedAt: null,
        userErrors: [
          expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'consumer'] }),
          expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'cursor'] }),
        ],
      });
      expect((await acknowledge('messaging', 'garbage')).data?.acknowledgeConsentChanges.userErrors.map((e) => e.field)).toEqual([
        ['input', 'cursor'],
      ]);
      expect((await propagationOf('dave')).map((p) => p.consumer)).not.toContain('messaging');
      expect((await acknowledge('messaging', end)).data?.acknowledgeConsentChanges.userErrors).toEqual([]);
    });

    it('refuses users, and another principal moving a consumer it does not own', async () => {
      const end = (await endOfFeed())!;
      const asUser = await acknowledge('ads-pipeline', end, (await user('dave')).token);
      expect(asUser.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      const impostor = await acknowledge('ads-pipeline', end, await server.token('someone-else', 'consent:read'));
      expect(impostor.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    });

    it('answers propagation for many users with one statement, and only when asked', async () => {
      const ids = ['alice', 'bob', 'carol', 'dave', 'erin', 'never-seen'];
      const query = `{ ${ids.map((id, i) => `u${i}: dataSubject(id: "${id}") { consent { version propagation { consumer upToDate } } }`).join(' ')} }`;
      server.statements.length = 0;
      const res = await server.request<Record<string, { consent: { propagation: unknown[] } }>, never>(query, undefined, { token: reader });
      expect(res.errors).toBeUndefined();
      expect(Object.values(res.data!).every((u) => u.consent.propagation.length === 3)).toBe(true);
      expect(dataStatements(server.statements).filter((s) => s.includes('consent_change_consumer'))).toHaveLength(1);

      server.statements.length = 0;
      await server.request(`{ dataSubject(id: "dave") { consent { version } } }`, undefined, { token: reader });
      expect(server.statements.filter((s) => s.includes('consent_change'))).toEqual([]);
    });
  });
});

describe('carried choices in the change feed', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('serves the choices an acceptance carried over, with the decisions they keep under the new version', async () => {
    const token = await server.token('gus');
    await server.request(
      AcceptPolicyDocument,
      { input: { version: V2016, choices: [{ purpose: 'facebook.account_sharing', granted: false }] } },
      { token },
    );
    const admin = await server.token('policy-team', 'consent:admin');
    const purposes = WHATSAPP_2016.purposes.map((p) => ({
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
    }));
    const prohibitions = WHATSAPP_2016.prohibitions.map((p) => ({ recipient: p.recipient, dataCategory: p.dataCategory }));
    const effectiveAt = new Date(server.now().getTime() + DAY).toISOString();
    const published = await server.request(
      PublishPolicyDocument,
      { input: { version: '2017-06-01', effectiveAt, purposes, prohibitions } },
      { token: admin },
    );
    expect(published.data?.publishPrivacyPolicy.userErrors).toEqual([]);
    server.advance(2 * DAY);
    const reader = await server.token('ads-pipeline', 'consent:read');
    const start = (await server.request(ConsentChangesDocument, { first: 500 }, { token: reader })).data!.consentChanges.pageInfo.endCursor;

    await server.request(AcceptPolicyDocument, { input: { version: '2017-06-01' } }, { token });
    const changes = (
      await server.request(ConsentChangesDocument, { after: start, first: 500 }, { token: reader })
    ).data!.consentChanges.edges.map((e) => e.node);
    const carried = changes.filter((c) => c.event.type === 'CHOICE_CARRIED');
    expect(carried.map((c) => [c.event.purposeKey, c.decisions.map((d) => [d.allowed, d.reason, d.policyVersion])])).toEqual([
      ['facebook.ads', [[false, 'USER_WITHDRAWN', '2017-06-01']]],
      ['facebook.friend_suggestions', [[false, 'USER_WITHDRAWN', '2017-06-01']]],
    ]);
    expect(changes.every((c) => c.consentVersion === 2)).toBe(true);
  });
});
