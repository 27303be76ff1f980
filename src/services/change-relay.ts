/**
 * The outbox relay: publishes every committed change to NATS JetStream, in
 * feed order, at least once.
 *
 * The outbox is the feed itself (`consent_change`, written by the ledger's
 * trigger in each change's own transaction) plus one high-water mark per
 * stream (`consent_change_relay`), saved only after JetStream has
 * acknowledged every message up to it. A relay that dies before saving
 * publishes those changes again; `Nats-Msg-Id` (the change id) makes the
 * stream drop them as duplicates within its duplicate window.
 *
 * Order survives pipelining: each message but the first of a run expects
 * the previous one to be the stream's last (`Nats-Expected-Last-Msg-Id`),
 * so if one is lost the ones behind it are refused too, and the run starts
 * again from the mark. The stream checks duplicates before expectations, so
 * a re-publish after a crash passes.
 *
 * Exactly one relay is active per database: on PostgreSQL the one holding a
 * session advisory lock on a connection of its own (released when that
 * connection ends, so another instance takes over within a retry interval);
 * an SQLite file belongs to one process.
 */
import { jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { MikroORM } from '@mikro-orm/core';
import pg from 'pg';
import { changeSubject, toChangeMessage, type FeedPosition } from '../domain/change-feed.js';
import type { DatabaseConfig, NatsConfig } from '../config.js';
import { loadRelayPosition, saveRelayPosition } from '../db/consent-feed.repository.js';
import type { ConsentFeed } from './consent-feed.js';

export interface RelayTimings {
  /** How often an idle relay looks for new changes. */
  readonly pollMs: number;
  /** How often a standby instance tries to become the active relay. */
  readonly leadershipRetryMs: number;
  /** Backoff after a failure, doubling from the first to the last. */
  readonly backoffMs: readonly [number, number];
  /** Messages in flight at once. */
  readonly batchSize: number;
  /**
   * After a page that was not full, how long to let changes gather before
   * reading the next one. Under a steady write load a relay that read again
   * at once found one or two changes each time and paid its page read, its
   * acknowledgements and its mark per change; an idle relay is still woken at
   * once by the first commit.
   */
  readonly lingerMs: number;
}

export const DEFAULT_RELAY_TIMINGS: RelayTimings = {
  pollMs: 100,
  leadershipRetryMs: 1000,
  backoffMs: [100, 30_000],
  batchSize: 256,
  lingerMs: 5,
};

export interface ChangeRelayDeps {
  readonly orm: MikroORM;
  readonly database: DatabaseConfig;
  readonly nats: NatsConfig;
  readonly feed: ConsentFeed;
  readonly clock: () => Date;
  readonly log: (message: string, error?: unknown) => void;
  readonly timings?: Partial<RelayTimings>;
}

// The advisory lock's first key; the second is the stream name's hash (several streams, several relays).
const RELAY_LOCK_CLASS = 0x636f6e73;

export class ChangeRelay {
  private readonly timings: RelayTimings;
  private running: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private lock: pg.Client | null = null;
  private lockLost = false;
  private nats: NatsConnection | null = null;
  private js: JetStreamClient | null = null;
  /** The mark as last saved; null until read. */
  private position: FeedPosition | null | undefined;
  /** The id of the last message this run published; null at the start of a run. */
  private lastMessageId: string | null = null;
  private leading = false;

  constructor(private readonly deps: ChangeRelayDeps) {
    this.timings = { ...DEFAULT_RELAY_TIMINGS, ...deps.timings };
  }

  /** Whether this instance is the active relay. */
  get active(): boolean {
    return this.leading;
  }

  start(): void {
    this.running ??= this.run();
  }

  /**
   * A change has just committed on this instance: an idle relay publishes now
   * instead of at its next poll. One that is publishing goes on to the next
   * page anyway; writes on other instances wait for the poll.
   */
  nudge(): void {
    if (this.leading) this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    // Closing the connection fails any publication still waiting for its ack; the mark stays before it.
    await this.nats?.close().catch(() => {});
    await this.running;
    await this.releaseLeadership();
  }

  private async run(): Promise<void> {
    let backoff = 0;
    while (!this.stopping) {
      try {
        if (!(await this.lead())) {
          await this.sleep(this.timings.leadershipRetryMs);
          continue;
        }
        const published = await this.publishNext();
        backoff = 0;
        if (published === 0) await this.sleep(this.timings.pollMs);
        else if (published < this.timings.batchSize && this.timings.lingerMs > 0) await this.sleep(this.timings.lingerMs, false);
      } catch (error) {
        if (this.stopping) break;
        backoff = backoff === 0 ? this.timings.backoffMs[0] : Math.min(backoff * 2, this.timings.backoffMs[1]);
        this.deps.log(`change relay: publishing failed, retrying in ${backoff} ms`, error);
        // Start a new run from the saved mark: nothing after a failure is assumed stored.
        this.position = undefined;
        this.lastMessageId = null;
        await this.sleep(backoff);
      }
    }
  }

  /** Becomes (or stays) the active relay; false when another instance is. */
  private async lead(): Promise<boolean> {
    if (this.deps.database.dialect === 'sqlite') {
      this.leading = true;
      return true;
    }
    if (this.leading && !this.lockLost) return true;
    if (this.lockLost) await this.releaseLeadership();
    if (this.lock === null) {
      const client = new pg.Client({
        connectionString: this.deps.database.sessionUrl,
        application_name: 'consent-change-relay',
        keepAlive: true,
        // A server that accepts the connection and never answers would otherwise hold the relay for good.
        connectionTimeoutMillis: this.deps.database.connectTimeoutSeconds * 1000,
      });
      client.on('error', () => {
        // The connection, and with it the lock, is gone: stop publishing until it is held again.
        this.lockLost = true;
        this.wake?.();
      });
      this.lockLost = false;
      try {
        await client.connect();
      } catch (error) {
        // A client whose connect failed never becomes queryable: the next attempt needs a new one.
        await client.end().catch(() => {});
        throw error;
      }
      this.lock = client;
    }
    const { rows } = await this.lock.query<{ held: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as held', [
      RELAY_LOCK_CLASS,
      this.deps.nats.stream,
    ]);
    if (!rows[0]?.held) return false;
    this.leading = true;
    this.position = undefined;
    this.lastMessageId = null;
    return true;
  }

  private async releaseLeadership(): Promise<void> {
    this.leading = false;
    const lock = this.lock;
    this.lock = null;
    // Ending the session releases the advisory lock.
    await lock?.end().catch(() => {});
    const nats = this.nats;
    this.nats = null;
    this.js = null;
    await nats?.close().catch(() => {});
  }

  private async jetstream(): Promise<JetStreamClient> {
    if (this.js && this.nats && !this.nats.isClosed()) return this.js;
    await this.nats?.close().catch(() => {});
    const nats = await connect({ servers: [...this.deps.nats.servers], name: 'consent-change-relay', maxReconnectAttempts: -1 });
    try {
      const manager = await jetstreamManager(nats);
      const { stream, subjectPrefix } = this.deps.nats;
      try {
        await manager.streams.info(stream);
      } catch (error) {
        if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
        await manager.streams.add({ name: stream, subjects: [`${subjectPrefix}.>`] });
      }
    } catch (error) {
      await nats.close().catch(() => {});
      throw error;
    }
    this.nats = nats;
    this.js = jetstream(nats);
    return this.js;
  }

  /** Publishes the next page of changes after the mark; returns how many. */
  private async publishNext(): Promise<number> {
    const js = await this.jetstream();
    const em = this.deps.orm.em.fork();
    if (this.position === undefined) this.position = await loadRelayPosition(em, this.deps.nats.stream);
    const page = await this.deps.feed.page(em, this.position, this.timings.batchSize, this.deps.clock());
    if (page.changes.length === 0) return 0;
    if (this.lockLost) throw new Error('the relay lost its lock connection');

    const { stream, subjectPrefix } = this.deps.nats;
    let previous = this.lastMessageId;
    const acks = page.changes.map((change) => {
      const id = String(change.event.id);
      const expect = previous === null ? { streamName: stream } : { streamName: stream, lastMsgID: previous };
      previous = id;
      return js.publish(changeSubject(subjectPrefix, change.event.type), JSON.stringify(toChangeMessage(change)), { msgID: id, expect });
    });
    const results = await Promise.allSettled(acks);
    const failed = results.findIndex((r) => r.status === 'rejected');
    const stored = failed === -1 ? page.changes.length : failed;
    if (stored > 0) {
      const last = page.changes[stored - 1]!;
      await saveRelayPosition(em, stream, last.position, this.deps.clock());
      this.position = last.position;
      this.lastMessageId = String(last.event.id);
    }
    if (failed !== -1) throw (results[failed] as PromiseRejectedResult).reason;
    return stored;
  }

  /** Waits `ms`, or less when woken: by `stop()` always, by a commit's `nudge()` only if `nudgeable`. */
  private sleep(ms: number, nudgeable = true): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        if (!nudgeable && !this.stopping && !this.lockLost) return;
        this.wake = null;
        done();
      };
    });
  }
}
