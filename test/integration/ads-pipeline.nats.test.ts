import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { ApplyOutcome } from '../../examples/ads-pipeline/audience.js';
import type { ConsentChangeMessage } from '../../examples/ads-pipeline/consent-change.js';
import type { ChangePage } from '../../examples/ads-pipeline/consent-subgraph.js';
import { AdsPipeline } from '../../examples/ads-pipeline/pipeline.js';

// Only run with TEST_NATS_URL (vitest.config.ts leaves *.nats.test.ts out otherwise).
const NATS_URL = process.env.TEST_NATS_URL as string;

/** Resolves once `predicate` holds, checked after each event; fails after a generous while (not a speed claim). */
function eventually(what: string, subscribe: (check: () => void) => void, predicate: () => boolean, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    const check = () => {
      if (!predicate()) return;
      clearTimeout(timer);
      resolve();
    };
    subscribe(check);
    check();
  });
}

/** The subgraph's side of the pipeline, recorded: a feed to catch up from and the acknowledgements received. */
class RecordingSubgraph {
  readonly acknowledged: string[] = [];
  private listeners: (() => void)[] = [];
  constructor(private readonly feed: ConsentChangeMessage[] = []) {}
  async changesAfter(after: string | null): Promise<ChangePage> {
    const start = after === null ? 0 : this.feed.findIndex((c) => c.cursor === after) + 1;
    return { changes: this.feed.slice(start), hasNextPage: false };
  }
  async acknowledge(consumer: string, cursor: string): Promise<void> {
    expect(consumer).toBe('ads-pipeline');
    this.acknowledged.push(cursor);
    for (const listener of this.listeners) listener();
  }
  onAcknowledged(listener: () => void): void {
    this.listeners.push(listener);
  }
}

const optOut = (n: number, userId: string): ConsentChangeMessage => ({
  id: String(n),
  cursor: `cursor-${n}`,
  userId,
  consentVersion: n,
  type: 'CHOICE_CHANGED',
  purposeKey: 'facebook.ads',
  choiceGroup: 'facebook.account_sharing',
  businessId: null,
  setting: null,
  previousValue: 'default:granted',
  newValue: 'withdrawn',
  policyVersion: '2016-08-25',
  actor: userId,
  channel: 'SETTINGS',
  occurredAt: new Date().toISOString(),
  decisions: [{ purposeKey: 'facebook.ads', recipient: 'facebook', allowed: false, reason: 'USER_WITHDRAWN' }],
  businessMessaging: null,
});

describe('the ads pipeline on JetStream', () => {
  let nats: NatsConnection;
  let manager: JetStreamManager;
  // A stream of the test's own: the shared server's CONSENT_CHANGES belongs to whoever runs the subgraph.
  const suffix = randomBytes(5).toString('hex');
  const stream = `ADS_PIPELINE_TEST_${suffix.toUpperCase()}`;
  const prefix = `test_${suffix}.consent.changes`;

  beforeAll(async () => {
    nats = await connect({ servers: NATS_URL });
    manager = await jetstreamManager(nats);
    await manager.streams.add({ name: stream, subjects: [`${prefix}.>`] });
  });
  afterAll(async () => {
    await manager?.streams.delete(stream).catch(() => {});
    await nats?.close();
  });

  const publish = (change: ConsentChangeMessage | string, id?: string) =>
    jetstream(nats).publish(`${prefix}.choice_changed`, typeof change === 'string' ? change : JSON.stringify(change), {
      msgID: id ?? (typeof change === 'string' ? randomBytes(4).toString('hex') : change.id),
    });

  const pipeline = (subgraph: RecordingSubgraph, seen: [string, ApplyOutcome, string][], onApplied: () => void = () => {}) =>
    new AdsPipeline({
      subgraph,
      natsServers: NATS_URL,
      stream,
      filterSubject: `${prefix}.>`,
      consumer: 'ads-pipeline',
      onApplied: (change, outcome, source) => {
        seen.push([change.id, outcome, source]);
        onApplied();
      },
    });

  it('applies an opt-out from the stream, acks it to JetStream and acknowledges its cursor to the subgraph', async () => {
    const subgraph = new RecordingSubgraph();
    const seen: [string, ApplyOutcome, string][] = [];
    const listeners: (() => void)[] = [];
    const first = pipeline(subgraph, seen, () => {
      for (const l of listeners) l();
    });
    await first.start();
    try {
      await publish(optOut(1, 'user-1'));
      await eventually(
        'the opt-out to be applied',
        (check) => listeners.push(check),
        () => seen.length === 1,
      );
      expect(first.audience.optedOut()).toEqual(['user-1']);
      await eventually(
        'the acknowledgement',
        (check) => subgraph.onAcknowledged(check),
        () => subgraph.acknowledged.includes('cursor-1'),
      );
    } finally {
      await first.stop();
    }
    const info = await manager.consumers.info(stream, 'ads-pipeline');
    expect(info.config.ack_policy).toBe('explicit');
    expect({ acked: info.ack_floor.stream_seq, pending: info.num_ack_pending }).toEqual({ acked: 1, pending: 0 });
  });

  it('resumes after its last ack when restarted, dropping what the feed catch-up already applied', async () => {
    await publish(optOut(2, 'user-2'));
    // The restarted pipeline's memory is empty: it catches up from the feed, which holds both changes.
    const subgraph = new RecordingSubgraph([optOut(1, 'user-1'), optOut(2, 'user-2')]);
    const seen: [string, ApplyOutcome, string][] = [];
    const listeners: (() => void)[] = [];
    const second = pipeline(subgraph, seen, () => {
      for (const l of listeners) l();
    });
    await second.start();
    try {
      await eventually(
        'the stream to deliver the unacked change',
        (check) => listeners.push(check),
        () => seen.length === 3,
      );
      // Change 1 was acked by the first run and is not delivered again; change 2 was, and is a duplicate of the catch-up.
      expect(seen).toEqual([
        ['1', 'applied', 'feed'],
        ['2', 'applied', 'feed'],
        ['2', 'duplicate', 'stream'],
      ]);
      expect(second.audience.optedOut().sort()).toEqual(['user-1', 'user-2']);
    } finally {
      await second.stop();
    }
  });

  it('stops at a message it cannot read and leaves it unacknowledged, rather than skip what may be an opt-out', async () => {
    const subgraph = new RecordingSubgraph();
    const third = pipeline(subgraph, []);
    await third.start();
    try {
      await publish('{"id": "3", "userId": "user-3"}');
      await expect(third.following).rejects.toThrow(/unreadable consent change 3/);
    } finally {
      await third.stop();
    }
    const info = await manager.consumers.info(stream, 'ads-pipeline');
    expect(info.ack_floor.stream_seq).toBe(2);
  });
});
