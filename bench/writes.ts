/**
 * The write half of `npm run bench`: consent changes per second on the
 * write floor and on production, interleaved, and how fresh the NATS
 * JetStream stream is under that load.
 *
 * Targets, all pinned to the server core:
 * - the write floor (servers/write-floor.ts): the same transaction through
 *   the raw `pg` driver behind node:http, on PostgreSQL;
 * - production on PostgreSQL as the read bench runs it (no NATS_URL: the
 *   feed is written, nothing is published);
 * - production on PostgreSQL with the outbox relay publishing to JetStream
 *   (its own copy of the database, so its relay publishes only its own
 *   writes, and its own stream);
 * - production on SQLite.
 *
 * Every request is one user's `updateConsent` with the user's own token and
 * an idempotency key, as a careful client sends it. Runs are bounded by
 * count, so every request gets its answer inside the run, and the ledger
 * must grow by exactly the changes the answers report.
 */
import { type ConsumerMessages, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import type { LoadResult, WriteSpec, WriteUser } from './load-generator.js';
import { type BenchChild, cpuSeconds, cpuSecondsOf } from './processes.js';
import type { Spread, WriteRun, WriteTargetResult, FreshnessResult } from './results-format.js';
import { spread } from './results-format.js';

export type WriteTargetKey = 'write-floor' | 'prod-pg' | 'prod-pg-outbox' | 'prod-sqlite';

export interface WriteTarget {
  readonly key: WriteTargetKey;
  readonly label: string;
  /** Targets on one database share its users' state (versions, current values). */
  readonly database: 'PostgreSQL' | 'PostgreSQL (outbox copy)' | 'SQLite';
  readonly server: BenchChild;
  readonly url: string;
  /** Ledger writes so far (distinct user and consent version). */
  countLedgerWrites(): Promise<number>;
  /** Statements per request, when the server can tell. */
  statementsPerChange(): Promise<number | null>;
}

export interface WriteBenchDeps {
  readonly reps: number;
  readonly seconds: number;
  readonly connections: number;
  readonly purpose: string;
  /** The writers' starting state, per database (each run carries it on). */
  readonly users: Record<WriteTarget['database'], WriteUser[]>;
  readonly warmupUsers: Record<WriteTarget['database'], WriteUser[]>;
  load(spec: WriteSpec): Promise<LoadResult & { users?: WriteUser[] }>;
  settle(): Promise<void>;
  log(message: string): void;
  /** The stream the outbox target publishes to, when NATS answers. */
  readonly stream: { readonly url: string; readonly name: string } | null;
}

/** Where the stream stands and how to read what a run added to it. */
class StreamWatch {
  private constructor(
    private readonly connection: NatsConnection,
    private readonly name: string,
  ) {}

  static async open(url: string, name: string): Promise<StreamWatch> {
    return new StreamWatch(await connect({ servers: url }), name);
  }

  async lastSequence(): Promise<number> {
    const manager = await jetstreamManager(this.connection);
    try {
      return (await manager.streams.info(this.name)).state.last_seq;
    } catch {
      return 0;
    }
  }

  /**
   * Waits until the stream holds `count` more messages than `from`, then
   * returns commit-to-stream delays of the first `count` after it from the
   * given users (anything an earlier run left unpublished comes first).
   */
  async delaysAfter(from: number, count: number, users: ReadonlySet<string>, timeoutMs = 60_000): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.lastSequence()) < from + count) {
      if (Date.now() > deadline) throw new Error(`the relay published ${(await this.lastSequence()) - from} of ${count} changes in time`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const available = (await this.lastSequence()) - from;
    const consumer = await jetstream(this.connection).consumers.get(this.name, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from + 1,
    });
    const delays: number[] = [];
    const messages: ConsumerMessages = await consumer.fetch({ max_messages: available, expires: 10_000 });
    let read = 0;
    for await (const m of messages) {
      read += 1;
      const body = m.json<{ occurredAt: string; userId: string }>();
      if (users.has(body.userId)) delays.push(m.info.timestampNanos / 1e6 - Date.parse(body.occurredAt));
      if (delays.length === count || read === available) break;
    }
    if (delays.length !== count) throw new Error(`read ${delays.length} of ${count} published changes back`);
    return delays;
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

const percentileOf = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

export async function measureWrites(
  targets: readonly WriteTarget[],
  deps: WriteBenchDeps,
): Promise<{ targets: WriteTargetResult[]; freshness: FreshnessResult | null }> {
  const state = { ...deps.users };
  const warmState = { ...deps.warmupUsers };
  const run = async (target: WriteTarget, spec: Omit<WriteSpec, 'url' | 'users' | 'kind' | 'purpose' | 'connections'>, warm = false) => {
    const pool = warm ? warmState : state;
    const result = await deps.load({
      kind: 'write',
      url: target.url,
      connections: deps.connections,
      purpose: deps.purpose,
      users: pool[target.database],
      ...spec,
    });
    const { users, ...rest } = result;
    if (users) pool[target.database] = users;
    // The writers' state stays out of the results file: it holds a token per user.
    return rest;
  };

  // Warm-up: a second of writes each (its own users), which also sizes the measured runs.
  const amounts = new Map<WriteTargetKey, number>();
  for (const target of targets) {
    await deps.settle();
    const warmup = await run(target, { seconds: 1 }, true);
    amounts.set(target.key, Math.max(deps.connections * 10, Math.round(warmup.requestsPerSecond * deps.seconds)));
  }

  const watch = deps.stream ? await StreamWatch.open(deps.stream.url, deps.stream.name) : null;
  const runs = new Map<WriteTargetKey, WriteRun[]>(targets.map((t) => [t.key, []]));
  const delays: number[] = [];
  try {
    for (let rep = 1; rep <= deps.reps; rep++) {
      const order = targets.map((_, i, all) => all[(i + rep - 1) % all.length]!);
      for (const target of order) {
        await deps.settle();
        const before = await target.countLedgerWrites();
        const streamBefore = target.key === 'prod-pg-outbox' && watch ? await watch.lastSequence() : 0;
        const cpuBefore = cpuSeconds(target.server.pid);
        const dbBefore = target.database === 'SQLite' ? 0 : cpuSecondsOf('postgres');
        const natsBefore = target.key === 'prod-pg-outbox' ? cpuSecondsOf('nats-server') : 0;
        const load = await run(target, { amount: amounts.get(target.key)! });
        const serverCpu = (cpuSeconds(target.server.pid) - cpuBefore) / load.seconds;
        const databaseCpu = target.database === 'SQLite' ? null : (cpuSecondsOf('postgres') - dbBefore) / load.seconds;
        const natsCpu = target.key === 'prod-pg-outbox' ? (cpuSecondsOf('nats-server') - natsBefore) / load.seconds : null;
        const accepted = load.acceptedChanges ?? 0;
        if (target.key === 'prod-pg-outbox' && watch) {
          delays.push(...(await watch.delaysAfter(streamBefore, accepted, new Set(deps.users[target.database].map((u) => u.id)))));
        }
        await deps.settle();
        const after = await target.countLedgerWrites();
        runs.get(target.key)!.push({
          rep,
          load,
          changesPerSecond: accepted / load.seconds,
          serverCpu,
          databaseCpu,
          natsCpu,
          serverCpuMsPerChange: accepted > 0 ? (serverCpu * load.seconds * 1000) / accepted : Number.NaN,
          ledgerRowsAdded: after - before,
          ledgerMatches: after - before === accepted,
        });
        deps.log(
          `writes rep ${rep} ${target.key}: ${accepted} changes in ${load.seconds.toFixed(2)} s (${(accepted / load.seconds).toFixed(0)}/s), ` +
            `p99 ${load.latencyMs.p99.toFixed(1)} ms, server CPU ${serverCpu.toFixed(2)}; ledger +${after - before}: ` +
            `${after - before === accepted ? 'equal' : 'MISMATCH'}; errors ${(load.graphqlErrors ?? 0) + load.errors + load.non2xx}`,
        );
      }
    }
  } finally {
    await watch?.close();
  }

  const results: WriteTargetResult[] = [];
  for (const target of targets) {
    const own = runs.get(target.key)!;
    const versus = (base: WriteTargetKey): Spread | null => {
      const other = runs.get(base);
      if (!other || base === target.key) return null;
      return spread(own.map((r) => r.changesPerSecond / (other.find((o) => o.rep === r.rep)?.changesPerSecond ?? Number.NaN)));
    };
    results.push({
      key: target.key,
      label: target.label,
      database: target.database,
      connections: deps.connections,
      statementsPerChange: await target.statementsPerChange(),
      runs: own,
      versusFloor: versus('write-floor'),
      versusNoOutbox: target.key === 'prod-pg-outbox' ? versus('prod-pg') : null,
    });
  }
  const freshness: FreshnessResult | null =
    delays.length === 0
      ? null
      : {
          messages: delays.length,
          p50Ms: percentileOf(delays, 50),
          p99Ms: percentileOf(delays, 99),
          maxMs: Math.max(...delays),
        };
  return { targets: results, freshness };
}

/** Points a fresh stream's relay at the end of a copied database's feed: the bench measures new changes, not history. */
export async function startRelayAtEnd(databaseUrl: string, stream: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `insert into consent_change_relay (stream, tx_id, event_id, updated_at)
       select $1, tx_id, event_id, now() from consent_change order by tx_id desc, event_id desc limit 1
       on conflict (stream) do update set tx_id = excluded.tx_id, event_id = excluded.event_id, updated_at = excluded.updated_at`,
      [stream],
    );
  } finally {
    await client.end();
  }
}

/** Drops a stream left by an earlier run: change ids restart with every bench database and would be deduplicated. */
export async function dropStream(url: string, name: string): Promise<void> {
  const connection = await connect({ servers: url });
  try {
    const manager = await jetstreamManager(connection);
    await manager.streams.delete(name).catch(() => false);
  } finally {
    await connection.close();
  }
}
