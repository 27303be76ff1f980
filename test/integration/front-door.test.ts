/**
 * The HTTP front's own gates: CORS for browsers, the gateway's shared
 * secret, operation safelisting, and what production mode keeps to itself.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphQLResponse, startTestServer, type TestServer } from '../support/harness.js';

const codes = (res: { errors?: readonly { extensions?: { code?: string } }[] }) => res.errors?.map((e) => e.extensions?.code);
const json = (headers: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...headers });

describe('CORS in development', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  const preflight = (origin: string) =>
    fetch(server.url, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,apollo-require-preflight,x-request-id,apollographql-client-name',
      },
    });

  it("answers the hosted Sandbox's preflight with 204 and the methods and headers it needs", async () => {
    const res = await preflight('https://studio.apollographql.com');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST,OPTIONS');
    expect(res.headers.get('access-control-allow-headers')?.split(',')).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'apollo-require-preflight', 'x-request-id', 'apollographql-client-name']),
    );
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('vary')).toMatch(/Origin/);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('allows any port on localhost and 127.0.0.1, and the embedded Sandbox', async () => {
    for (const origin of [
      'http://localhost:3000',
      'http://localhost',
      'https://127.0.0.1:8443',
      'https://sandbox.embed.apollographql.com',
    ]) {
      expect((await preflight(origin)).headers.get('access-control-allow-origin')).toBe(origin);
    }
  });

  it('gives an origin not on the list no CORS headers, so the browser refuses', async () => {
    for (const origin of [
      'https://evil.example',
      'http://localhost.evil.example',
      'https://studio.apollographql.com.evil.example',
      'null',
    ]) {
      const res = await preflight(origin);
      expect([origin, res.headers.get('access-control-allow-origin')]).toEqual([origin, null]);
    }
  });

  it('adds the allow-origin header to the actual request from an allowed origin', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: json({ origin: 'https://studio.apollographql.com' }),
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('keeps CSRF prevention for requests a browser sends without a preflight', async () => {
    const get = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { origin: 'https://evil.example' } });
    expect(get.status).toBe(400);
    const textPlain = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://evil.example' },
      body: JSON.stringify({ query: 'mutation { updateConsent(input: { choices: [] }) { userErrors { code } } }' }),
    });
    expect(textPlain.status).toBe(400);
    const form = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=%7B__typename%7D',
    });
    expect(form.status).toBe(400);
  });
});

describe('with a gateway secret and CORS_ORIGINS set, in production', () => {
  let server: TestServer;
  const SECRET = 'a-router-secret-of-some-length';
  beforeAll(async () => {
    server = await startTestServer({
      env: {
        NODE_ENV: 'production',
        GATEWAY_SECRET: SECRET,
        GATEWAY_SECRET_HEADER: 'X-Router-Secret',
        CORS_ORIGINS: 'https://app.example.com',
      },
    });
  });
  afterAll(() => server?.close());

  const send = async (body: unknown, headers: Record<string, string>) => {
    const res = await fetch(server.url, { method: 'POST', headers: json(headers), body: JSON.stringify(body) });
    return { ...((await res.json()) as Omit<GraphQLResponse<unknown>, 'status'>), status: res.status };
  };

  it('refuses _service, _entities, ftv1 traces and everything else without the secret, or with a wrong one (403)', async () => {
    const token = await server.token('ads-graph', 'consent:read');
    const attempts: Record<string, string>[] = [
      {},
      { 'x-router-secret': 'wrong' },
      { 'x-router-secret': `${SECRET}x` },
      { 'x-gateway-secret': SECRET },
    ];
    for (const headers of attempts) {
      for (const body of [
        { query: '{ _service { sdl } }' },
        {
          query: 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
          variables: { r: [{ __typename: 'User', id: 'a' }] },
        },
        { query: '{ privacyPolicies { version } }' },
      ]) {
        const res = await send(body, { ...headers, authorization: `Bearer ${token}`, 'apollo-federation-include-trace': 'ftv1' });
        expect({ status: res.status, codes: codes(res), data: res.data, extensions: (res as { extensions?: unknown }).extensions }).toEqual(
          {
            status: 403,
            codes: ['GATEWAY_SECRET_REQUIRED'],
            data: undefined,
            extensions: undefined,
          },
        );
      }
    }
  });

  it('serves the gateway that sends it: _service, _entities and ftv1 traces', async () => {
    const sdl = await send({ query: '{ _service { sdl } }' }, { 'x-router-secret': SECRET });
    expect(JSON.stringify(sdl.data)).toContain('@key');
    const traced = (await send(
      { query: '{ privacyPolicies { version } }' },
      { 'x-router-secret': SECRET, 'apollo-federation-include-trace': 'ftv1' },
    )) as {
      extensions?: { ftv1?: string };
    };
    expect(traced.extensions?.ftv1).toMatch(/^[A-Za-z0-9+/]{16,}={0,2}$/);
  });

  it('still answers /health and /ready without the secret, for the platform that probes them', async () => {
    const base = server.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });

  it('allows only the configured origin, and no development origin', async () => {
    const allowed = async (origin: string) =>
      (await fetch(server.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } })).headers.get(
        'access-control-allow-origin',
      );
    expect(await allowed('https://app.example.com')).toBe('https://app.example.com');
    expect(await allowed('https://studio.apollographql.com')).toBeNull();
    expect(await allowed('http://localhost:3000')).toBeNull();
  });

  it('suggests no field names in validation errors', async () => {
    const res = await send({ query: '{ dataSubjet { id } privacyPolicie { version } }' }, { 'x-router-secret': SECRET });
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(res)).not.toMatch(/Did you mean|dataSubject|privacyPolicies/);
  });

  it('refuses introspection, serves no Sandbox and leaks no stack trace', async () => {
    const introspection = await send({ query: '{ __schema { types { name } } }' }, { 'x-router-secret': SECRET });
    expect(codes(introspection)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const page = await fetch(server.url, { headers: { accept: 'text/html', 'x-router-secret': SECRET } });
    expect(await page.text()).not.toContain('EmbeddedSandbox');
    const bad = await send({ query: '{ dataSubject(id: 1) { id } }' }, { 'x-router-secret': SECRET, authorization: 'Bearer x' });
    expect(JSON.stringify(bad)).not.toMatch(/stacktrace|at \w+ \(|node_modules/);
  });
});

describe('operation safelisting with PERSISTED_DOCUMENTS', () => {
  let server: TestServer;
  let dir: string;
  const POLICIES = 'query Policies { privacyPolicies { version } }';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'consent-safelist-'));
    const file = path.join(dir, 'manifest.json');
    await writeFile(
      file,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [{ id: 'policies-v1', name: 'Policies', type: 'query', body: POLICIES }],
      }),
    );
    server = await startTestServer({ env: { PERSISTED_DOCUMENTS: file } });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = async (body: unknown) => {
    const res = await fetch(server.url, { method: 'POST', headers: json(), body: JSON.stringify(body) });
    return { ...((await res.json()) as Omit<GraphQLResponse<unknown>, 'status'>), status: res.status };
  };
  const expected = { status: 200, data: { privacyPolicies: [{ version: '2016-08-25' }] } };

  it('serves a listed document by documentId, by persisted-query hash, by GET and by its exact text', async () => {
    expect(await post({ documentId: 'policies-v1' })).toEqual(expected);
    expect(await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'policies-v1' } } })).toEqual(expected);
    expect(await post({ query: POLICIES })).toEqual(expected);
    const get = await fetch(`${server.url}?documentId=policies-v1`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(await get.json()).toEqual({ data: expected.data });
  });

  it('refuses any other document, an unknown id, and a known id with other text (OPERATION_NOT_SAFELISTED)', async () => {
    for (const body of [
      { query: '{ privacyPolicies { version purposes { key } } }' },
      { documentId: 'nope' },
      { documentId: 'policies-v1', query: '{ __typename }' },
      { extensions: { persistedQuery: { version: 1, sha256Hash: 'nope' } }, query: '{ __typename }' },
      [{ documentId: 'policies-v1' }],
    ]) {
      const res = await post(body);
      expect([res.status, codes(res)]).toEqual([400, ['OPERATION_NOT_SAFELISTED']]);
    }
    const get = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(codes((await get.json()) as GraphQLResponse<unknown>)).toEqual(['OPERATION_NOT_SAFELISTED']);
  });
});

describe('with the identity provider unreachable', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { JWT_SECRET: '', JWKS_URL: 'http://127.0.0.1:9/jwks.json' } });
  });
  afterAll(() => server?.close());

  it('answers a bearer token with 503 AUTHENTICATION_UNAVAILABLE and Retry-After, not 401, and still serves anonymous reads', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('alice')
      .setExpirationTime('5m')
      .sign(privateKey);
    const res = await fetch(server.url, {
      method: 'POST',
      headers: json({ authorization: `Bearer ${token}` }),
      body: JSON.stringify({ query: '{ dataSubject { id } }' }),
    });
    expect([res.status, res.headers.get('retry-after'), codes((await res.json()) as GraphQLResponse<unknown>)]).toEqual([
      503,
      '5',
      ['AUTHENTICATION_UNAVAILABLE'],
    ]);
    expect((await server.request('{ privacyPolicy { version } }', {}, { token: null })).data).toEqual({
      privacyPolicy: { version: '2016-08-25' },
    });
  });
});
