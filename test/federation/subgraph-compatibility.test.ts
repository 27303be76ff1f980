/**
 * What Apollo's subgraph compatibility suite checks and applies here,
 * offline, against the consent subgraph's own HTTP server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../fixtures/federated-graph.js';
import { supergraphSdl } from '../fixtures/supergraph.js';
import { startTestServer, type TestServer } from '../support/harness.js';

const ENTITIES = /* GraphQL */ `
  query Entities($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on User {
        id
        consent { needsReconsent policy { version } }
        dataSharingPurposes { purpose { key } allowed reason }
      }
    }
  }
`;

interface EntityUser {
  __typename: string;
  id: string;
  consent: { needsReconsent: boolean; policy: { version: string } | null };
  dataSharingPurposes: { purpose: { key: string }; allowed: boolean; reason: string }[];
}

/** An SDL with types, fields and arguments in name order, applied directives kept. */

const users = (...ids: string[]) => ids.map((id) => ({ __typename: 'User', id }));

describe.each(DIALECTS)('the consent subgraph as a federation 2 subgraph, on %s', (dialect) => {
  let server: TestServer;
  let reader: string;

  beforeAll(async () => {
    server = await startTestServer({ dialect });
    reader = await server.token('ads-ranking', 'consent:read');
    const accepted = await server.request(
      'mutation { acceptPrivacyPolicy(input: { version: "2016-08-25" }) { userErrors { code } } }',
      {},
      { token: await server.token('accepted-user') },
    );
    expect(accepted.errors).toBeUndefined();
  });
  afterAll(() => server?.close());

  const entities = async (ids: string[]) => {
    const res = await server.request<{ _entities: EntityUser[] }, { representations: unknown[] }>(
      ENTITIES,
      { representations: users(...ids) },
      { token: reader },
    );
    expect(res.errors).toBeUndefined();
    return res.data!._entities;
  };

  it('serves _service { sdl } with the federation @link and the User @key, composing exactly as the committed contract does, nothing applied namespaced', async () => {
    const res = await server.request<{ _service: { sdl: string } }, Record<string, never>>('query { _service { sdl } }');
    const sdl = res.data!._service.sdl;
    // The live SDL also prints the federation definitions; what must match is the supergraph it composes into.
    const live = supergraphSdl({ consentSdl: sdl });
    expect(live).toContain('@join__field(graph: CONSENT)');
    expect(live).toBe(supergraphSdl());
    expect(sdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+", import: \[[^\]]*"@key"/);
    expect(sdl).toMatch(/type User\s+@key\(fields: "id"\)/);
    // Directives this subgraph applies (e.g. @tag, @inaccessible, if ever used) must be imported, not namespaced.
    expect(sdl.split('\n').filter((line) => line.includes('@federation__') && !line.startsWith('directive @federation__'))).toEqual([]);
  });

  it('resolves one User representation through _entities', async () => {
    const [user] = await entities(['accepted-user']);
    expect(user).toMatchObject({
      __typename: 'User',
      id: 'accepted-user',
      consent: { needsReconsent: false, policy: { version: '2016-08-25' } },
    });
    expect(user!.dataSharingPurposes.find((d) => d.purpose.key === 'facebook.ads')).toEqual({
      purpose: { key: 'facebook.ads' },
      allowed: true,
      reason: 'DEFAULT_GRANTED',
    });
  });

  it('answers several representations in the order sent, unknown ids as users who accepted nothing', async () => {
    const answered = await entities(['never-seen-1', 'accepted-user', 'never-seen-2']);
    expect(answered.map((u) => u.id)).toEqual(['never-seen-1', 'accepted-user', 'never-seen-2']);
    expect(answered[1]!.consent.needsReconsent).toBe(false);
    for (const unknown of [answered[0]!, answered[2]!]) {
      expect(unknown.consent).toEqual({ needsReconsent: true, policy: null });
      expect(unknown.dataSharingPurposes).toHaveLength(8);
      expect(new Set(unknown.dataSharingPurposes.map((d) => [d.allowed, d.reason].join(' ')))).toEqual(
        new Set(['false POLICY_NOT_ACCEPTED']),
      );
    }
  });

  it("refuses another user's representation to a signed-in user without a reading scope", async () => {
    const res = await server.request(ENTITIES, { representations: users('accepted-user') }, { token: await server.token('someone-else') });
    expect(res.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
    expect(JSON.stringify(res.data ?? null)).not.toContain('2016-08-25');
  });

  it('returns an ftv1 trace when the gateway asks with apollo-federation-include-trace, and none otherwise', async () => {
    const ask = async (headers: Record<string, string>) => {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: 'query { __typename }' }),
      });
      return (await response.json()) as { data: { __typename: string }; extensions?: { ftv1?: string } };
    };
    const traced = await ask({ 'apollo-federation-include-trace': 'ftv1' });
    expect(traced.data.__typename).toBe('Query');
    expect(traced.extensions?.ftv1).toMatch(/^[A-Za-z0-9+/]{16,}={0,2}$/);
    expect((await ask({})).extensions?.ftv1).toBeUndefined();
  });
});
