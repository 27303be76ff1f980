/**
 * Requests too large or too costly are refused before anything executes
 * (no SQL runs), with a typed code; normal traffic passes untouched.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcceptPolicyDocument, UpdateConsentDocument } from '../generated/graphql.js';
import { dataStatements, type GraphQLResponse, startTestServer, type TestServer } from '../support/harness.js';

const codes = (res: { errors?: readonly { extensions?: { code?: string } }[] }) => res.errors?.map((e) => e.extensions?.code);
const aliases = (n: number, field: string) => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join('\n');
const users = (n: number) => Array.from({ length: n }, (_, i) => ({ __typename: 'User', id: `user-${i}` }));
const ENTITIES =
  'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id dataSharingPurposes { purpose { key } allowed } } } }';

/** 16 × 80 × 80 aliases through two fragments, 3.7 KB asking for 16 × 80 × 8 purposes × 80 = 819,200 descriptions. */
function fragmentExplosion(): string {
  const many = (n: number, field: (i: number) => string) => Array.from({ length: n }, (_, i) => field(i)).join(' ');
  return [
    `{ ${many(16, (i) => `q${i}: privacyPolicies { ...P }`)} }`,
    `fragment P on PrivacyPolicy { ${many(80, (i) => `p${i}: purposes { ...D }`)} }`,
    `fragment D on Purpose { ${many(80, (i) => `d${i}: description`)} }`,
  ].join('\n');
}

describe('limits before execution', () => {
  let server: TestServer;
  let alice: string;
  let reader: string;
  let admin: string;

  /** The response to a request, and how many data statements it ran. */
  const attempt = async (query: string, variables: Record<string, unknown>, token: string | null) => {
    server.statements.length = 0;
    const res = await server.request(query, variables, { token });
    return { status: res.status, codes: codes(res), data: res.data ?? null, statements: dataStatements(server.statements).length };
  };

  beforeAll(async () => {
    server = await startTestServer();
    [alice, reader, admin] = await Promise.all([
      server.token('alice'),
      server.token('ads-graph', 'consent:read'),
      server.token('ops', 'consent:admin'),
    ]);
    expect((await server.request(AcceptPolicyDocument, { input: { version: '2016-08-25' } }, { token: alice })).errors).toBeUndefined();
  });
  afterAll(() => server?.close());

  describe('the abuse requests, with the default limits', () => {
    it('refuses 20,000 _entities representations (TOO_MANY_REPRESENTATIONS)', async () => {
      expect(await attempt(ENTITIES, { r: users(20_000) }, reader)).toEqual({
        status: 400,
        codes: ['TOO_MANY_REPRESENTATIONS'],
        data: null,
        statements: 0,
      });
    });

    it('refuses 3,000 aliases of dataSharingPurposes', async () => {
      const res = await attempt(`{ dataSubject { ${aliases(3000, 'dataSharingPurposes { allowed }')} } }`, {}, alice);
      expect(res).toEqual({ status: 400, codes: ['TOO_MANY_TOKENS'], data: null, statements: 0 });
    });

    it('refuses 5,000 anonymous aliases of privacyPolicies', async () => {
      const res = await attempt(`{ ${aliases(5000, 'privacyPolicies { version }')} }`, {}, null);
      expect(res).toEqual({ status: 400, codes: ['TOO_MANY_TOKENS'], data: null, statements: 0 });
    });

    it('refuses 16,000 aliases of consent.history in one request', async () => {
      const res = await attempt(`{ dataSubject { consent { ${aliases(16_000, 'history { edges { cursor } }')} } } }`, {}, alice);
      expect(res).toEqual({ status: 400, codes: ['TOO_MANY_TOKENS'], data: null, statements: 0 });
    });

    it('refuses the anonymous nested-fragment explosion (most of a million descriptions from under 4 KB)', async () => {
      const query = fragmentExplosion();
      expect(query.length).toBeLessThan(4096);
      expect(await attempt(query, {}, null)).toEqual({
        status: 400,
        codes: ['TOO_MANY_ALIASES', 'QUERY_TOO_COSTLY'],
        data: null,
        statements: 0,
      });
      expect((await attempt(query, {}, admin)).codes).toEqual(['TOO_MANY_ALIASES', 'QUERY_TOO_COSTLY']);
    });
  });

  describe('each limit on its own', () => {
    it('allows 500 representations, the 100-user batch with margin, and refuses 501', async () => {
      const allowed = await server.request<{ _entities: unknown[] }, unknown>(ENTITIES, { r: users(500) }, { token: reader });
      expect([allowed.errors, allowed.data?._entities.length]).toEqual([undefined, 500]);
      expect((await attempt(ENTITIES, { r: users(501) }, reader)).codes).toEqual(['TOO_MANY_REPRESENTATIONS']);
      const twice = `query ($r: [_Any!]!, $s: [_Any!]!) { a: _entities(representations: $r) { __typename } b: _entities(representations: $s) { __typename } }`;
      expect((await attempt(twice, { r: users(300), s: users(300) }, reader)).codes).toEqual(['TOO_MANY_REPRESENTATIONS']);
    });

    it('allows 30 aliases to a signed-in caller and refuses 31 (TOO_MANY_ALIASES)', async () => {
      expect((await attempt(`{ dataSubject { ${aliases(30, 'dataSharingPurposes { allowed }')} } }`, {}, alice)).codes).toBeUndefined();
      expect(await attempt(`{ dataSubject { ${aliases(31, 'dataSharingPurposes { allowed }')} } }`, {}, alice)).toEqual({
        status: 400,
        codes: ['TOO_MANY_ALIASES'],
        data: null,
        statements: 0,
      });
    });

    it('holds anonymous callers to 10 aliases, the same document a signed-in caller may send', async () => {
      const eleven = `{ ${aliases(11, 'privacyPolicies { version }')} }`;
      expect((await attempt(eleven, {}, null)).codes).toEqual(['TOO_MANY_ALIASES']);
      expect((await attempt(eleven, {}, alice)).codes).toBeUndefined();
      // Remembered per document: asked again anonymously, it is refused again.
      expect((await attempt(eleven, {}, null)).codes).toEqual(['TOO_MANY_ALIASES']);
    });

    it('refuses a document over 5,000 tokens (TOO_MANY_TOKENS) before parsing it further', async () => {
      const res = await server.request(`{ ${'__typename '.repeat(5001)} }`, {}, { token: alice });
      expect([res.status, codes(res), res.errors?.[0]?.message]).toEqual([400, ['TOO_MANY_TOKENS'], 'Token limit of 5000 exceeded.']);
    });

    it('refuses more than 20 directives (TOO_MANY_DIRECTIVES)', async () => {
      const res = await attempt(
        `{ ${Array.from({ length: 21 }, (_, i) => `t${i % 2}: __typename @include(if: true)`).join(' ')} }`,
        {},
        alice,
      );
      expect(res.codes).toContain('TOO_MANY_DIRECTIVES');
    });

    it('refuses an estimated cost over 20,000 (QUERY_TOO_COSTLY), two full ledger pages of 100', async () => {
      const page =
        'history(first: 100) { edges { node { id type purposeKey businessId setting previousValue newValue policyVersion actor channel occurredAt requestId } } }';
      expect((await attempt(`{ dataSubject { consent { ${page} } } }`, {}, alice)).codes).toBeUndefined();
      expect(await attempt(`{ dataSubject { consent { a: ${page} b: ${page} } } }`, {}, alice)).toEqual({
        status: 400,
        codes: ['QUERY_TOO_COSTLY'],
        data: null,
        statements: 0,
      });
    });

    it('holds anonymous callers to a cost of 300', async () => {
      const purposes =
        'purposes { key title description recipient dataCategories legalBasis control defaultGranted changeWindowDays choiceGroup }';
      const heavy = `{ ${aliases(10, `privacyPolicies { version publishedAt effectiveAt status ${purposes} prohibitions { recipient dataCategory } }`)} }`;
      expect((await attempt(heavy, {}, null)).codes).toEqual(['QUERY_TOO_COSTLY']);
      expect((await attempt(heavy, {}, alice)).codes).toBeUndefined();
    });

    it('serves no automatic persisted queries: no client can register a document', async () => {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: '{ __typename }',
          extensions: { persistedQuery: { version: 1, sha256Hash: 'ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38' } },
        }),
      });
      expect(codes((await res.json()) as GraphQLResponse<unknown>)).toEqual(['PERSISTED_QUERY_NOT_SUPPORTED']);
    });
  });

  describe('normal traffic', () => {
    it("serves every example of the README's GraphQL sections to a signed-in user", async () => {
      const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
      const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)]
        .map((m) => m[1]!)
        .filter((text) => /^\s*(query|mutation) \{/.test(text) && !text.includes(' me {'));
      expect(examples.length).toBeGreaterThanOrEqual(5);
      for (const example of examples) {
        for (const operation of example.split(/\n(?=(?:query|mutation) \{)/)) {
          const res = await server.request(operation, {}, { token: operation.includes('publishPrivacyPolicy') ? admin : alice });
          expect({ operation: operation.slice(0, 40), codes: codes(res) }).toEqual({ operation: operation.slice(0, 40), codes: undefined });
        }
      }
    });

    it('reads consent.history with one ledger statement however many aliases and users ask', async () => {
      await server.request(UpdateConsentDocument, { input: { choices: [{ purpose: 'facebook.ads', granted: true }] } }, { token: alice });
      const single = await server.request<{ dataSubject: { consent: { history: { edges: unknown[] } } } }, unknown>(
        '{ dataSubject { consent { history(first: 50) { edges { node { type } } } } } }',
        {},
        { token: alice },
      );
      const events = single.data!.dataSubject.consent.history.edges.length;
      expect(events).toBeGreaterThan(1);
      server.statements.length = 0;
      const res = await server.request<{ dataSubject: { consent: Record<string, { edges: unknown[] }> } }, unknown>(
        `{ dataSubject { consent { ${aliases(25, 'history(first: 5) { edges { node { type } } }')} } } }`,
        {},
        { token: alice },
      );
      expect(res.errors).toBeUndefined();
      expect(Object.values(res.data!.dataSubject.consent).map((page) => page.edges.length)).toEqual(Array(25).fill(Math.min(events, 5)));
      expect(dataStatements(server.statements).filter((s) => s.includes('consent_event'))).toHaveLength(1);

      server.statements.length = 0;
      const batch = await server.request<{ _entities: { consent: { history: { edges: unknown[] } } }[] }, unknown>(
        'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { consent { history(first: 3) { edges { cursor } } } } } }',
        { r: [{ __typename: 'User', id: 'alice' }, ...users(99)] },
        { token: admin },
      );
      expect(batch.errors).toBeUndefined();
      expect(batch.data!._entities.map((u) => u.consent.history.edges.length)).toEqual([Math.min(events, 3), ...Array(99).fill(0)]);
      expect(dataStatements(server.statements).filter((s) => s.includes('consent_event'))).toHaveLength(1);
    });
  });
});
