/**
 * Consent changes reach every system, even through a crash: the real server
 * process on PostgreSQL publishes to a JetStream stream of its own while
 * eight users write, is killed with SIGKILL in the middle, and is started
 * again on the same database. Afterwards the stream must hold every change
 * of the feed exactly once, in feed order. Only outcomes are asserted, never
 * how long anything took.
 */
import { MikroORM } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { ormOptions } from '../../src/db/orm.config.js';
import { startWriteLoad } from '../support/consent-load.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TEST_JWT_SECRET } from '../support/harness.js';
import { ledgerProblems } from '../support/ledger-check.js';
import { createTestStream, type PublishedMessage, type TestStream, testNatsUrl } from '../support/nats.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

const WRITERS = 8;
const WRITES_PER_USER = 125;
const CHANGES = WRITERS * WRITES_PER_USER;
// Every write of the load changes one thing: one ledger event, one consent version, so a user's versions run 1, 2, …
const VERSIONS = Array.from({ length: WRITES_PER_USER }, (_, i) => i + 1);

interface FeedEntry {
  readonly id: string;
  readonly userId: string;
  readonly consentVersion: number;
}

/** The feed as the relay must publish it: every change, in (transaction, event) order. */
async function readFeed(orm: MikroORM): Promise<FeedEntry[]> {
  const rows = (await orm.em
    .getConnection()
    .execute(
      'select c.event_id, e.user_id, e.consent_version from consent_change c join consent_event e on e.id = c.event_id order by c.tx_id, c.event_id',
    )) as Record<string, unknown>[];
  return rows.map((r) => ({ id: String(r.event_id), userId: String(r.user_id), consentVersion: Number(r.consent_version) }));
}

/** Each user's consent versions in the order given. */
function versionsByUser(entries: readonly { userId: string; version: number }[]): Map<string, number[]> {
  const byUser = new Map<string, number[]>();
  for (const { userId, version } of entries) byUser.set(userId, [...(byUser.get(userId) ?? []), version]);
  return byUser;
}

const published = (m: PublishedMessage) => ({ userId: String(m.body.userId), version: Number(m.body.consentVersion) });
const ascending = (versions: readonly number[]) => versions.every((v, i) => i === 0 || v > versions[i - 1]!);

describe('a SIGKILL of the server while it publishes changes to NATS from PostgreSQL', () => {
  it(`publishes all ${CHANGES} changes of ${WRITERS} concurrent writers exactly once, each user's in order`, async () => {
    let database: TestDatabase | undefined;
    let stream: TestStream | undefined;
    let server: ServerProcess | undefined;
    let orm: MikroORM | undefined;
    try {
      database = await createTestDatabase('postgresql');
      stream = await createTestStream();
      const env = {
        ...database.env,
        NATS_URL: testNatsUrl(),
        NATS_STREAM: stream.stream,
        NATS_SUBJECT_PREFIX: stream.subjectPrefix,
        JWT_SECRET: TEST_JWT_SECRET,
      };
      server = startServerProcess(env);
      let url = await server.ready();
      const users = Array.from({ length: WRITERS }, (_, i) => `relay-writer-${i}`);
      const writes = startWriteLoad(() => url, TEST_JWT_SECRET, users, { writesPerUser: WRITES_PER_USER });
      try {
        await expect.poll(() => writes.acknowledged.length, { timeout: 60_000 }).toBeGreaterThanOrEqual(CHANGES / 2);
        server.kill('SIGKILL');
        expect(await server.exited()).toBe('SIGKILL');
        // The kill fell in the middle of the load, not after it.
        expect(writes.acknowledged.length).toBeLessThan(CHANGES);

        server = startServerProcess(env);
        url = await server.ready();
        await writes.finished;
      } finally {
        await writes.stop();
      }
      // Writes in flight at the kill, and those tried while no server listened, got no answer; nothing else failed.
      expect([...writes.failures.keys()]).toEqual(['NETWORK']);
      expect(writes.acknowledged).toHaveLength(CHANGES);

      orm = await MikroORM.init(ormOptions(parseConfig(env).database));
      expect(await ledgerProblems(orm, writes.acknowledged)).toEqual([]);
      const feed = await readFeed(orm);
      const [events] = await orm.em.getConnection().execute('select count(*) as n from consent_event');
      expect(Number(events.n)).toBe(CHANGES);
      expect(feed).toHaveLength(CHANGES);

      // The restarted relay publishes what the killed one had not; then nothing more may arrive.
      const messages = await stream.waitForMessages(feed.length, 60_000);
      server.kill('SIGTERM');
      expect(await server.exited()).toBe(0);
      expect((await stream.manager.streams.info(stream.stream)).state.messages).toBe(messages.length);

      // Exactly once: one message per change, none twice (by Nats-Msg-Id), none that is not a change, in feed order.
      expect(messages.map((m) => m.msgId)).toEqual(feed.map((c) => c.id));
      expect(messages.map((m) => String(m.body.id))).toEqual(feed.map((c) => c.id));
      expect(new Set(messages.map((m) => m.msgId)).size).toBe(messages.length);

      // Each user's changes in strictly increasing consentVersion, every acknowledged write among them, the last one last.
      const streamed = versionsByUser(messages.map(published));
      const acknowledged = versionsByUser(writes.acknowledged);
      expect([...streamed.keys()].sort()).toEqual([...users].sort());
      for (const user of users) {
        const versions = streamed.get(user)!;
        expect(acknowledged.get(user)).toEqual(VERSIONS);
        expect(ascending(versions), `${user}: ${versions.join()}`).toBe(true);
        expect(versions).toEqual(expect.arrayContaining(VERSIONS));
        expect(versions.at(-1)).toBe(VERSIONS.at(-1));
      }
    } finally {
      server?.kill('SIGKILL');
      await server?.exited();
      await orm?.close();
      await stream?.drop();
      await database?.drop();
    }
  });
});
