import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AcceptPolicyDocument,
  HistoryDocument,
  MyConsentDocument,
  SetBusinessPreferenceDocument,
  UpdateConsentDocument,
} from '../generated/graphql.js';
import { ConsentEventEntity } from '../../src/db/entities/consent-event.entity.js';
import { startTestServer, type TestServer } from '../support/harness.js';

const V2016 = '2016-08-25';

describe('recording consent changes', () => {
  let server: TestServer;
  const tokenOf: Record<string, string> = {};
  const as = async (user: string) => {
    tokenOf[user] ??= await server.token(user);
    return { token: tokenOf[user] };
  };
  const ledger = async (user: string) =>
    (await server.request(HistoryDocument, { first: 100 }, await as(user))).data!.dataSubject.consent.history.edges.map((e) => e.node);
  const versionOf = async (user: string) => (await server.request(MyConsentDocument, {}, await as(user))).data!.dataSubject.consent.version;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  describe('typed refusals that change nothing', () => {
    it('refuses an unknown policy version, naming it', async () => {
      const res = await server.request(AcceptPolicyDocument, { input: { version: '1999-01-01' } }, await as('typo'));
      expect(res.data?.acceptPrivacyPolicy.userErrors).toEqual([
        expect.objectContaining({
          code: 'UNKNOWN_POLICY_VERSION',
          field: ['input', 'version'],
          message: expect.stringContaining('1999-01-01'),
        }),
      ]);
      expect(res.data?.acceptPrivacyPolicy.consent).toMatchObject({ version: 0, policy: null });
      expect(await ledger('typo')).toEqual([]);
    });

    it('refuses changing choices before any acceptance', async () => {
      const res = await server.request(
        UpdateConsentDocument,
        { input: { choices: [{ purpose: 'facebook.ads', granted: false }] } },
        await as('early'),
      );
      expect(res.data?.updateConsent.userErrors.map((e) => e.code)).toEqual(['POLICY_NOT_ACCEPTED']);
    });

    it('refuses a whole request when one of its choices is bad: unknown purposes and essential ones are named', async () => {
      await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, await as('mixed'));
      const res = await server.request(
        UpdateConsentDocument,
        {
          input: {
            choices: [
              { purpose: 'business.marketing', granted: false },
              { purpose: 'facebook.security', granted: false },
              { purpose: 'facebook.horoscopes', granted: false },
            ],
          },
        },
        await as('mixed'),
      );
      expect(res.data?.updateConsent.userErrors.map((e) => [e.code, e.field])).toEqual([
        ['PURPOSE_NOT_OPTIONAL', ['input', 'choices', '1', 'purpose']],
        ['UNKNOWN_PURPOSE', ['input', 'choices', '2', 'purpose']],
      ]);
      expect(res.data?.updateConsent.consent?.version).toBe(1);
      const marketing = res.data?.updateConsent.consent?.choices.find((c) => c.purpose.key === 'business.marketing');
      expect(marketing).toMatchObject({ granted: true, source: 'DEFAULT' });
      expect((await ledger('mixed')).map((e) => e.type)).toEqual(['POLICY_ACCEPTED']);
    });

    it('refuses malformed business settings with INVALID_INPUT', async () => {
      const bad = [{ businessId: '', blocked: true }, { businessId: 'acme', category: 'MARKETING' as const }, { businessId: 'acme' }];
      for (const input of bad) {
        const res = await server.request(SetBusinessPreferenceDocument, { input }, await as('mixed'));
        expect(res.data?.setBusinessMessagingPreference.userErrors[0]?.code).toBe('INVALID_INPUT');
      }
      expect(await versionOf('mixed')).toBe(1);
    });

    it('rejects input of the wrong type before any resolver runs', async () => {
      const res = await server.request(
        'mutation { updateConsent(input: { choices: [{ purpose: "facebook.ads", granted: "no" }] }) { userErrors { code } } }',
        {},
        await as('mixed'),
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });
  });

  describe('versions and the ledger', () => {
    it('raises Consent.version by one per write that changed something; a group change is one', async () => {
      await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, await as('counter'));
      expect(await versionOf('counter')).toBe(1);
      await server.request(
        UpdateConsentDocument,
        { input: { choices: [{ purpose: 'facebook.account_sharing', granted: false }] } },
        await as('counter'),
      );
      expect(await versionOf('counter')).toBe(2);
      const events = await ledger('counter');
      expect(events.filter((e) => e.consentVersion === 2).map((e) => [e.purposeKey, e.choiceGroup, e.channel])).toEqual([
        ['facebook.friend_suggestions', 'facebook.account_sharing', 'SETTINGS'],
        ['facebook.ads', 'facebook.account_sharing', 'SETTINGS'],
      ]);
    });

    it('records nothing for a choice that changes nothing', async () => {
      const res = await server.request(
        UpdateConsentDocument,
        { input: { choices: [{ purpose: 'facebook.ads', granted: false }] } },
        await as('counter'),
      );
      expect(res.data?.updateConsent.userErrors).toEqual([]);
      expect(await versionOf('counter')).toBe(2);
      expect(await ledger('counter')).toHaveLength(3);
    });

    it('pages through the ledger newest first with cursors', async () => {
      const first = await server.request(HistoryDocument, { first: 2 }, await as('counter'));
      const page1 = first.data!.dataSubject.consent.history;
      expect(page1.edges.map((e) => e.node.type)).toEqual(['CHOICE_CHANGED', 'CHOICE_CHANGED']);
      expect(page1.pageInfo.hasNextPage).toBe(true);
      const second = await server.request(HistoryDocument, { first: 2, after: page1.pageInfo.endCursor }, await as('counter'));
      const page2 = second.data!.dataSubject.consent.history;
      expect(page2.edges.map((e) => e.node.type)).toEqual(['POLICY_ACCEPTED']);
      expect(page2.pageInfo).toEqual({ hasNextPage: false, endCursor: page2.edges[0]!.cursor });
    });

    it('refuses a page size outside 1 to 100 and a cursor it never issued', async () => {
      for (const variables of [{ first: 0 }, { first: 101 }, { first: 5, after: 'bm9wZQ' }]) {
        const res = await server.request(HistoryDocument, variables, await as('counter'));
        expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      }
    });

    it('carries the request id into the ledger', async () => {
      await server.request(
        SetBusinessPreferenceDocument,
        { input: { businessId: 'acme', blocked: true } },
        { ...(await as('traced')), headers: { 'x-request-id': 'req-123' } },
      );
      expect((await ledger('traced')).map((e) => [e.type, e.setting, e.previousValue, e.newValue, e.requestId])).toEqual([
        ['BUSINESS_PREFERENCE_CHANGED', 'BLOCKED', 'false', 'true', 'req-123'],
      ]);
    });

    it('keeps the ledger append-only in the database itself', async () => {
      const em = server.app.orm.em.fork();
      await expect(em.nativeUpdate(ConsentEventEntity, { userId: 'counter' }, { newValue: 'granted' })).rejects.toThrow(/append-only/);
      await expect(em.nativeDelete(ConsentEventEntity, { userId: 'counter' })).rejects.toThrow(/append-only/);
      expect(await ledger('counter')).toHaveLength(3);
    });
  });

  describe('idempotency keys', () => {
    it('returns the first result for a repeat and records nothing more', async () => {
      const input = { version: V2016, choices: [{ purpose: 'facebook.ads', granted: false }], idempotencyKey: 'accept-1' };
      const first = await server.request(AcceptPolicyDocument, { input }, await as('retry'));
      const again = await server.request(AcceptPolicyDocument, { input }, await as('retry'));
      expect(first.data?.acceptPrivacyPolicy.replayed).toBe(false);
      expect(again.data?.acceptPrivacyPolicy).toEqual({ ...first.data?.acceptPrivacyPolicy, replayed: true });
      expect(await ledger('retry')).toHaveLength(3);
      expect(new Set((await ledger('retry')).map((e) => e.idempotencyKey))).toEqual(new Set(['accept-1']));
    });

    it('replays a refusal too, even once the refused change would succeed', async () => {
      const input = { choices: [{ purpose: 'facebook.unknown', granted: false }], idempotencyKey: 'bad-1' };
      const first = await server.request(UpdateConsentDocument, { input }, await as('retry'));
      const again = await server.request(UpdateConsentDocument, { input }, await as('retry'));
      expect(first.data?.updateConsent.userErrors.map((e) => e.code)).toEqual(['UNKNOWN_PURPOSE']);
      expect(again.data?.updateConsent.userErrors).toEqual(first.data?.updateConsent.userErrors);
    });

    it('refuses the same key with different input', async () => {
      const res = await server.request(
        AcceptPolicyDocument,
        { input: { version: V2016, choices: [{ purpose: 'facebook.ads', granted: true }], idempotencyKey: 'accept-1' } },
        await as('retry'),
      );
      expect(res.data?.acceptPrivacyPolicy.userErrors.map((e) => e.code)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
      expect(await ledger('retry')).toHaveLength(3);
    });

    it('scopes keys to the user: another user may use the same key', async () => {
      const res = await server.request(AcceptPolicyDocument, { input: { version: V2016, idempotencyKey: 'accept-1' } }, await as('other'));
      expect(res.data?.acceptPrivacyPolicy.userErrors).toEqual([]);
      expect(res.data?.acceptPrivacyPolicy.consent?.version).toBe(1);
    });
  });

  describe('concurrent writes for one user', () => {
    it('serialises them: every change is recorded once and versions never repeat', async () => {
      await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, await as('busy'));
      const auth = await as('busy');
      const writes = Array.from({ length: 12 }, (_, i) =>
        server.request(SetBusinessPreferenceDocument, { input: { businessId: `shop-${i}`, category: 'MARKETING', allowed: false } }, auth),
      );
      const results = await Promise.all(writes);
      expect(results.every((r) => r.data?.setBusinessMessagingPreference.userErrors.length === 0)).toBe(true);
      const events = await ledger('busy');
      expect(events).toHaveLength(13);
      expect(new Set(events.map((e) => e.consentVersion)).size).toBe(13);
      expect(await versionOf('busy')).toBe(13);
    });
  });
});

describe('the write path and the rest of the process', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('never enters AsyncLocalStorage, which on Node 20 would slow every later read', async () => {
    const token = await server.token('hooks');
    const run = vi.spyOn(AsyncLocalStorage.prototype, 'run');
    try {
      const accepted = await server.request(AcceptPolicyDocument, { input: { version: V2016, idempotencyKey: 'k' } }, { token });
      const updated = await server.request(
        UpdateConsentDocument,
        { input: { choices: [{ purpose: 'facebook.ads', granted: false }] } },
        { token },
      );
      const business = await server.request(SetBusinessPreferenceDocument, { input: { businessId: 'acme', blocked: true } }, { token });
      expect([accepted, updated, business].map((r) => r.errors)).toEqual([undefined, undefined, undefined]);
      expect(run).not.toHaveBeenCalled();
    } finally {
      run.mockRestore();
    }
  });
});
