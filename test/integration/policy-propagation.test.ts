import { connect, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/knex';
import pg from 'pg';
import { insertPolicy } from '../../src/db/policy.repository.js';
import { POLICY_PUBLISHED_CHANNEL, PolicyPublicationListener } from '../../src/db/policy-publications.js';
import { inTransaction } from '../../src/db/transaction.js';
import { WHATSAPP_2016 } from '../../src/policies/bundled.js';
import { AcceptPolicyDocument, PublishPolicyDocument, SubjectConsentDocument, UpdateConsentDocument } from '../generated/graphql.js';
import { testDialect } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/harness.js';

/** Waits for `promise`, failing with `what` if it has not settled after a generous while (not a speed claim). */
function eventually<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const MINUTE = 60_000;

describe('two instances on one database', () => {
  let a: TestServer;
  let b: TestServer;
  let reader: string;
  let admin: string;

  beforeAll(async () => {
    a = await startTestServer();
    b = await startTestServer({ database: a.database, now: a.now() });
    [reader, admin] = await Promise.all([a.token('ads-graph', 'consent:read'), a.token('policy-team', 'consent:admin')]);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const accept = async (server: TestServer, user: string, version: string) => {
    const res = await server.request(AcceptPolicyDocument, { input: { version } }, { token: await server.token(user) });
    expect(res.data?.acceptPrivacyPolicy.userErrors).toEqual([]);
  };
  /** A live version stored without an announcement: a notification lost in a reconnect looks exactly like this. */
  const storeUnannounced = async (version: string) => {
    for (const server of [a, b]) server.advance(1000);
    const policy = { ...WHATSAPP_2016, version, effectiveAt: new Date(a.now().getTime() - 1), publishedAt: a.now() };
    await inTransaction(a.app.orm.em.fork() as EntityManager, (tx) => insertPolicy(tx, policy, 'test'));
  };
  const acceptedVersionOn = async (server: TestServer, user: string) =>
    (await server.request(SubjectConsentDocument, { id: user }, { token: reader })).data?.dataSubject.consent.policy?.version;

  it('shows the version a user accepted on one instance from the other, even before that one heard of the version', async () => {
    const version = 'unannounced';
    await storeUnannounced(version);
    await accept(a, 'accepted-unannounced', version);
    expect(b.app.catalog.get(version)).toBeUndefined();

    expect(await acceptedVersionOn(b, 'accepted-unannounced')).toBe(version);
    expect(b.app.catalog.get(version)?.version).toBe(version);
  });

  it('lets a user change a choice on the other instance before it heard of the version they accepted', async () => {
    const version = 'unannounced-then-changed';
    await storeUnannounced(version);
    await accept(a, 'changes-on-b', version);
    expect(b.app.catalog.get(version)).toBeUndefined();

    const res = await b.request(
      UpdateConsentDocument,
      { input: { choices: [{ purpose: 'facebook.ads', granted: false }], idempotencyKey: 'opt-out-on-b' } },
      { token: await b.token('changes-on-b') },
    );
    expect(res.data?.updateConsent.userErrors).toEqual([]);
    expect(res.data?.updateConsent.consent?.policy?.version).toBe(version);
    expect(res.data?.updateConsent.consent?.choices.find((c) => c.purpose.key === 'facebook.ads')?.granted).toBe(false);
  });

  if (testDialect() === 'postgresql') {
    // SQLite is one embedded file served by one process: there is no other instance to tell.
    it('tells the other instance about a version published on one, without waiting for the refresh timer', async () => {
      const version = 'published-on-a';
      const known = b.app.catalog.whenKnown(version);
      const res = await a.request(
        PublishPolicyDocument,
        {
          input: {
            version,
            effectiveAt: new Date(a.now().getTime() + MINUTE).toISOString(),
            purposes: WHATSAPP_2016.purposes.map((p) => ({ ...p, dataCategories: [...p.dataCategories] })),
            prohibitions: WHATSAPP_2016.prohibitions.map((p) => ({ ...p })),
          },
        },
        { token: admin },
      );
      expect(res.data?.publishPrivacyPolicy.userErrors).toEqual([]);

      expect((await eventually(known, `${version} on instance B`)).version).toBe(version);

      for (const server of [a, b]) server.advance(2 * MINUTE);
      await accept(a, 'accepted-on-a', version);
      expect(await acceptedVersionOn(b, 'accepted-on-a')).toBe(version);
    });
  }
});

if (testDialect() === 'postgresql') {
  describe('the policy publication listener', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer();
    });
    afterAll(() => server?.close());

    it('reconnects after its connection drops, catches up, and hears later publications', async () => {
      const databaseUrl = new URL(server.database.env.DATABASE_URL as string);
      // A TCP proxy of our own in front of the shared server, so the test can cut the listener's connection.
      const sockets = new Set<Socket>();
      const proxy = createServer((client) => {
        const upstream = connect(Number(databaseUrl.port || 5432), databaseUrl.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => {});
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const proxied = new URL(databaseUrl);
      proxied.port = String((proxy.address() as { port: number }).port);

      const waiting = new Map<string, () => void>();
      const heard = (version: string) => new Promise<void>((resolve) => waiting.set(version, resolve));
      const logged: string[] = [];
      let listened = 0;
      let onListening = () => {};
      const listener = new PolicyPublicationListener({
        url: proxied.toString(),
        connectTimeoutMs: 5_000,
        onPublished: (version) => waiting.get(version)?.(),
        onListening: () => {
          listened += 1;
          onListening();
        },
        log: (message) => logged.push(message),
        backoff: { initialMs: 20, maxMs: 200 },
      });
      const notify = async (version: string) => {
        const client = new pg.Client({ connectionString: databaseUrl.toString() });
        await client.connect();
        await client.query('select pg_notify($1, $2)', [POLICY_PUBLISHED_CHANNEL, version]);
        await client.end();
      };
      try {
        await listener.start();
        expect(listened).toBe(1);
        const heardBefore = heard('before-the-cut');
        await notify('before-the-cut');
        await eventually(heardBefore, 'the first notification');

        const relistened = new Promise<void>((resolve) => {
          onListening = resolve;
        });
        for (const socket of sockets) socket.destroy();
        await eventually(relistened, 'the listener to reconnect');
        expect(listened).toBe(2);
        expect(logged.some((m) => m.includes('connection lost'))).toBe(true);

        const heardAfter = heard('after-the-cut');
        await notify('after-the-cut');
        await eventually(heardAfter, 'a notification after reconnecting');
      } finally {
        await listener.stop();
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => proxy.close(resolve));
      }
    });

    it('does not hold start-up on a server that accepts its connection and never answers', async () => {
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const logged: string[] = [];
      let listened = 0;
      const listener = new PolicyPublicationListener({
        url: `postgres://postgres@127.0.0.1:${(silent.address() as { port: number }).port}/consent`,
        connectTimeoutMs: 200,
        onPublished: () => {},
        onListening: () => {
          listened += 1;
        },
        log: (message) => logged.push(message),
        backoff: { initialMs: 60_000, maxMs: 60_000 },
      });
      try {
        await eventually(listener.start(), 'the first attempt to give up');
        expect(listened).toBe(0);
        expect(logged).toEqual([expect.stringContaining('connection lost; reconnecting in 60000 ms (attempt 1)')]);
      } finally {
        await listener.stop();
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });
  });
}
