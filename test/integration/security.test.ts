/**
 * The front door as an attacker tries it: bad tokens, other users' data by
 * every path, scope escalation and odd input. Runs on SQLite and PostgreSQL.
 */
import { base64url, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptPolicyDocument,
  HistoryDocument,
  MyConsentDocument,
  SetBusinessPreferenceDocument,
  SubjectConsentDocument,
  UpdateConsentDocument,
} from '../generated/graphql.js';
import { type GraphQLResponse, startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/harness.js';

const ENTITIES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on User { id consent { version } dataSharingPurposes { purpose { key } allowed } }
    }
  }
`;

const codes = (res: { errors?: readonly { extensions?: { code?: string } }[] }) => res.errors?.map((e) => e.extensions?.code);
const seconds = () => Math.floor(Date.now() / 1000);
const hs256 = (claims: Record<string, unknown>, secret = TEST_JWT_SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

describe('the front door, tried by an attacker', () => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  let reader: string;
  let admin: string;

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob, reader, admin] = await Promise.all([
      server.token('alice'),
      server.token('bob'),
      server.token('ads-graph', 'consent:read'),
      server.token('support-desk', 'consent:admin'),
    ]);
    for (const token of [alice, bob]) {
      const accepted = await server.request(AcceptPolicyDocument, { input: { version: '2016-08-25' } }, { token });
      expect(accepted.errors).toBeUndefined();
    }
  });
  afterAll(() => server?.close());

  describe('bad bearer tokens', () => {
    const badTokens = async (): Promise<Record<string, string>> => {
      const valid = await server.token('alice');
      const [header, , signature] = valid.split('.');
      return {
        expired: await hs256({ sub: 'alice', iat: seconds() - 7200, exp: seconds() - 3600 }),
        'forged with another secret': await hs256({ sub: 'alice', exp: seconds() + 60 }, 'guessed-secret-guessed-secret-guessed'),
        'alg none': `${base64url.encode('{"alg":"none"}')}.${base64url.encode(JSON.stringify({ sub: 'alice', exp: seconds() + 60 }))}.`,
        'without exp': await hs256({ sub: 'alice', iat: seconds() }),
        'living for a year': await hs256({ sub: 'alice', iat: seconds(), exp: seconds() + 365 * 86_400 }),
        'not valid yet': await hs256({ sub: 'alice', nbf: seconds() + 600, exp: seconds() + 1200 }),
        'with a NUL in sub': await hs256({ sub: 'alice\u0000', exp: seconds() + 60 }),
        'with a swapped payload': `${header}.${base64url.encode(JSON.stringify({ sub: 'bob', exp: seconds() + 60 }))}.${signature}`,
        malformed: 'not.a.jwt',
      };
    };

    it('answers each with HTTP 401, WWW-Authenticate: Bearer and UNAUTHENTICATED, and no data', async () => {
      for (const [name, token] of Object.entries(await badTokens())) {
        const res = await post({ query: '{ dataSubject { id consent { version } } }' }, { authorization: `Bearer ${token}` });
        const body = (await res.json()) as GraphQLResponse<unknown>;
        expect({ name, status: res.status, challenge: res.headers.get('www-authenticate'), codes: codes(body), data: body.data }).toEqual({
          name,
          status: 401,
          challenge: expect.stringMatching(/^Bearer error="invalid_token"/),
          codes: ['UNAUTHENTICATED'],
          data: undefined,
        });
      }
    });

    it('refuses a bad token even for the public policies: a token that was sent must be valid', async () => {
      const res = await post({ query: '{ privacyPolicies { version } }' }, { authorization: 'Bearer not.a.jwt' });
      expect(res.status).toBe(401);
      const anonymous = await server.request('{ privacyPolicies { version } }', {}, { token: null });
      expect(anonymous).toEqual({ status: 200, data: { privacyPolicies: [{ version: '2016-08-25' }] } });
    });

    it('answers another authentication scheme with 401 and a bare Bearer challenge', async () => {
      const res = await post({ query: '{ __typename }' }, { authorization: 'Basic YWxpY2U6cGFzc3dvcmQ=' });
      expect([res.status, res.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    });

    it('keeps a request without an Authorization header anonymous: protected fields are UNAUTHENTICATED errors with HTTP 200', async () => {
      const res = await server.request('{ privacyPolicy { version } dataSubject { id } }', {}, { token: null });
      expect(res.status).toBe(200);
      expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    });

    it('refuses a token signed with the development secret when the service has its own', async () => {
      const { DEVELOPMENT_JWT_SECRET } = await import('../../src/config.js');
      const res = await post(
        { query: '{ dataSubject { id } }' },
        {
          authorization: `Bearer ${await hs256({ sub: 'alice', exp: seconds() + 60 }, DEVELOPMENT_JWT_SECRET)}`,
        },
      );
      expect(res.status).toBe(401);
    });
  });

  describe("other users' data, by every path", () => {
    it('is refused through dataSubject(id), inline and as a variable', async () => {
      const inline = await server.request('{ dataSubject(id: "alice") { consent { version } } }', {}, { token: bob });
      const variable = await server.request(SubjectConsentDocument, { id: 'alice' }, { token: bob });
      for (const res of [inline, variable]) {
        expect(codes(res)).toEqual(['FORBIDDEN']);
        expect(res.data).toBeNull();
      }
    });

    it('is refused through aliases and fragments mixing the caller with someone else', async () => {
      const res = await server.request(
        /* GraphQL */ `
          query {
            me: dataSubject { ...C }
            them: dataSubject(id: "alice") { ...C }
          }
          fragment C on User { id consent { version choices { granted } } dataSharingPurposes { allowed } }
        `,
        {},
        { token: bob },
      );
      expect(codes(res)).toEqual(['FORBIDDEN']);
      expect(JSON.stringify(res.data)).not.toContain('"alice"');
    });

    it('is refused through _entities, for every other user in the batch, while the caller still gets their own', async () => {
      const res = await server.request(
        ENTITIES,
        {
          representations: [
            { __typename: 'User', id: 'alice' },
            { __typename: 'User', id: 'bob' },
          ],
        },
        { token: bob },
      );
      const entities = (res.data as { _entities: ({ id: string } | null)[] })._entities;
      expect(entities[0]).toBeNull();
      expect(entities[1]?.id).toBe('bob');
      expect(new Set(codes(res))).toEqual(new Set(['FORBIDDEN']));
    });

    it("is refused for another user's ledger, even to a consent:read service", async () => {
      for (const token of [bob, reader]) {
        const res = await server.request(HistoryDocument, { id: 'alice' }, { token });
        expect(codes(res)).toEqual(['FORBIDDEN']);
        expect(res.data).toBeNull();
      }
    });
  });

  describe('scope escalation', () => {
    it('refuses consent writes to consent:read and consent:admin tokens, and records nothing', async () => {
      for (const token of [reader, admin]) {
        for (const res of [
          await server.request(UpdateConsentDocument, { input: { choices: [{ purpose: 'facebook.ads', granted: false }] } }, { token }),
          await server.request(SetBusinessPreferenceDocument, { input: { businessId: 'acme', blocked: true } }, { token }),
        ]) {
          expect(codes(res)).toEqual(['FORBIDDEN']);
        }
      }
      const ledger = await server.request(HistoryDocument, { id: 'alice' }, { token: admin });
      expect(ledger.data?.dataSubject.consent.history.edges).toHaveLength(1);
    });

    it('ignores a scope claim smuggled in another shape, and a user cannot publish a policy', async () => {
      const smuggled = await hs256({ sub: 'alice', exp: seconds() + 60, scopes: ['consent:admin'], scp: 'consent:admin' });
      const res = await server.request(HistoryDocument, { id: 'bob' }, { token: smuggled });
      expect(codes(res)).toEqual(['FORBIDDEN']);
      const publish = await server.request(
        'mutation { publishPrivacyPolicy(input: { version: "x", effectiveAt: "2030-01-01T00:00:00Z", purposes: [] }) { userErrors { code } } }',
        {},
        { token: alice },
      );
      expect(codes(publish)).toEqual(['FORBIDDEN']);
    });
  });

  describe('oversized and malformed bodies', () => {
    const raw = async (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
      const res = await fetch(server.url, { method: 'POST', headers, body });
      const text = await res.text();
      return { status: res.status, text, codes: (JSON.parse(text) as GraphQLResponse<unknown>).errors?.map((e) => e.extensions?.code) };
    };

    it('answers each with a 4xx and a typed code, never a 5xx or a stack trace', async () => {
      const cases: [string, string, number][] = [
        ['not JSON', '{"query": ', 400],
        ['a JSON string', '"{ __typename }"', 400],
        ['a batch', '[{"query": "{ __typename }"}]', 400],
        ['a numeric query', '{"query": 42}', 400],
        ['variables that are not an object', '{"query": "{ __typename }", "variables": "x"}', 400],
        ['no query', '{"variables": {}}', 400],
        ['a syntax error', '{"query": "{ dataSubject { "}', 400],
        ['an unknown operation name', '{"query": "query A { __typename }", "operationName": "B"}', 400],
      ];
      for (const [name, body, status] of cases) {
        const res = await raw(body);
        expect({
          name,
          status: res.status,
          coded: res.codes?.every((c) => typeof c === 'string' && c !== 'INTERNAL_SERVER_ERROR'),
        }).toEqual({
          name,
          status,
          coded: true,
        });
      }
    });

    it('refuses a body over MAX_BODY_BYTES whether declared or streamed (413)', async () => {
      const big = JSON.stringify({ query: '{ __typename }', padding: 'x'.repeat(1_100_000) });
      expect((await raw(big)).status).toBe(413);
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big));
          controller.close();
        },
      });
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
    });
  });

  describe('odd input', () => {
    it('refuses a NUL, a control character or an over-long id in dataSubject(id) as BAD_USER_INPUT', async () => {
      for (const id of ['ali\u0000ce', 'alice\u0007', 'alice\nbob', '\u202Eecila', 'a'.repeat(256), '']) {
        const res = await server.request(SubjectConsentDocument, { id }, { token: reader });
        expect({ id, codes: codes(res), data: res.data ?? null }).toEqual({ id, codes: ['BAD_USER_INPUT'], data: null });
      }
      const inline = await server.request('{ dataSubject(id: "ali\\u0000ce") { id } }', {}, { token: reader });
      expect(codes(inline)).toEqual(['BAD_USER_INPUT']);
    });

    it('answers a malformed _entities representation with its own error while every other user in the batch resolves', async () => {
      const representations = [
        { __typename: 'User', id: 'alice' },
        { __typename: 'User', id: 'ali\u0000ce' },
        { __typename: 'User', id: 'x'.repeat(300) },
        { __typename: 'User', id: 7 },
        { __typename: 'User' },
        { __typename: 'Business', id: 'acme' },
        'not-an-object',
        { __typename: 'User', id: 'bob' },
      ];
      const res = await server.request(ENTITIES, { representations }, { token: reader });
      const entities = (res.data as { _entities: ({ id: string; consent: { version: number } } | null)[] })._entities;
      expect(entities.map((e) => e?.id ?? null)).toEqual(['alice', null, null, null, null, null, null, 'bob']);
      expect(entities[0]!.consent.version).toBe(1);
      expect(res.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
        ['_entities.1', 'BAD_USER_INPUT'],
        ['_entities.2', 'BAD_USER_INPUT'],
        ['_entities.3', 'BAD_USER_INPUT'],
        ['_entities.4', 'BAD_USER_INPUT'],
        ['_entities.5', 'BAD_USER_INPUT'],
        ['_entities.6', 'BAD_USER_INPUT'],
      ]);
    });

    it('refuses a NUL in an idempotency key or any other input string as BAD_USER_INPUT, recording nothing', async () => {
      const before = await server.request(HistoryDocument, { id: 'alice' }, { token: alice });
      const asVariable = await server.request(
        UpdateConsentDocument,
        { input: { choices: [{ purpose: 'facebook.ads', granted: false }], idempotencyKey: 'key\u0000' } },
        { token: alice },
      );
      const inPurpose = await server.request(
        UpdateConsentDocument,
        { input: { choices: [{ purpose: 'facebook\u0000.ads', granted: false }] } },
        { token: alice },
      );
      const inline = await server.request(
        'mutation { setBusinessMessagingPreference(input: { businessId: "acme\\u0000", blocked: true }) { userErrors { code } } }',
        {},
        { token: alice },
      );
      for (const res of [asVariable, inPurpose, inline]) {
        expect(codes(res)).toEqual(['BAD_USER_INPUT']);
        expect(res.status).toBe(400);
      }
      const after = await server.request(HistoryDocument, { id: 'alice' }, { token: alice });
      expect(after.data?.dataSubject.consent.history.edges).toEqual(before.data?.dataSubject.consent.history.edges);
    });

    it('refuses other control characters and over-long idempotency keys as INVALID_INPUT, recording nothing', async () => {
      for (const idempotencyKey of ['key\u0001', 'key\n', 'k'.repeat(256)]) {
        const res = await server.request(
          UpdateConsentDocument,
          { input: { choices: [{ purpose: 'facebook.ads', granted: false }], idempotencyKey } },
          { token: alice },
        );
        expect(res.data?.updateConsent.userErrors.map((e) => [e.code, e.field])).toEqual([['INVALID_INPUT', ['input', 'idempotencyKey']]]);
      }
      const ledger = await server.request(HistoryDocument, { id: 'alice' }, { token: alice });
      expect(ledger.data?.dataSubject.consent.history.edges).toHaveLength(1);
    });

    it('refuses an x-request-id with control characters or over 128 characters with 400 BAD_REQUEST', async () => {
      for (const requestId of ['abc\u0001', 'a'.repeat(129), 'has space']) {
        const res = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': requestId, authorization: `Bearer ${alice}` },
          body: JSON.stringify({ query: '{ __typename }' }),
        }).catch(() => null);
        // fetch itself refuses to send some header values (control characters); those never reach any server.
        if (res === null) continue;
        expect([requestId.length, res.status, codes((await res.json()) as GraphQLResponse<unknown>)]).toEqual([
          requestId.length,
          400,
          ['BAD_REQUEST'],
        ]);
      }
      const fine = await server.request('{ __typename }', {}, { token: alice, headers: { 'x-request-id': 'req-1:2/3' } });
      expect(fine.data).toEqual({ __typename: 'Query' });
    });

    it('reads the unchanged state after all of it, on both databases alike', async () => {
      const res = await server.request(MyConsentDocument, {}, { token: alice });
      expect(res.data?.dataSubject.consent.version).toBe(1);
    });
  });
});
