/**
 * A JetStream stream of the test's own on the shared NATS server
 * (TEST_NATS_URL). The contract fixes the stream name and subjects, and
 * change ids restart at 1 in every test database, so tests that ran against
 * the real `CONSENT_CHANGES` would dedupe each other's messages away: each
 * test gets a unique stream and subject prefix, and deletes only that.
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Config } from '../../src/config.js';

export interface PublishedMessage {
  readonly seq: number;
  readonly subject: string;
  readonly msgId: string | undefined;
  readonly body: Record<string, unknown>;
}

export interface TestStream {
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly manager: JetStreamManager;
  /** Points a configuration's publishing at this stream. */
  configure(config: Config): Config;
  exists(): Promise<boolean>;
  /** Every message stored so far, in stream order. */
  messages(): Promise<PublishedMessage[]>;
  /** Waits until the stream holds `count` messages, then returns them all. */
  waitForMessages(count: number, timeoutMs?: number): Promise<PublishedMessage[]>;
  drop(): Promise<void>;
}

export function testNatsUrl(): string {
  const url = process.env.TEST_NATS_URL;
  if (!url) throw new Error('These tests need TEST_NATS_URL (e.g. nats://127.0.0.1:4222)');
  return url;
}

export async function createTestStream(): Promise<TestStream> {
  const url = testNatsUrl();
  const suffix = randomBytes(5).toString('hex');
  const stream = `CONSENT_CHANGES_TEST_${suffix.toUpperCase()}`;
  const subjectPrefix = `test_${suffix}.consent.changes`;
  const connection: NatsConnection = await connect({ servers: url });
  const manager = await jetstreamManager(connection);

  const exists = async () => (await manager.streams.names().next()).includes(stream);
  const messages = async (): Promise<PublishedMessage[]> => {
    if (!(await exists())) return [];
    const info = await manager.streams.info(stream);
    const found: PublishedMessage[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await manager.streams.getMessage(stream, { seq });
      if (!m) continue;
      found.push({ seq: m.seq, subject: m.subject, msgId: m.header?.get('Nats-Msg-Id'), body: m.json<Record<string, unknown>>() });
    }
    return found;
  };

  return {
    stream,
    subjectPrefix,
    manager,
    configure: (config) => ({ ...config, nats: { servers: [url], stream, subjectPrefix } }),
    exists,
    messages,
    async waitForMessages(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      // Counting is one request; reading the messages is one per message, so read them once, at the end.
      const stored = async () => ((await exists()) ? (await manager.streams.info(stream)).state.messages : 0);
      while ((await stored()) < count && Date.now() <= deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      return messages();
    },
    async drop() {
      if (await exists()) await manager.streams.delete(stream);
      await connection.close();
    },
  };
}
