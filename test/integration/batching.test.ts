import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dataStatements, startTestServer, type TestServer } from '../support/harness.js';
import { seedAcceptedUsers } from '../support/seed.js';

// The ads graph's question for a batch of users, as the gateway sends it.
const ENTITIES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on User {
        id
        consent { version needsReconsent choices { purpose { key } granted source } }
        dataSharingPurposes { purpose { key } allowed reason }
      }
    }
  }
`;

interface EntitiesData {
  _entities: {
    id: string;
    consent: { version: number };
    dataSharingPurposes: { purpose: { key: string }; allowed: boolean; reason: string }[];
  }[];
}

describe('an _entities batch costs a constant number of SQL statements', () => {
  let server: TestServer;
  let token: string;
  const ids = Array.from({ length: 1000 }, (_, i) => `batch-user-${i}`);

  beforeAll(async () => {
    // 1,000 users is twice the default representation limit: this file measures batching, not the limit.
    server = await startTestServer({ env: { MAX_REPRESENTATIONS: '1000' } });
    token = await server.token('ads-graph', 'consent:read');
    await seedAcceptedUsers(server.app.orm, ids, '2016-08-25', server.now());
  });
  afterAll(() => server?.close());

  const ask = async (n: number) => {
    const representations = ids.slice(0, n).map((id) => ({ __typename: 'User', id }));
    server.statements.length = 0;
    const res = await server.request<EntitiesData, unknown>(ENTITIES, { representations }, { token });
    expect(res.errors).toBeUndefined();
    return { data: res.data!, statements: dataStatements(server.statements) };
  };

  it.each([1, 10, 100, 1000])('answers %i users with one statement: heads joined with their choices', async (n) => {
    const { data, statements } = await ask(n);
    expect(data._entities).toHaveLength(n);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/from consent_subject s\s+left join consent_choice c/);
  });

  it('sends the same statement text for any batch: the ids are one parameter, never part of the SQL', async () => {
    const texts = new Set<string>();
    for (const n of [1, 10, 100]) texts.add((await ask(n)).statements[0]!);
    expect(texts.size).toBe(1);
    expect([...texts][0]).not.toContain(ids[0]);
  });

  it('returns users in the order of the representations, each decided from their own choices', async () => {
    const { data } = await ask(10);
    expect(data._entities.map((u) => u.id)).toEqual(ids.slice(0, 10));
    const ads = (i: number) => data._entities[i]!.dataSharingPurposes.find((d) => d.purpose.key === 'facebook.ads');
    expect(ads(0)).toMatchObject({ allowed: false, reason: 'USER_WITHDRAWN' });
    expect(ads(1)).toMatchObject({ allowed: true, reason: 'DEFAULT_GRANTED' });
    expect(ads(3)).toMatchObject({ allowed: false, reason: 'USER_WITHDRAWN' });
  });

  it("reads without a unit of work: the ORM's EntityManager is not forked for a read", async () => {
    const fork = vi.spyOn(server.app.orm.em, 'fork');
    try {
      await ask(10);
      expect(fork).not.toHaveBeenCalled();
    } finally {
      fork.mockRestore();
    }
  });

  it('reads no consent for an _entities selection that asks for none of it', async () => {
    const representations = ids.slice(0, 10).map((id) => ({ __typename: 'User', id }));
    server.statements.length = 0;
    const res = await server.request<{ _entities: { id: string }[] }, unknown>(
      'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { id } } }',
      { representations },
      { token },
    );
    expect(res.data!._entities.map((u) => u.id)).toEqual(ids.slice(0, 10));
    expect(dataStatements(server.statements)).toEqual([]);
  });

  it("reads, in a user's own batch, only what they may read: their own consent, once; the rest is refused unread", async () => {
    const own = await server.token(ids[0]!);
    const ask = async (users: readonly string[]) => {
      server.statements.length = 0;
      const res = await server.request<EntitiesData, unknown>(
        ENTITIES,
        { representations: users.map((id) => ({ __typename: 'User', id })) },
        { token: own },
      );
      return { res, statements: dataStatements(server.statements) };
    };

    const mixed = await ask([ids[1]!, ids[0]!, ids[2]!]);
    expect(mixed.res.data!._entities.map((u) => u?.id ?? null)).toEqual([null, ids[0], null]);
    expect(mixed.res.errors?.map((e) => [e.path?.[1], e.extensions?.code])).toEqual([
      [0, 'FORBIDDEN'],
      [2, 'FORBIDDEN'],
    ]);
    expect(mixed.statements).toHaveLength(1);

    const others = await ask([ids[1]!, ids[2]!]);
    expect(others.res.data!._entities).toEqual([null, null]);
    expect(others.statements).toEqual([]);
  });

  it('answers users it has never seen without extra statements, as not having accepted', async () => {
    const representations = ['ghost-1', ids[0]!, 'ghost-2'].map((id) => ({ __typename: 'User', id }));
    server.statements.length = 0;
    const res = await server.request<EntitiesData, unknown>(ENTITIES, { representations }, { token });
    expect(dataStatements(server.statements)).toHaveLength(1);
    expect(res.data!._entities.map((u) => [u.id, u.consent.version])).toEqual([
      ['ghost-1', 0],
      [ids[0], 1],
      ['ghost-2', 0],
    ]);
    expect(new Set(res.data!._entities[0]!.dataSharingPurposes.map((d) => d.reason))).toEqual(new Set(['POLICY_NOT_ACCEPTED']));
  });
});
