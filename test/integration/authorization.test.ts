import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptPolicyDocument,
  HistoryDocument,
  MyConsentDocument,
  PublishPolicyDocument,
  SetBusinessPreferenceDocument,
  SubjectConsentDocument,
  UpdateConsentDocument,
} from '../generated/graphql.js';
import { startTestServer, type TestServer } from '../support/harness.js';

const ENTITIES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on User { id consent { version } dataSharingPurposes { allowed } }
    }
  }
`;

const PUBLISH_INPUT = {
  version: 'next',
  effectiveAt: '2030-01-01T00:00:00Z',
  purposes: [
    {
      key: 'facebook.security',
      title: 'Security',
      description: 'Securing systems.',
      recipient: 'facebook',
      dataCategories: ['device_info'],
      legalBasis: 'LEGITIMATE_INTEREST' as const,
      control: 'NONE' as const,
      defaultGranted: true,
    },
  ],
};

describe('who may read and change consent', () => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  let reader: string;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob, reader, admin] = await Promise.all([
      server.token('alice'),
      server.token('bob'),
      server.token('ads-graph', 'consent:read'),
      server.token('support-desk', 'consent:admin'),
    ]);
    await server.request(AcceptPolicyDocument, { input: { version: '2016-08-25' } }, { token: alice });
  });
  afterAll(() => server?.close());

  const codes = (res: { errors?: readonly { extensions?: { code?: string } }[] }) => res.errors?.map((e) => e.extensions?.code);

  it('serves Apollo Sandbox in development, where a signed-in user can paste a token', async () => {
    const page = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain('new window.EmbeddedSandbox');
  });

  it('lets anyone read the privacy policy itself: it is public', async () => {
    const res = await server.request('{ privacyPolicy { version } }', {}, { token: null });
    expect(res.data).toEqual({ privacyPolicy: { version: '2016-08-25' } });
  });

  it('refuses a request without a token with UNAUTHENTICATED and no data', async () => {
    const res = await server.request(MyConsentDocument, {}, { token: null });
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.data).toBeNull();
  });

  it('refuses a forged or malformed token with UNAUTHENTICATED', async () => {
    const forged = `${alice.slice(0, -4)}AAAA`;
    for (const token of [forged, 'not-a-jwt']) {
      const res = await server.request(MyConsentDocument, {}, { token });
      expect(codes(res)).toContain('UNAUTHENTICATED');
      expect(res.data ?? null).toBeNull();
    }
  });

  it("refuses a user reading another user's consent through dataSubject, with no data", async () => {
    const res = await server.request(SubjectConsentDocument, { id: 'alice' }, { token: bob });
    expect(codes(res)).toEqual(['FORBIDDEN']);
    expect(res.data).toBeNull();
  });

  it("refuses a user reading another user's consent through _entities, with no data", async () => {
    const res = await server.request(ENTITIES, { representations: [{ __typename: 'User', id: 'alice' }] }, { token: bob });
    expect(new Set(codes(res))).toEqual(new Set(['FORBIDDEN']));
    expect(JSON.stringify(res.data)).not.toContain('version');
    expect((res.data as { _entities: unknown[] })._entities).toEqual([null]);
  });

  it('lets a user read their own consent by either path', async () => {
    const direct = await server.request(SubjectConsentDocument, { id: 'alice' }, { token: alice });
    expect(direct.data?.dataSubject.consent.policy?.version).toBe('2016-08-25');
    const entities = await server.request(ENTITIES, { representations: [{ __typename: 'User', id: 'alice' }] }, { token: alice });
    expect(entities.errors).toBeUndefined();
  });

  it("lets a consent:read service read any user's decisions but not their ledger", async () => {
    const consent = await server.request(SubjectConsentDocument, { id: 'alice' }, { token: reader });
    expect(consent.data?.dataSubject.consent.version).toBe(1);
    const ledger = await server.request(HistoryDocument, { id: 'alice' }, { token: reader });
    expect(codes(ledger)).toEqual(['FORBIDDEN']);
    expect(ledger.data).toBeNull();
  });

  it("lets a consent:admin read any user's ledger", async () => {
    const ledger = await server.request(HistoryDocument, { id: 'alice' }, { token: admin });
    expect(ledger.data?.dataSubject.consent.history.edges.map((e) => e.node.type)).toEqual(['POLICY_ACCEPTED']);
  });

  it('refuses consent writes from service and admin tokens, and records nothing', async () => {
    for (const token of [reader, admin]) {
      const writes = [
        server.request(AcceptPolicyDocument, { input: { version: '2016-08-25' } }, { token }),
        server.request(UpdateConsentDocument, { input: { choices: [{ purpose: 'facebook.ads', granted: false }] } }, { token }),
        server.request(SetBusinessPreferenceDocument, { input: { businessId: 'acme', blocked: true } }, { token }),
      ];
      for (const res of await Promise.all(writes)) {
        expect(codes(res)).toEqual(['FORBIDDEN']);
        expect(res.data).toBeNull();
      }
    }
    const ledger = await server.request(HistoryDocument, { id: 'alice' }, { token: admin });
    expect(ledger.data?.dataSubject.consent.history.edges).toHaveLength(1);
  });

  it('refuses policy publishing to anyone without consent:admin', async () => {
    for (const token of [alice, reader]) {
      const res = await server.request(PublishPolicyDocument, { input: PUBLISH_INPUT }, { token });
      expect(codes(res)).toEqual(['FORBIDDEN']);
    }
    const res = await server.request(PublishPolicyDocument, { input: PUBLISH_INPUT }, { token: null });
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });
});
