import { connect, createServer, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptPolicyDocument,
  ConsentChangesDocument,
  SetBusinessPreferenceDocument,
  UpdateConsentDocument,
} from '../generated/graphql.js';
import { testDialect } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { createTestStream, type TestStream } from '../support/nats.js';

const V2016 = '2016-08-25';
const BRISK = { pollMs: 20, leadershipRetryMs: 200, backoffMs: [50, 500] as [number, number] };

const feedOf = async (server: TestServer) => {
  const token = await server.token('auditor', 'consent:read');
  return (await server.request(ConsentChangesDocument, { first: 500 }, { token })).data!.consentChanges.edges.map((e) => e.node);
};
const as = (server: TestServer, user: string) => server.token(user).then((token) => ({ token }));

const waitUntil = async (condition: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describe('publishing committed changes to NATS JetStream', () => {
  let stream: TestStream;
  let server: TestServer;

  beforeAll(async () => {
    stream = await createTestStream();
    expect(await stream.exists()).toBe(false);
    server = await startTestServer({ configure: stream.configure, relayTimings: BRISK });
  });
  afterAll(async () => {
    await server?.close();
    await stream?.drop();
  });

  it('creates the stream and publishes every change in feed order, on its subject, with Nats-Msg-Id and a flat body', async () => {
    const ana = await as(server, 'ana');
    await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, ana);
    await server.request(UpdateConsentDocument, { input: { choices: [{ purpose: 'facebook.ads', granted: false }] } }, ana);
    await server.request(SetBusinessPreferenceDocument, { input: { businessId: 'acme-shoes', blocked: true } }, ana);

    const feed = await feedOf(server);
    expect(feed).toHaveLength(4);
    const messages = await stream.waitForMessages(feed.length);
    expect((await stream.manager.streams.info(stream.stream)).config.subjects).toEqual([`${stream.subjectPrefix}.>`]);
    expect(messages.map((m) => [m.msgId, m.subject])).toEqual(
      feed.map((c) => [c.id, `${stream.subjectPrefix}.${c.event.type.toLowerCase()}`]),
    );

    const optOut = messages[1]!.body;
    expect(optOut).toEqual({
      id: feed[1]!.id,
      cursor: expect.any(String),
      userId: 'ana',
      consentVersion: 2,
      type: 'CHOICE_CHANGED',
      purposeKey: 'facebook.ads',
      choiceGroup: 'facebook.account_sharing',
      businessId: null,
      setting: null,
      previousValue: 'default:granted',
      newValue: 'withdrawn',
      policyVersion: V2016,
      actor: 'ana',
      channel: 'SETTINGS',
      occurredAt: server.now().toISOString(),
      decisions: [{ purposeKey: 'facebook.ads', recipient: 'facebook', allowed: false, reason: 'USER_WITHDRAWN' }],
      businessMessaging: null,
    });
    expect(messages[3]!.body).toMatchObject({
      type: 'BUSINESS_PREFERENCE_CHANGED',
      decisions: [],
      businessMessaging: { businessId: 'acme-shoes', blocked: true, transactional: false, marketing: false },
    });
    expect((messages[0]!.body.decisions as unknown[]).length).toBe(8);
  });

  it('drops a re-publish after a crash as a duplicate: restarting without the saved mark stores nothing twice', async () => {
    const before = await stream.waitForMessages((await feedOf(server)).length);
    await server.app.orm.em.getConnection().execute('delete from consent_change_relay');
    const database = server.database;
    await server.app.close();

    // A second life of the service on the same database republishes from the start.
    const again = await startTestServer({ database, configure: stream.configure, relayTimings: BRISK });
    try {
      await waitUntil(async () => {
        const [row] = await again.app.orm.em.getConnection().execute('select event_id from consent_change_relay');
        return row !== undefined && String(row.event_id) === before.at(-1)!.msgId;
      });
      expect(await stream.messages()).toEqual(before);

      await again.request(
        UpdateConsentDocument,
        { input: { choices: [{ purpose: 'facebook.ads', granted: true }] } },
        await as(again, 'ana'),
      );
      const after = await stream.waitForMessages(before.length + 2);
      expect(after.map((m) => m.msgId)).toEqual((await feedOf(again)).map((c) => c.id));
    } finally {
      await again.app.close();
      server = { ...server, close: () => database.drop() };
    }
  });
});

describe('the relay when NATS cannot be reached', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('keeps serving requests and the feed, backs off, and stops cleanly', async () => {
    server = await startTestServer({
      configure: (config) => ({
        ...config,
        nats: { servers: ['nats://127.0.0.1:1'], stream: 'UNREACHABLE', subjectPrefix: 'unreachable' },
      }),
      relayTimings: BRISK,
    });
    const res = await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, await as(server, 'offline'));
    expect(res.data?.acceptPrivacyPolicy.userErrors).toEqual([]);
    expect(await feedOf(server)).toHaveLength(1);
    const [mark] = await server.app.orm.em.getConnection().execute('select count(*) as n from consent_change_relay');
    expect(Number(mark.n)).toBe(0);
  });
});

if (testDialect() === 'postgresql') {
  describe('the relay when its lock connection cannot be made', () => {
    let stream: TestStream;
    let server: TestServer;
    const sockets = new Set<Socket>();
    let open = false;
    // In front of PostgreSQL for the session connections: it swallows them (accepts, never answers) until opened.
    const gate = createServer((client) => {
      sockets.add(client);
      client.on('error', () => {});
      if (!open) return;
      const postgres = new URL(process.env.TEST_POSTGRES_URL as string);
      const upstream = connect(Number(postgres.port || 5432), postgres.hostname);
      sockets.add(upstream);
      upstream.on('error', () => {});
      client.pipe(upstream).pipe(client);
    });

    beforeAll(async () => {
      stream = await createTestStream();
      await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await server?.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => gate.close(resolve));
      await stream?.drop();
    });

    it('gives up on a server that never answers, keeps trying, and publishes once the lock can be taken', async () => {
      server = await startTestServer({
        configure: (config) => {
          const database = config.database;
          if (database.dialect !== 'postgresql') throw new Error('PostgreSQL only');
          const sessionUrl = new URL(database.url);
          sessionUrl.host = `127.0.0.1:${(gate.address() as { port: number }).port}`;
          return stream.configure({ ...config, database: { ...database, sessionUrl: sessionUrl.toString(), connectTimeoutSeconds: 1 } });
        },
        relayTimings: BRISK,
      });
      const res = await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, await as(server, 'gated'));
      expect(res.data?.acceptPrivacyPolicy.userErrors).toEqual([]);
      // Two connect timeouts: the relay has tried and failed at least once, and published nothing.
      await new Promise((resolve) => setTimeout(resolve, 2_200));
      expect(server.app.relay!.active).toBe(false);
      expect(await stream.messages()).toEqual([]);

      open = true;
      await waitUntil(() => server.app.relay!.active);
      const messages = await stream.waitForMessages(1);
      expect(messages.map((m) => m.msgId)).toEqual((await feedOf(server)).map((c) => c.id));
    });
  });

  describe('two instances on one PostgreSQL database', () => {
    let stream: TestStream;
    let first: TestServer;
    let second: TestServer;
    const running = new Set<TestServer>();

    beforeAll(async () => {
      stream = await createTestStream();
      first = await startTestServer({ configure: stream.configure, relayTimings: BRISK });
      await waitUntil(() => first.app.relay!.active);
      second = await startTestServer({ database: first.database, configure: stream.configure, relayTimings: BRISK });
      running.add(first).add(second);
    });
    afterAll(async () => {
      for (const server of running) await server.app.close();
      await first?.database.drop();
      await stream?.drop();
    });

    const accept = async (server: TestServer, users: string[]) => {
      for (const user of users) await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, await as(server, user));
    };
    const actives = () => [...running].filter((s) => s.app.relay!.active);

    it('run one relay at a time; when it loses its lock or stops, one relay carries on and nothing is published twice', async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect([first.app.relay!.active, second.app.relay!.active]).toEqual([true, false]);
      await accept(first, ['u1', 'u2']);
      await stream.waitForMessages(2);

      // The active relay's lock session dies: one relay (either) holds the lock again.
      const db = new pg.Client({ connectionString: first.database.env.DATABASE_URL });
      await db.connect();
      try {
        const lockHolders = `select pid from pg_locks where locktype = 'advisory' and granted
          and database = (select oid from pg_database where datname = current_database())`;
        const { rows } = await db.query(lockHolders);
        expect(rows).toHaveLength(1);
        await db.query('select pg_terminate_backend($1)', [rows[0].pid]);
        await waitUntil(async () => (await db.query(lockHolders)).rows.length === 1 && actives().length === 1);
      } finally {
        await db.end();
      }
      await accept(second, ['u3']);
      await stream.waitForMessages(3);

      // The active instance stops: the other takes over.
      const [stopped] = actives();
      running.delete(stopped!);
      await stopped!.app.close();
      const [survivor] = [...running];
      await waitUntil(() => survivor!.app.relay!.active);
      await accept(survivor!, ['u4', 'u5']);

      const messages = await stream.waitForMessages(5);
      expect(messages.map((m) => m.msgId)).toEqual((await feedOf(survivor!)).map((c) => c.id));
    });
  });
}
