/**
 * The feed's hard promise: a follower never skips a committed change, even
 * when transactions commit out of id order (ids are handed out at insert,
 * not at commit). Each database proves it its own way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import {
  AcceptPolicyDocument,
  ConsentChangesDocument,
  SetBusinessPreferenceDocument,
  UpdateConsentDocument,
} from '../generated/graphql.js';
import { testDialect } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/harness.js';

const V2016 = '2016-08-25';
const OPT_OUT = { choices: [{ purpose: 'facebook.ads', granted: false }] };

describe('a follower of the feed and transactions that commit out of id order', () => {
  let server: TestServer;
  let reader: string;
  const as = (user: string) => server.token(user).then((token) => ({ token }));
  const page = async (after: string | null) =>
    (await server.request(ConsentChangesDocument, { after, first: 500 }, { token: reader })).data!.consentChanges;

  beforeAll(async () => {
    server = await startTestServer();
    reader = await server.token('ads-pipeline', 'consent:read');
    for (const user of ['first-writer', 'second-writer']) {
      await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, await as(user));
    }
  });
  afterAll(() => server?.close());

  if (testDialect() === 'postgresql') {
    it('never skips the change of a transaction that took the lower id but committed last', async () => {
      const start = (await page(null)).pageInfo.endCursor;
      const db = new pg.Client({ connectionString: server.database.env.DATABASE_URL });
      await db.connect();
      try {
        // Hold the feed row the first writer's ledger trigger will insert last in its statement, after its
        // ledger events have taken their ids: the transaction then waits on this row, open, with the lower ids.
        await db.query('begin');
        const { rows: sequence } = await db.query('select last_value, is_called from consent_event_id_seq');
        const nextId = Number(sequence[0].last_value) + (sequence[0].is_called ? 1 : 0);
        await db.query('insert into consent_change (event_id, tx_id) values ($1, 0)', [nextId]);
        const first = server.request(UpdateConsentDocument, { input: OPT_OUT }, await as('first-writer'));
        await waitFor(async () => {
          const { rows } = await db.query(
            `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
          );
          return rows[0].n > 0;
        });

        // The second writer takes higher ids and commits first.
        const second = await server.request(UpdateConsentDocument, { input: OPT_OUT }, await as('second-writer'));
        expect(second.data?.updateConsent.userErrors).toEqual([]);
        const ids = async (user: string) =>
          (await db.query('select id from consent_event where user_id = $1 and consent_version = 2 order by id', [user])).rows.map((r) =>
            Number(r.id),
          );
        const secondIds = await ids('second-writer');
        expect(secondIds).toHaveLength(2);

        // A reader now must not move past the still-open first writer.
        const during = await page(start);
        expect(during.edges.map((e) => e.node.userId)).toEqual([]);

        await db.query('rollback');
        expect((await first).data?.updateConsent.userErrors).toEqual([]);
        const firstIds = await ids('first-writer');
        expect(Math.max(...firstIds)).toBeLessThan(Math.min(...secondIds));

        const after = await page(during.pageInfo.endCursor ?? null);
        expect(after.edges.map((e) => [e.node.userId, Number(e.node.id)])).toEqual([
          ...firstIds.map((id) => ['first-writer', id]),
          ...secondIds.map((id) => ['second-writer', id]),
        ]);
      } finally {
        await db.end();
      }
    });

    it('is not held back by a long transaction in another database on the same server', async () => {
      const start = (await page(null)).pageInfo.endCursor;
      const elsewhere = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
      await elsewhere.connect();
      try {
        await elsewhere.query('begin');
        await elsewhere.query('select pg_current_xact_id()');
        await server.request(
          UpdateConsentDocument,
          { input: { choices: [{ purpose: 'facebook.ads', granted: true }] } },
          await as('second-writer'),
        );
        expect((await page(start)).edges.map((e) => e.node.userId)).toEqual(['second-writer', 'second-writer']);
      } finally {
        await elsewhere.query('rollback');
        await elsewhere.end();
      }
    });

    it("takes a write's transaction id only once it holds the user, so one user's changes are fed in the order they commit", async () => {
      const db = new pg.Client({ connectionString: server.database.env.DATABASE_URL });
      await db.connect();
      try {
        // Hold the user as a concurrent write would: the next write must wait without a transaction id.
        await db.query(`select pg_advisory_lock(hashtextextended('first-writer', 0))`);
        const write = server.request(
          UpdateConsentDocument,
          { input: { choices: [{ purpose: 'facebook.ads', granted: true }] } },
          await as('first-writer'),
        );
        let waiting: { backend_xid: string | null }[] = [];
        await waitFor(async () => {
          waiting = (
            await db.query(
              `select backend_xid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'advisory'`,
            )
          ).rows;
          return waiting.length > 0;
        });
        expect(waiting).toEqual([{ backend_xid: null }]);
        await db.query(`select pg_advisory_unlock(hashtextextended('first-writer', 0))`);
        expect((await write).data?.updateConsent.userErrors).toEqual([]);
      } finally {
        await db.end();
      }
    });
  } else {
    it('serialises writes on SQLite, so ids are handed out in commit order and concurrent writes never interleave', async () => {
      const start = (await page(null)).pageInfo.endCursor;
      const users = Array.from({ length: 12 }, (_, i) => `concurrent-${i}`);
      // Each acceptance with the box unticked records three events in one transaction.
      const results = await Promise.all(
        users.map(async (user) =>
          server.request(
            AcceptPolicyDocument,
            { input: { version: V2016, choices: [{ purpose: 'facebook.account_sharing', granted: false }] } },
            await as(user),
          ),
        ),
      );
      expect(results.every((r) => r.data?.acceptPrivacyPolicy.userErrors.length === 0)).toBe(true);

      const edges = (await page(start)).edges;
      expect(edges).toHaveLength(users.length * 3);
      for (let i = 0; i < edges.length; i += 3) {
        const write = edges.slice(i, i + 3).map((e) => e.node);
        expect(new Set(write.map((n) => n.userId)).size).toBe(1);
        expect(write.map((n) => Number(n.id))).toEqual([0, 1, 2].map((k) => Number(write[0]!.id) + k));
      }
    });
  }

  it("feeds one user's concurrent writes in consentVersion order", async () => {
    const start = (await page(null)).pageInfo.endCursor;
    const auth = await as('busy-user');
    await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, auth);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        server.request(
          SetBusinessPreferenceDocument,
          { input: { businessId: `shop-${i}`, category: 'MARKETING', allowed: i % 2 === 0 } },
          auth,
        ),
      ),
    );
    const versions = (await page(start)).edges.filter((e) => e.node.userId === 'busy-user').map((e) => e.node.consentVersion);
    expect(versions).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}
