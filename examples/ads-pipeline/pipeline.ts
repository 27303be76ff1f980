/**
 * The ads pipeline following consent changes:
 *
 * 1. Catch up from the subgraph's GraphQL feed (`consentChanges`), from the
 *    first change, so the audience is complete before serving anything. The
 *    audience lives in memory, so this runs on every start; a pipeline that
 *    stored its audience would store the last applied cursor with it and
 *    catch up from there instead.
 * 2. Follow the JetStream stream with a durable consumer and explicit acks,
 *    from where the durable consumer last acknowledged (from the start of the
 *    stream the first time). Everything the catch-up has applied comes again
 *    and is dropped as a duplicate; nothing committed can fall between the
 *    two, because the stream holds every change in feed order.
 * 3. After applying, ack the message to JetStream and acknowledge the
 *    change's cursor to the subgraph (coalesced: one call in flight, always
 *    the latest cursor), which is what `Consent.propagation` reports.
 *
 * A message it cannot read stops the pipeline without acking it, rather
 * than being skipped: a skipped change might be an opt-out.
 */
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { ConsumerMessages } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AdsAudience, type ApplyOutcome } from './audience.js';
import { parseConsentChange, type ConsentChangeMessage } from './consent-change.js';
import type { ConsentSubgraph } from './consent-subgraph.js';

export interface AdsPipelineOptions {
  readonly subgraph: Pick<ConsentSubgraph, 'changesAfter' | 'acknowledge'>;
  readonly natsServers: string | string[];
  /** `CONSENT_CHANGES` */
  readonly stream: string;
  /** `consent.changes.>`; NATS 2.9 servers take one filter subject per consumer. */
  readonly filterSubject: string;
  /** The durable consumer's name and the name acknowledged to the subgraph, e.g. `ads-pipeline`. */
  readonly consumer: string;
  readonly log?: (message: string) => void;
  readonly onApplied?: (change: ConsentChangeMessage, outcome: ApplyOutcome, source: 'feed' | 'stream') => void;
  readonly onAcknowledged?: (cursor: string) => void;
}

const RETRY_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class AdsPipeline {
  readonly audience = new AdsAudience();
  private nats: NatsConnection | null = null;
  private messages: ConsumerMessages | null = null;
  private applied: string | null = null;
  private acknowledged: string | null = null;
  private acknowledging: Promise<void> | null = null;
  private stopped = false;
  /** Settles when following stops: resolves on stop(), rejects when a change cannot be applied. */
  following: Promise<void> = Promise.resolve();

  constructor(private readonly options: AdsPipelineOptions) {}

  async start(): Promise<void> {
    const caughtUp = await this.catchUp();
    this.log(`caught up from the GraphQL feed: ${caughtUp} changes, ${this.audience.optedOut().length} users opted out of ads`);
    // Keep reconnecting through a NATS outage: the durable consumer continues where it was.
    this.nats = await connect({ servers: this.options.natsServers, name: this.options.consumer, maxReconnectAttempts: -1 });
    this.messages = await this.subscribe(this.nats);
    this.following = this.follow(this.messages);
    // Reported here; whoever awaits `following` still sees the rejection.
    this.following.catch((error: unknown) => this.log(`stopped following: ${String(error)}`));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.messages?.close();
    await this.following.catch(() => {});
    await this.acknowledging;
    await this.nats?.drain();
  }

  private async catchUp(): Promise<number> {
    let count = 0;
    for (let after: string | null = null; ; ) {
      const page = await this.options.subgraph.changesAfter(after);
      for (const change of page.changes) this.apply(change, 'feed');
      count += page.changes.length;
      after = page.changes.at(-1)?.cursor ?? after;
      if (!page.hasNextPage) return count;
    }
  }

  /** The durable consumer, created on first start; waits for the stream, which the subgraph creates. */
  private async subscribe(nats: NatsConnection): Promise<ConsumerMessages> {
    const manager = await jetstreamManager(nats);
    for (;;) {
      try {
        await manager.consumers.add(this.options.stream, {
          durable_name: this.options.consumer,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: this.options.filterSubject,
        });
        break;
      } catch (error) {
        if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) || this.stopped) throw error;
        this.log(`stream ${this.options.stream} does not exist yet; retrying in ${RETRY_MS} ms`);
        await sleep(RETRY_MS);
      }
    }
    const consumer = await jetstream(nats).consumers.get(this.options.stream, this.options.consumer);
    return consumer.consume({ max_messages: 256 });
  }

  private async follow(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const message of messages) {
        // Throws on a body it cannot read: the message stays unacked and is redelivered to the next run.
        this.apply(parseConsentChange(message.json()), 'stream');
        message.ack();
      }
      if (!this.stopped) throw new Error('the stream stopped delivering (the NATS connection closed)');
    } finally {
      await messages.close();
    }
  }

  private apply(change: ConsentChangeMessage, source: 'feed' | 'stream'): void {
    const outcome = this.audience.apply(change);
    this.applied = change.cursor;
    this.options.onApplied?.(change, outcome, source);
    this.acknowledging ??= this.acknowledgeProgress().finally(() => {
      this.acknowledging = null;
    });
  }

  private async acknowledgeProgress(): Promise<void> {
    while (this.applied !== null && this.applied !== this.acknowledged) {
      const cursor = this.applied;
      try {
        await this.options.subgraph.acknowledge(this.options.consumer, cursor);
        this.acknowledged = cursor;
        this.options.onAcknowledged?.(cursor);
      } catch (error) {
        if (this.stopped) return;
        this.log(`acknowledging ${cursor} failed (${String(error)}); retrying in ${RETRY_MS} ms`);
        await sleep(RETRY_MS);
      }
    }
  }

  private log(message: string): void {
    this.options.log?.(`[${this.options.consumer}] ${message}`);
  }
}
