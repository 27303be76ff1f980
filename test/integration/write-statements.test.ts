/**
 * What a consent write costs the database, as deterministic facts: on
 * PostgreSQL five statements whatever the change touches (BEGIN, the
 * user's lock, one read, one write, COMMIT), and on both databases nothing
 * after the commit: the payload is the state the write committed. On
 * PostgreSQL the three statements between are prepared by name, so their
 * text never changes and the server plans them once per connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcceptPolicyDocument, SetBusinessPreferenceDocument, UpdateConsentDocument } from '../generated/graphql.js';
import { testDialect } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/harness.js';

const V2016 = '2016-08-25';

describe('the statements of one consent write', () => {
  let server: TestServer;
  const as = (user: string) => server.token(user).then((token) => ({ token }));

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  /** The statements of one request, and those after its COMMIT. */
  const measure = async (request: () => Promise<unknown>) => {
    server.statements.length = 0;
    await request();
    const all = [...server.statements];
    const commit = all.findIndex((s) => /^commit\b/i.test(s));
    return { all, afterCommit: commit === -1 ? null : all.slice(commit + 1) };
  };

  it('costs the same statements for one choice as for a withdrawal that also clears business grants, and reads nothing back', async () => {
    const user = await as('counted');
    await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, user);
    for (const businessId of ['acme-shoes', 'bolt-bikes', 'corner-cafe']) {
      await server.request(SetBusinessPreferenceDocument, { input: { businessId, category: 'MARKETING', allowed: true } }, user);
    }
    const one = await measure(() =>
      server.request(UpdateConsentDocument, { input: { choices: [{ purpose: 'facebook.ads', granted: false }] } }, user),
    );
    // The global marketing switch clears the three per-business grants in the same write: four ledger events.
    const many = await measure(async () => {
      const res = await server.request(
        UpdateConsentDocument,
        { input: { choices: [{ purpose: 'business.marketing', granted: false }] } },
        user,
      );
      expect(res.data?.updateConsent.consent?.version).toBe(6);
    });

    for (const write of [one, many]) {
      expect(write.afterCommit).toEqual([]);
      if (testDialect() === 'postgresql') {
        expect(write.all).toHaveLength(5);
        expect(write.all[0]).toMatch(/^begin\b/i);
        expect(write.all[1]).toMatch(/pg_advisory_xact_lock/);
        expect(write.all[2]).toMatch(/^\s*select s\.version/);
        expect(write.all[3]).toMatch(/^\s*with\s+dropped as/);
      }
    }
    if (testDialect() === 'postgresql') {
      // Prepared by name: the same text for a one-choice change and a four-event withdrawal, values apart.
      expect(many.all.slice(1, 4)).toEqual(one.all.slice(1, 4));
      for (const sent of one.all.slice(1, 4)) expect(sent).toMatch(/\$1\b/);
    }
  });
});
