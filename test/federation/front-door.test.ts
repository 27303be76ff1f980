/**
 * The subgraph's front door as a client behind each gateway sees it: a bad
 * token is the subgraph's UNAUTHENTICATED, never a generic server error.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FederatedGraph, GATEWAYS, startFederatedGraph } from '../fixtures/federated-graph.js';
import { numberedAccounts } from '../fixtures/subgraphs/accounts/accounts.subgraph.js';
import { TEST_JWT_SECRET } from '../support/harness.js';

const seconds = () => Math.floor(Date.now() / 1000);
const hs256 = (claims: Record<string, unknown>, secret = TEST_JWT_SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

describe.each(GATEWAYS)('the consent subgraph behind the %s gateway', (gatewayKind) => {
  let graph: FederatedGraph;

  beforeAll(async () => {
    graph = await startFederatedGraph('sqlite', gatewayKind, { accounts: numberedAccounts(3) });
  });
  afterAll(() => graph?.close());

  it('passes the subgraph UNAUTHENTICATED through for an expired, forged or unbounded token, never a server error', async () => {
    const tokens = {
      expired: await hs256({ sub: 'user-001', iat: seconds() - 7200, exp: seconds() - 3600 }),
      forged: await hs256({ sub: 'user-001', exp: seconds() + 60 }, 'not-the-secret-not-the-secret-not-the'),
      'without exp': await hs256({ sub: 'user-001', iat: seconds() }),
      'alg none': `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"sub":"user-001","exp":${seconds() + 60}}`).toString('base64url')}.`,
    };
    for (const [name, token] of Object.entries(tokens)) {
      const res = await graph.request('{ privacyPolicies { version } dataSubject { consent { version } } }', {}, token);
      expect({ name, status: res.status < 500, codes: res.errors?.map((e) => e.extensions?.code), data: res.data }).toEqual({
        name,
        status: true,
        codes: ['UNAUTHENTICATED'],
        data: null,
      });
    }
  });

  it('still serves the public policies to a client without a token, and UNAUTHENTICATED for what needs one', async () => {
    const res = await graph.request('{ privacyPolicies { version } }');
    expect(res).toEqual({ status: 200, data: { privacyPolicies: [{ version: '2016-08-25' }] } });
    const protectedField = await graph.request('{ dataSubject { id } }');
    expect(protectedField.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe.each(GATEWAYS)('the consent subgraph locked to the %s gateway by a shared secret', (gatewayKind) => {
  const SECRET = 'shared-between-router-and-subgraph';
  let graph: FederatedGraph;

  beforeAll(async () => {
    graph = await startFederatedGraph('sqlite', gatewayKind, {
      accounts: numberedAccounts(100),
      consentEnv: { GATEWAY_SECRET: SECRET },
      gatewayOptions: { subgraphHeaders: { 'x-gateway-secret': SECRET } },
    });
  });
  afterAll(() => graph?.close());

  it('serves clients through the gateway that sends the secret, _entities batches included', async () => {
    const reader = await graph.consent.token('ads-graph', 'consent:read');
    const res = await graph.request<{ users: { id: string; consent: { needsReconsent: boolean } }[] }>(
      '{ users { id consent { needsReconsent } } }',
      {},
      reader,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.users).toHaveLength(100);
    expect(graph.gateway.subgraphRequests.some((r) => r.subgraph === 'consent' && r.representations === 100)).toBe(true);
  });

  it('refuses _service and _entities to anyone calling the subgraph directly', async () => {
    const reader = await graph.consent.token('ads-graph', 'consent:read');
    for (const query of [
      '{ _service { sdl } }',
      '{ _entities(representations: [{ __typename: "User", id: "user-001" }]) { __typename } }',
    ]) {
      const res = await graph.consent.request(query, {}, { token: reader });
      expect([res.status, res.errors?.map((e) => e.extensions?.code)]).toEqual([403, ['GATEWAY_SECRET_REQUIRED']]);
    }
  });
});
