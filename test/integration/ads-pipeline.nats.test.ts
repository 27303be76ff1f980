import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { ApplyOutcome } from '../../examples/ads-pipeline/audience.js';
import type { ConsentChangeMessage } from '../../examples/ads-pipeline/consent-change.js';
import { ConsentSubgraph, type ChangePage } from '../../examples/ads-pipeline/consent-subgraph.js';
import { AdsPipeline, type AdsPipelineOptions } from '../../examples/ads-pipeline/pipeline.js';
import { AcceptPolicyDocument, ConsentChangesDocument, UpdateConsentDocument } from '../generated/graphql.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { createTestStream, testNatsUrl, type TestStream } from '../support/nats.js';

/** What a pipeline reported, with a way to wait for a condition re-checked on every report. */
class Reports {
  readonly applied: [id: string, userId: string, outcome: ApplyOutcome, source: string][] = [];
  readonly acknowledged: string[] = [];
  private readonly checks = new Set<() => void>();

  readonly hooks: Pick<AdsPipelineOptions, 'onApplied' | 'onAcknowledged'> = {
    onApplied: (change, outcome, source) => {
      this.applied.push([change.id, change.userId, outcome, source]);
      this.changed();
    },
    onAcknowledged: (cursor) => {
      this.acknowledged.push(cursor);
      this.changed();
    },
  };

  /** Resolves once `predicate` holds; fails after a generous while (a liveness bound, not a speed claim). */
  until(what: string, predicate: () => boolean, ms = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.checks.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, ms);
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.checks.delete(check);
        resolve();
      };
      this.checks.add(check);
      check();
    });
  }

  private changed(): void {
    for (const check of [...this.checks]) check();
  }
}

describe('the ads pipeline on JetStream', () => {
  let stream: TestStream;
  let nats: NatsConnection;

  /** Stands in for the subgraph: a feed to catch up from, and acknowledgements that always succeed. */
  const subgraph = (feed: ConsentChangeMessage[] = []) => ({
    changesAfter: async (after: string | null): Promise<ChangePage> => ({
      changes: feed.slice(after === null ? 0 : feed.findIndex((c) => c.cursor === after) + 1),
      hasNextPage: false,
    }),
    acknowledge: async () => {},
  });

  const optOut = (n: number, userId: string): ConsentChangeMessage => ({
    id: String(n),
    cursor: `cursor-${n}`,
    userId,
    consentVersion: 2,
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

  const publish = (body: string, id: string) => jetstream(nats).publish(`${stream.subjectPrefix}.choice_changed`, body, { msgID: id });

  const start = async (feed: ConsentChangeMessage[], reports: Reports) => {
    const pipeline = new AdsPipeline({
      subgraph: subgraph(feed),
      natsServers: testNatsUrl(),
      stream: stream.stream,
      filterSubject: `${stream.subjectPrefix}.>`,
      consumer: 'ads-pipeline',
      ...reports.hooks,
    });
    await pipeline.start();
    return pipeline;
  };
  const consumerInfo = () => stream.manager.consumers.info(stream.stream, 'ads-pipeline');

  beforeAll(async () => {
    stream = await createTestStream();
    await stream.manager.streams.add({ name: stream.stream, subjects: [`${stream.subjectPrefix}.>`] });
    nats = await connect({ servers: testNatsUrl() });
  });
  afterAll(async () => {
    await nats?.close();
    await stream?.drop();
  });

  it('applies a change from the stream, acks it to JetStream and acknowledges its cursor', async () => {
    const reports = new Reports();
    const pipeline = await start([], reports);
    try {
      await publish(JSON.stringify(optOut(1, 'user-1')), '1');
      await reports.until('the acknowledgement', () => reports.acknowledged.includes('cursor-1'));
      expect(reports.applied).toEqual([['1', 'user-1', 'applied', 'stream']]);
      expect(pipeline.audience.optedOut()).toEqual(['user-1']);
    } finally {
      await pipeline.stop();
    }
    const info = await consumerInfo();
    expect(info.config).toMatchObject({ durable_name: 'ads-pipeline', ack_policy: 'explicit' });
    expect({ acked: info.ack_floor.stream_seq, pending: info.num_ack_pending }).toEqual({ acked: 1, pending: 0 });
  });

  it('resumes after its last ack when restarted, dropping what the feed catch-up already applied', async () => {
    await publish(JSON.stringify(optOut(2, 'user-2')), '2');
    // A restarted pipeline's memory is empty: it catches up from the feed, which holds both changes.
    const reports = new Reports();
    const pipeline = await start([optOut(1, 'user-1'), optOut(2, 'user-2')], reports);
    try {
      await reports.until('the stream to deliver the unacked change', () => reports.applied.length === 3);
      // Change 1 was acked by the first run and is not delivered again; change 2 is, and is a duplicate.
      expect(reports.applied).toEqual([
        ['1', 'user-1', 'applied', 'feed'],
        ['2', 'user-2', 'applied', 'feed'],
        ['2', 'user-2', 'duplicate', 'stream'],
      ]);
      expect(pipeline.audience.optedOut().sort()).toEqual(['user-1', 'user-2']);
    } finally {
      await pipeline.stop();
    }
  });

  it('stops at a message it cannot read and leaves it unacked, rather than skip what may be an opt-out', async () => {
    const pipeline = await start([], new Reports());
    try {
      await publish('{"id": "3", "userId": "user-3"}', '3');
      await expect(pipeline.following).rejects.toThrow(/unreadable consent change 3/);
    } finally {
      await pipeline.stop();
    }
    expect((await consumerInfo()).ack_floor.stream_seq).toBe(2);
  });
});

describe('the ads pipeline following the consent subgraph', () => {
  let stream: TestStream;
  let server: TestServer;
  let pipeline: AdsPipeline;
  const reports = new Reports();

  const reader = () => server.token('auditor', 'consent:read');
  const choose = async (user: string, granted: boolean) => {
    const input = { choices: [{ purpose: 'facebook.ads', granted }] };
    const res = await server.request(UpdateConsentDocument, { input }, { token: await server.token(user) });
    expect(res.data?.updateConsent.userErrors).toEqual([]);
  };
  const latestCursorOf = async (user: string) => {
    const res = await server.request(ConsentChangesDocument, { first: 500 }, { token: await reader() });
    return res.data!.consentChanges.edges.filter((e) => e.node.userId === user).at(-1)!.cursor;
  };
  const adsPipelinePropagation = async (user: string) => {
    const res = await server.request<
      { dataSubject: { consent: { propagation: { consumer: string; upToDate: boolean; acknowledgedAt: string | null }[] } } },
      { id: string }
    >(
      'query ($id: ID) { dataSubject(id: $id) { consent { propagation { consumer upToDate acknowledgedAt } } } }',
      { id: user },
      {
        token: await reader(),
      },
    );
    return res.data!.dataSubject.consent.propagation.find((p) => p.consumer === 'ads-pipeline');
  };
  const accept = async (user: string) => {
    const res = await server.request(AcceptPolicyDocument, { input: { version: '2016-08-25' } }, { token: await server.token(user) });
    expect(res.data?.acceptPrivacyPolicy.userErrors).toEqual([]);
  };

  beforeAll(async () => {
    stream = await createTestStream();
    server = await startTestServer({ configure: stream.configure, relayTimings: { pollMs: 20 } });
    // Accepted before the pipeline started: it can only learn of this user from the GraphQL feed.
    await accept('early');
    pipeline = new AdsPipeline({
      subgraph: new ConsentSubgraph(server.url, await server.token('ads-pipeline', 'consent:read')),
      natsServers: testNatsUrl(),
      stream: stream.stream,
      filterSubject: `${stream.subjectPrefix}.>`,
      consumer: 'ads-pipeline',
      ...reports.hooks,
    });
    await pipeline.start();
  });
  afterAll(async () => {
    await pipeline?.stop();
    await server?.close();
    await stream?.drop();
  });

  it('catches up from the GraphQL feed before following the stream', () => {
    expect(reports.applied[0]).toEqual([expect.any(String), 'early', 'applied', 'feed']);
    expect(pipeline.audience.mayTarget('early')).toBe(true);
  });

  it('applies an opt-out made through the subgraph from the stream, and the user sees that the ads pipeline applied it', async () => {
    await accept('ana');
    await choose('ana', false);

    await reports.until('the opt-out from the stream', () => pipeline.audience.isOptedOut('ana'));
    expect(reports.applied).toContainEqual([expect.any(String), 'ana', 'applied', 'stream']);
    expect(pipeline.audience.optedOut()).toContain('ana');

    const cursor = await latestCursorOf('ana');
    await reports.until('the acknowledgement of the opt-out', () => reports.acknowledged.includes(cursor));
    expect(await adsPipelinePropagation('ana')).toEqual({ consumer: 'ads-pipeline', upToDate: true, acknowledgedAt: expect.any(String) });
  });

  it('takes the user out of the opted-out set when they opt in again, and shows it applied again', async () => {
    await choose('ana', true);
    await reports.until('the opt-in from the stream', () => pipeline.audience.mayTarget('ana'));
    expect(pipeline.audience.optedOut()).not.toContain('ana');

    const cursor = await latestCursorOf('ana');
    await reports.until('the acknowledgement of the opt-in', () => reports.acknowledged.includes(cursor));
    expect(await adsPipelinePropagation('ana')).toMatchObject({ consumer: 'ads-pipeline', upToDate: true });
  });
});
