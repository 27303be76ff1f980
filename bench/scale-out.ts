/**
 * `npm run bench:scale-out`: 1, 2 and 4 production instances of the
 * subgraph on one PostgreSQL database, reached directly and through one
 * Hive Gateway, then 4 behind PgBouncer (transaction pooling), measured
 * per core.
 *
 *   npm run bench:scale-out                     2 interleaved repetitions (about 6 minutes)
 *   npm run bench:scale-out -- --quick          1 short repetition; writes scale-out-quick.*
 *   npm run bench:scale-out -- --reps 3 --writers 32 --pool-size 10 --no-pgbouncer
 *
 * On a machine of 2 cores, more instances cannot add cores: what this
 * measures is whether the work per request stays the same when the load is
 * spread over more processes and more database connections, i.e. the
 * throughput per core, from the CPU time per request of each process group
 * (subgraph instances, gateway, PostgreSQL, PgBouncer) read from /proc.
 * Absolute rates are reported too, but on shared cores they say more about
 * the machine than about the service.
 *
 * Every process is started once (4 direct instances, 4 through PgBouncer,
 * the gateway, a directory subgraph, autocannon), nothing is pinned, and
 * setups are interleaved within each repetition, as bench/run.ts does with
 * targets. Each instance count is measured twice: without the gateway
 * (autocannon spreads its connections over the instances, which can then
 * be saturated) and through it (the gateway, told over IPC which instances
 * to use, sends the consent subgraph's requests to them round robin).
 * Reads are the ads graph's question for N = 1 and N = 100 users (one
 * `_entities` request to the subgraph each); writes are `updateConsent`,
 * each for a distinct user with their own token, checked against the ledger.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import pg from 'pg';
import { mintToken } from '../src/auth/token-signer.js';
import { parseConfig } from '../src/config.js';
import { ENTITIES_QUERY, generateUsers, userBatches } from './dataset.js';
import {
  countLedgerWrites,
  DEFAULT_POSTGRES_URL,
  describeMachine,
  distBench,
  dropDatabase,
  JWT_SECRET,
  LoadGenerator,
  logger,
  primeWithOneWrite,
  recreateDatabase,
  runMain,
  startProductionServer,
  TOGGLED_PURPOSE,
  writeResultFiles,
  writersFrom,
} from './harness.js';
import type { LoadRequest, LoadResult, Target, WriteUser } from './load-generator.js';
import { checkTransactionPooling, PgBouncer, pgbouncerBinary, type TransactionPoolingCheck } from './pgbouncer.js';
import { BenchChild, cpuSeconds, cpuSecondsOf, DatabaseCpu, machineBusySeconds, waitUntilIdle } from './processes.js';
import { fmt, significant as sig, spread, withRange as ranged } from './results-format.js';
import { composeBenchSupergraph, USERS_QUERY } from './scale-out-graph.js';
import { seedDatabase } from './seed.js';

const DATABASE = 'consent_scale';
/** The consent subgraph's URL in the supergraph: the gateway replaces it with an instance's, round robin. */
const CONSENT_PLACEHOLDER = 'http://consent.invalid/graphql';
const READ_SIZES = [1, 100] as const;
/** As bench/run.ts: many connections for small answers, few for large ones. */
const READ_CONNECTIONS: Record<number, number> = { 1: 64, 100: 16 };
const VARIANTS = 16;
/** A run lasts long enough for about this many responses (a rate from fewer is mostly its ramp-up), within the bounds. */
const WINDOW_RESPONSES = 100;
const MAX_WINDOW_SECONDS = 5;

interface Settings {
  readonly mode: 'full' | 'quick';
  readonly users: number;
  readonly reps: number;
  readonly instances: readonly number[];
  readonly writers: number;
  readonly poolSize: number;
  readonly pgbouncer: boolean;
  readonly keep: boolean;
  readonly warmupSeconds: number;
  readonly calibrationSeconds: number;
  readonly saturationSeconds: number;
  readonly pacedSeconds: number;
  readonly writeSeconds: number;
  readonly postgresUrl: string;
}

function parseSettings(): Settings {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      // Every write run takes users nobody has written for: at about 1,000 changes/s a run uses some 40,000.
      users: { type: 'string', default: '80000' },
      reps: { type: 'string' },
      instances: { type: 'string', default: '1,2,4' },
      writers: { type: 'string', default: '16' },
      'pool-size': { type: 'string', default: '10' },
      'no-pgbouncer': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick ?? false;
  return {
    mode: quick ? 'quick' : 'full',
    users: Number(values.users),
    reps: Number(values.reps ?? (quick ? 1 : 2)),
    instances: values.instances.split(',').map(Number),
    writers: Number(values.writers),
    poolSize: Number(values['pool-size']),
    pgbouncer: !values['no-pgbouncer'],
    keep: values.keep ?? false,
    warmupSeconds: 0.5,
    calibrationSeconds: 1.5,
    saturationSeconds: quick ? 1 : 1.5,
    pacedSeconds: quick ? 1 : 1.5,
    writeSeconds: quick ? 1.5 : 2,
    postgresUrl: process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
  };
}

interface Setup {
  readonly key: string;
  readonly label: string;
  readonly instances: number;
  readonly pooled: boolean;
  /** Through the gateway, or the load generator spreading its connections over the instances itself. */
  readonly gateway: boolean;
  /** The setup of the same path with one instance: per-core rates are compared with it. */
  readonly base: string;
}

type WorkloadKey = 'read-1' | 'read-100' | 'write';

/** CPU seconds of each process group over one run. */
interface CpuUse {
  readonly subgraphs: number;
  readonly gateway: number;
  readonly directory: number;
  readonly postgres: number;
  readonly pgbouncer: number;
  readonly loadGenerator: number;
  /** Everything else on the machine: other work sharing it. */
  readonly other: number;
}

interface Measurement {
  readonly setup: string;
  readonly workload: WorkloadKey;
  readonly rep: number;
  /** Reads: the saturation run; writes: the count-bound run. */
  readonly load: LoadResult;
  /** Reads: a run at the workload's fixed offered rate, for latency. */
  readonly paced: LoadResult | null;
  readonly cpu: CpuUse;
  /** PostgreSQL backends of the database during the run (the sampler's own excluded): all, and those not idle. */
  readonly backends: { readonly max: number; readonly maxBusy: number };
  /** Requests each instance received during the run (from the gateway; null without it). */
  readonly requestsPerInstance: readonly number[] | null;
  /** CPU seconds each instance used during the run. */
  readonly cpuPerInstance: readonly number[];
  readonly ledger: { readonly writesAdded: number; readonly matches: boolean } | null;
}

const log = logger('scale-out');

/** Polls pg_stat_activity for the database's backends while a run lasts. */
class BackendSampler {
  private max = 0;
  private maxBusy = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly client: pg.Client) {}

  start(): void {
    this.max = 0;
    this.maxBusy = 0;
    const tick = () => {
      this.client
        .query<{ total: string; busy: string }>(
          `select count(*) as total, count(*) filter (where state <> 'idle') as busy
             from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
          [DATABASE],
        )
        .then(({ rows }) => {
          this.max = Math.max(this.max, Number(rows[0]!.total));
          this.maxBusy = Math.max(this.maxBusy, Number(rows[0]!.busy));
        })
        .catch(() => {});
      this.timer = setTimeout(tick, 200);
    };
    tick();
  }

  stop(): { max: number; maxBusy: number } {
    clearTimeout(this.timer);
    return { max: this.max, maxBusy: this.maxBusy };
  }
}

class ScaleOut {
  private readonly tmp = mkdtempSync(path.join(tmpdir(), 'consent-scale-out-'));
  private readonly users;
  private readonly started = Date.now();
  private directUrl = '';
  private pgbouncer: PgBouncer | null = null;
  private pgbouncerNote = '';
  private poolingCheck: TransactionPoolingCheck | null = null;
  private readonly direct: BenchChild[] = [];
  private readonly pooled: BenchChild[] = [];
  private gateway!: BenchChild;
  private directory!: BenchChild;
  private generator!: LoadGenerator;
  private admin!: pg.Client;
  private readonly databaseCpu = new DatabaseCpu(DATABASE);
  private readToken = '';
  private readonly readBodies: Record<number, string[]> = {};
  private readonly entitiesBodies: Record<number, string[]> = {};
  private writers: WriteUser[] = [];
  private writerCursor = 0;
  /** The latency runs' offered rate per workload and path (keyed by the path's base setup). */
  private readonly offeredRate: Record<string, number> = {};
  /** Saturated rate per workload and setup, from calibration: it sizes the measured runs. */
  private readonly calibrated: Record<string, number> = {};
  private readonly probes: Record<string, unknown>[] = [];
  private readonly seed: Record<string, unknown> = {};

  constructor(private readonly settings: Settings) {
    process.on('exit', () => rmSync(this.tmp, { recursive: true, force: true }));
    this.users = generateUsers(settings.users);
    const batches = userBatches(settings.users, READ_SIZES, VARIANTS);
    for (const n of READ_SIZES) {
      this.readBodies[n] = batches[n]!.map((ids) => JSON.stringify({ query: USERS_QUERY, variables: { ids } }));
      this.entitiesBodies[n] = batches[n]!.map((ids) =>
        JSON.stringify({ query: ENTITIES_QUERY, variables: { representations: ids.map((id) => ({ __typename: 'User', id })) } }),
      );
    }
  }

  /**
   * Each instance count twice: without the gateway (autocannon spreads its
   * connections over the instances, so they can be saturated: the
   * subgraph's and PostgreSQL's own scaling) and through it (what a
   * federated client gets, and what the gateway costs).
   */
  get setups(): Setup[] {
    const most = Math.max(...this.settings.instances);
    const least = Math.min(...this.settings.instances);
    const setups: Setup[] = [];
    for (const gateway of [false, true]) {
      const via = gateway ? 'gateway' : 'direct';
      const base = `${via}-x${least}`;
      const label = (k: number) => `${k} instance${k === 1 ? '' : 's'}, ${gateway ? 'gateway' : 'no gateway'}`;
      for (const k of this.settings.instances)
        setups.push({ key: `${via}-x${k}`, label: label(k), instances: k, pooled: false, gateway, base });
      if (this.pgbouncer) {
        setups.push({ key: `${via}-x${most}-pgbouncer`, label: `${label(most)}, PgBouncer`, instances: most, pooled: true, gateway, base });
      }
    }
    return setups;
  }

  private instancesOf(setup: Setup): BenchChild[] {
    return (setup.pooled ? this.pooled : this.direct).slice(0, setup.instances);
  }

  async prepare(): Promise<void> {
    const url = await recreateDatabase(this.settings.postgresUrl, DATABASE);
    if (url === null) throw new Error('bench:scale-out needs PostgreSQL (BENCH_POSTGRES_URL)');
    this.directUrl = url;
    Object.assign(this.seed, await seedDatabase({ DATABASE_URL: url }, this.users));
    log(`${this.users.length} users seeded: ${JSON.stringify(this.seed)}`);
    this.admin = new pg.Client({ connectionString: url });
    await this.admin.connect();

    const binary = this.settings.pgbouncer ? pgbouncerBinary() : null;
    if (!this.settings.pgbouncer) this.pgbouncerNote = 'not measured (--no-pgbouncer)';
    else if (!binary) this.pgbouncerNote = 'not measured: pgbouncer is not installed';
    else {
      this.pgbouncer = await PgBouncer.start(binary, url, { dir: this.tmp, poolSize: this.settings.poolSize });
      this.poolingCheck = await checkTransactionPooling(this.pgbouncer.url, url);
      log(`PgBouncer on ${new URL(this.pgbouncer.url).port}, pool ${this.settings.poolSize}; ${JSON.stringify(this.poolingCheck)}`);
    }

    this.readToken = await mintToken(JWT_SECRET, { sub: 'ads-graph', scope: 'consent:read' });
    this.writers = await writersFrom(this.users);
  }

  async start(): Promise<void> {
    const childEnv = { PATH: process.env.PATH ?? '', NODE_ENV: 'production' };
    this.directory = await BenchChild.start({
      name: 'directory',
      script: path.join(distBench, 'servers', 'directory.js'),
      core: null,
      env: childEnv,
    });
    const supergraph = path.join(this.tmp, 'supergraph.graphql');
    writeFileSync(
      supergraph,
      composeBenchSupergraph({ consent: CONSENT_PLACEHOLDER, directory: `http://127.0.0.1:${this.directory.port}/graphql` }),
    );
    this.gateway = await BenchChild.start({
      name: 'gateway',
      script: path.join(distBench, 'servers', 'gateway.js'),
      core: null,
      env: { ...childEnv, BENCH_CONSENT_URL: CONSENT_PLACEHOLDER, BENCH_SUPERGRAPH: supergraph },
    });
    const most = Math.max(...this.settings.instances);
    const start = (group: 'direct' | 'pooled', i: number, databaseUrl: string, env?: Record<string, string>) =>
      startProductionServer({ name: `${group}-${i}`, databaseUrl, logFile: path.join(this.tmp, `${group}-${i}.log`), env });
    const direct = await Promise.all(Array.from({ length: most }, (_, i) => start('direct', i, this.directUrl)));
    this.direct.push(...direct);
    if (this.pgbouncer) {
      const url = this.pgbouncer.url;
      // Debian's PgBouncer (1.18) keeps no prepared statements in transaction mode: the instances behind it send
      // theirs unnamed, and keep their session connections (the policy LISTEN) on PostgreSQL itself.
      const pooledEnv = { DATABASE_NAMED_STATEMENTS: 'false', DATABASE_SESSION_URL: this.directUrl };
      this.pooled.push(...(await Promise.all(Array.from({ length: most }, (_, i) => start('pooled', i, url, pooledEnv)))));
    }
    for (const server of [...this.direct, ...this.pooled]) await primeWithOneWrite(this.subgraphUrl(server), server.name);
    this.generator = await LoadGenerator.start(null);
    log(`${this.direct.length} direct and ${this.pooled.length} pooled instances, gateway on ${this.gateway.port}`);
  }

  private subgraphUrl(server: BenchChild): string {
    return `http://127.0.0.1:${server.port}/graphql`;
  }

  private get gatewayUrl(): string {
    return `http://127.0.0.1:${this.gateway.port}/graphql`;
  }

  private async route(setup: Setup, countRepresentations = false): Promise<void> {
    await this.gateway.request({ type: 'route', urls: this.instancesOf(setup).map((s) => this.subgraphUrl(s)), countRepresentations });
    await this.gateway.request({ type: 'reset' });
  }

  /** Where the load goes: the gateway, or the one instance of the reference. */
  private targetUrl(setup: Setup): Target {
    return setup.gateway ? this.gatewayUrl : this.instancesOf(setup).map((s) => this.subgraphUrl(s));
  }

  private readSpec(setup: Setup, n: number) {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${this.readToken}` };
    const bodies = setup.gateway ? this.readBodies[n]! : this.entitiesBodies[n]!;
    const requests: LoadRequest[] = bodies.map((body) => ({ method: 'POST', path: '/graphql', headers, body }));
    return { kind: 'read' as const, url: this.targetUrl(setup), connections: READ_CONNECTIONS[n]!, requests };
  }

  /** Long enough for about WINDOW_RESPONSES responses at `rate`, within the configured bounds. */
  private window(rate: number, least: number): number {
    return Math.min(MAX_WINDOW_SECONDS, Math.max(least, WINDOW_RESPONSES / Math.max(rate, 1)));
  }

  private async post(url: string, body: string, token = this.readToken): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  }

  /**
   * Before measuring: through the gateway, every setup answers what the
   * subgraph answers directly to the same users' `_entities`; each
   * instance of a setup gets requests; a batch of N reaches the subgraph as
   * one request of N representations; and the feed reads through PgBouncer.
   */
  async probe(): Promise<void> {
    const batches = userBatches(this.settings.users, READ_SIZES, VARIANTS);
    for (const setup of this.setups.filter((x) => x.gateway)) {
      await this.route(setup, true);
      for (const n of READ_SIZES) {
        const ids = batches[n]![0]!;
        const viaGateway = await this.post(this.gatewayUrl, this.readBodies[n]![0]!);
        const representations = ids.map((id) => ({ __typename: 'User', id }));
        const direct = await this.post(
          this.subgraphUrl(this.direct[0]!),
          JSON.stringify({ query: ENTITIES_QUERY, variables: { representations } }),
        );
        const users = (viaGateway.data?.usersById as Record<string, unknown>[] | undefined) ?? [];
        const entities = (direct.data?._entities as Record<string, unknown>[] | undefined) ?? [];
        const identical =
          !viaGateway.errors &&
          users.length === n &&
          isDeepStrictEqual(
            users.map(({ id: _, ...rest }) => rest),
            entities,
          );
        if (!identical) throw new Error(`${setup.key} N=${n}: the gateway's answer differs: ${JSON.stringify(viaGateway).slice(0, 500)}`);
      }
      for (let i = 1; i < setup.instances; i++) await this.post(this.gatewayUrl, this.readBodies[1]![i]!);
      const stats = await this.gateway.request<Record<string, number>>({ type: 'stats' });
      const perInstance = this.instancesOf(setup).map((s) => stats[this.subgraphUrl(s)] ?? 0);
      if (perInstance.some((count) => count === 0)) throw new Error(`${setup.key}: an instance got no request: ${perInstance.join(', ')}`);
      // Two answered batches (N = 1 and N = 100) plus the extra N = 1 requests.
      const expected = 1 + 100 + (setup.instances - 1);
      this.probes.push({ setup: setup.key, answersIdentical: true, perInstance, representations: stats.representations, expected });
      if (stats.representations !== expected)
        throw new Error(`${setup.key}: ${stats.representations} representations, expected ${expected}`);
    }
    if (this.pooled.length > 0) {
      const feed = await this.post(
        this.subgraphUrl(this.pooled[0]!),
        JSON.stringify({ query: '{ consentChanges(first: 5) { edges { cursor } } }' }),
      );
      const edges = (feed.data?.consentChanges as { edges?: unknown[] } | undefined)?.edges?.length ?? 0;
      this.probes.push({ setup: 'pooled feed', edges, errors: feed.errors ?? null });
      if (feed.errors || edges === 0) throw new Error(`the change feed through PgBouncer failed: ${JSON.stringify(feed)}`);
    }
    log(`probe: every setup answers as the subgraph does; ${JSON.stringify(this.probes)}`);
  }

  private processes(setup: Setup): number[] {
    return [...this.instancesOf(setup).map((s) => s.pid), this.gateway.pid, this.directory.pid];
  }

  /** Waits until the setup's processes and PostgreSQL are idle, so one run's tail does not land in the next. */
  private async settle(setup: Setup): Promise<void> {
    const busy = () => this.processes(setup).reduce((sum, pid) => sum + cpuSeconds(pid), 0) + this.databaseCpu.now();
    // Eight idle instances' timers add up: a little more slack than bench/run.ts allows.
    if (!(await waitUntilIdle(busy, 0.02))) log('warning: still busy after 20 s');
  }

  /**
   * Runs a load and returns it with what it cost: the CPU each process
   * group and each instance used meanwhile, the database's backends, and
   * how the gateway spread the requests.
   */
  private async measured(
    setup: Setup,
    run: () => Promise<LoadResult>,
  ): Promise<Pick<Measurement, 'load' | 'cpu' | 'cpuPerInstance' | 'backends' | 'requestsPerInstance'>> {
    const instances = this.instancesOf(setup);
    const sample = () => ({
      instances: instances.map((s) => cpuSeconds(s.pid)),
      gateway: cpuSeconds(this.gateway.pid),
      directory: cpuSeconds(this.directory.pid),
      pgbouncer: cpuSecondsOf('pgbouncer'),
      machine: machineBusySeconds(),
    });
    await this.gateway.request({ type: 'reset' });
    const sampler = new BackendSampler(this.admin);
    sampler.start();
    this.databaseCpu.start();
    const before = sample();
    const load = await run();
    const after = sample();
    const postgres = this.databaseCpu.stop();
    const backends = sampler.stop();
    const cpuPerInstance = after.instances.map((v, i) => v - before.instances[i]!);
    const used = {
      subgraphs: cpuPerInstance.reduce((sum, v) => sum + v, 0),
      gateway: after.gateway - before.gateway,
      directory: after.directory - before.directory,
      postgres,
      pgbouncer: after.pgbouncer - before.pgbouncer,
      loadGenerator: load.generatorCpu * load.seconds,
    };
    const ours = Object.values(used).reduce((sum, v) => sum + v, 0);
    const stats = setup.gateway ? await this.gateway.request<Record<string, number>>({ type: 'stats' }) : null;
    return {
      load,
      cpu: { ...used, other: Math.max(0, after.machine - before.machine - ours) },
      cpuPerInstance,
      backends,
      requestsPerInstance: stats ? instances.map((s) => stats[this.subgraphUrl(s)] ?? 0) : null,
    };
  }

  /**
   * Warms every setup and measures what it sustains once: that sizes each
   * run (about WINDOW_RESPONSES responses) and fixes the offered rate of
   * the latency runs, the same for every setup of a workload and path: half
   * of what one instance on that path sustains.
   */
  async calibrate(): Promise<void> {
    const rateOf = (load: LoadResult) => (load.responses >= 30 ? load.requestsPerSecond : load.rawRequestsPerSecond);
    for (const n of READ_SIZES) {
      const workload: WorkloadKey = n === 1 ? 'read-1' : 'read-100';
      for (const setup of this.setups) {
        await this.route(setup);
        await this.settle(setup);
        const spec = this.readSpec(setup, n);
        await this.generator.run({ ...spec, seconds: this.settings.warmupSeconds * 2 });
        await this.settle(setup);
        const rate = rateOf(await this.generator.run({ ...spec, seconds: this.settings.calibrationSeconds }));
        this.calibrated[`${workload} ${setup.key}`] = rate;
        if (setup.key === setup.base) this.offeredRate[`${workload} ${setup.base}`] = rate / 2;
        log(`calibration ${workload} ${setup.key}: ${rate.toFixed(0)} req/s`);
      }
    }
    for (const setup of this.setups) {
      await this.route(setup);
      await this.settle(setup);
      const warmup = await this.generator.run({
        kind: 'write',
        url: this.targetUrl(setup),
        connections: this.settings.writers,
        seconds: this.settings.calibrationSeconds,
        purpose: TOGGLED_PURPOSE,
        users: this.takeWriters(1000),
      });
      this.calibrated[`write ${setup.key}`] = rateOf(warmup);
      log(`calibration write ${setup.key}: ${rateOf(warmup).toFixed(0)} req/s`);
    }
  }

  /** Users nobody has written for yet: a write run's users are never reused, since their state then is the run's. */
  private takeWriters(count: number): WriteUser[] {
    if (this.writerCursor + count > this.writers.length) {
      throw new Error(`out of fresh writers (${this.writers.length}): run with more --users`);
    }
    const taken = this.writers.slice(this.writerCursor, this.writerCursor + count);
    this.writerCursor += count;
    return taken;
  }

  private async measureRead(setup: Setup, workload: WorkloadKey, rep: number): Promise<Measurement> {
    const spec = this.readSpec(setup, workload === 'read-1' ? 1 : 100);
    const calibrated = this.calibrated[`${workload} ${setup.key}`]!;
    await this.route(setup);
    await this.settle(setup);
    // Brief: refills the instances' connection pools (they shrink when idle) and wakes the JIT after other setups ran.
    await this.generator.run({ ...spec, seconds: this.settings.warmupSeconds });
    await this.settle(setup);
    let saturation = await this.measured(setup, () =>
      this.generator.run({ ...spec, seconds: this.window(calibrated, this.settings.saturationSeconds) }),
    );
    if (saturation.load.responses < WINDOW_RESPONSES / 3) {
      // A stall on the shared machine, or a calibration that came out high: measure again, for as long as allowed.
      log(`${setup.key} ${workload}: only ${saturation.load.responses} responses, measuring again for ${MAX_WINDOW_SECONDS} s`);
      await this.settle(setup);
      saturation = await this.measured(setup, () => this.generator.run({ ...spec, seconds: MAX_WINDOW_SECONDS }));
    }
    await this.settle(setup);
    const rate = this.offeredRate[`${workload} ${setup.base}`]!;
    const paced = await this.generator.run({ ...spec, seconds: this.window(rate, this.settings.pacedSeconds), rate });
    return { setup: setup.key, workload, rep, ...saturation, paced, ledger: null };
  }

  private async measureWrite(setup: Setup, rep: number): Promise<Measurement> {
    await this.route(setup);
    const calibrated = this.calibrated[`write ${setup.key}`]!;
    const amount = Math.max(WINDOW_RESPONSES, Math.round(calibrated * this.window(calibrated, this.settings.writeSeconds)));
    const users = this.takeWriters(amount);
    const database = parseConfig({ DATABASE_URL: this.directUrl }).database;
    await this.settle(setup);
    const before = await countLedgerWrites(database);
    // Bounded by count: autocannon waits for every response, so no write completes unseen.
    const measured = await this.measured(setup, () =>
      this.generator.run({
        kind: 'write',
        url: this.targetUrl(setup),
        connections: this.settings.writers,
        amount,
        purpose: TOGGLED_PURPOSE,
        users,
      }),
    );
    await this.settle(setup);
    const after = await countLedgerWrites(database);
    const accepted = measured.load.acceptedChanges ?? 0;
    const ledger = { writesAdded: after - before, matches: after - before === accepted };
    if (!ledger.matches) log(`warning: ${setup.key} ledger +${after - before} but ${accepted} accepted changes`);
    // The writers' state after the run (what the load generator hands back) is not a result: it would fill the file.
    const { users: _writers, ...load } = measured.load;
    return { setup: setup.key, workload: 'write', rep, ...measured, load, paced: null, ledger };
  }

  async run(): Promise<Measurement[]> {
    const measurements: Measurement[] = [];
    for (let rep = 1; rep <= this.settings.reps; rep++) {
      // Rotate the order each repetition so no setup always follows the same neighbour.
      const order = this.setups.map((_, i, all) => all[(i + rep - 1) % all.length]!);
      for (const workload of ['read-1', 'read-100', 'write'] as const) {
        for (const setup of order) {
          const m = workload === 'write' ? await this.measureWrite(setup, rep) : await this.measureRead(setup, workload, rep);
          measurements.push(m);
          const rate = workload === 'write' ? (m.load.acceptedChanges ?? 0) / m.load.seconds : m.load.requestsPerSecond;
          log(
            `rep ${rep} ${workload} ${setup.key}: ${rate.toFixed(0)}/s, subgraph ${((m.cpu.subgraphs / m.load.responses) * 1000).toFixed(2)} ms CPU/req, ` +
              `backends ${m.backends.max} (${m.backends.maxBusy} busy), CPU s per instance ${m.cpuPerInstance.map((c) => c.toFixed(2)).join('/')}`,
          );
        }
      }
    }
    return measurements;
  }

  results(measurements: Measurement[]) {
    return {
      generatedAt: new Date().toISOString(),
      mode: this.settings.mode,
      durationSeconds: (Date.now() - this.started) / 1000,
      machine: describeMachine(),
      settings: {
        ...this.settings,
        postgresUrl: undefined,
        readConnections: READ_CONNECTIONS,
        batchesPerSize: VARIANTS,
        databasePoolMaxPerInstance: 10,
        offeredRate: this.offeredRate,
      },
      dataset: { users: this.users.length, seed: this.seed },
      pgbouncer: this.pgbouncer
        ? { poolMode: 'transaction', defaultPoolSize: this.pgbouncer.poolSize, check: this.poolingCheck }
        : this.pgbouncerNote,
      setups: this.setups,
      probes: this.probes,
      measurements,
    };
  }

  async stop(): Promise<void> {
    for (const child of [...this.direct, ...this.pooled]) await child.stop();
    await this.gateway?.stop();
    await this.directory?.stop();
    await this.generator?.stop();
    await this.pgbouncer?.stop();
    await this.admin?.end().catch(() => {});
    if (this.directUrl && !this.settings.keep) await dropDatabase(this.settings.postgresUrl, DATABASE);
  }
}

type Results = ReturnType<ScaleOut['results']>;

/** What one measurement says per unit of work (a request, or an accepted change for writes). */
function perUnit(m: Measurement) {
  const units = m.workload === 'write' ? (m.load.acceptedChanges ?? 0) : m.load.responses;
  const ms = (seconds: number) => (seconds / units) * 1000;
  // The directory subgraph stands in for whichever graph names the users: not counted as the service's.
  const serverSide = m.cpu.subgraphs + m.cpu.gateway + m.cpu.postgres + m.cpu.pgbouncer;
  return {
    rate: m.workload === 'write' ? units / m.load.seconds : m.load.requestsPerSecond,
    subgraphMs: ms(m.cpu.subgraphs),
    gatewayMs: ms(m.cpu.gateway),
    directoryMs: ms(m.cpu.directory),
    postgresMs: ms(m.cpu.postgres),
    pgbouncerMs: ms(m.cpu.pgbouncer),
    /** Units per second one core of subgraph processes does: 1 / (subgraph CPU seconds per unit). */
    perSubgraphCore: units / m.cpu.subgraphs,
    perPostgresCore: units / m.cpu.postgres,
    /** Per core of the subgraphs, the gateway, PostgreSQL and PgBouncer together. */
    perServerCore: units / serverSide,
    subgraphCores: m.cpu.subgraphs / m.load.seconds,
    coresInUse: (serverSide + m.cpu.directory + m.cpu.loadGenerator) / m.load.seconds,
    otherCores: m.cpu.other / m.load.seconds,
  };
}

type PerUnit = ReturnType<typeof perUnit>;

const WORKLOADS: readonly { key: WorkloadKey; title: string }[] = [
  { key: 'read-1', title: "**Reads, N = 1**: the ads graph's question for one user" },
  { key: 'read-100', title: "**Reads, N = 100**: the ads graph's question for 100 users (one `_entities` request of 100 to the subgraph)" },
  { key: 'write', title: '**Writes**: `updateConsent`, each request a distinct user with their own token' },
];

function renderMarkdown(results: Results): string {
  const m = results.machine;
  const s = results.settings;
  const measurements = results.measurements;
  const other = spread(measurements.map((x) => perUnit(x).otherCores));
  const bouncer =
    typeof results.pgbouncer === 'string'
      ? `PgBouncer ${results.pgbouncer}`
      : `PgBouncer 1.18 in transaction pooling mode with ${results.pgbouncer.defaultPoolSize} server connections, the instances behind it with DATABASE_NAMED_STATEMENTS=false`;
  const lines: string[] = [
    `Run ${results.generatedAt} (${results.mode}, ${fmt(results.durationSeconds)} s) of commit ${m.commit}` +
      `${m.dirty ? ` + uncommitted changes to src/ (diff ${m.sourceDiff})` : ''}: ${m.cpuModel}, ${m.cores} cores, Node ${m.node}${m.nodeFlags ? ` (${m.nodeFlags}, as shipped, for every server)` : ''}, ` +
      `nothing pinned; PostgreSQL 15 on the same machine; ${results.dataset.users} users; ${s.reps} interleaved repetition${s.reps === 1 ? '' : 's'}. ` +
      'Production instances (`NODE_ENV=production`, logs at info to a file, metrics on, each primed with one write) with ' +
      `a pool of ${s.databasePoolMaxPerInstance} connections each, reached either directly (autocannon spreads its connections over them) or ` +
      `through one Hive Gateway that sends the consent subgraph's requests to them round robin; ${bouncer}. ` +
      `Other load on the machine during the runs: median ${other.median.toFixed(2)} cores (max ${other.max.toFixed(2)}).`,
    '',
    'CPU is in milliseconds per request (per accepted change for writes), from /proc, per process group; PostgreSQL is the ' +
      "backends serving this database (other databases on the server, other benchmarks among them, and PostgreSQL's background " +
      'writers are left out). **Per subgraph core** is ' +
      'the rate one core of subgraph processes sustains (requests ÷ their CPU seconds); **× 1** compares it, repetition by repetition, ' +
      'with one instance on the same path; **per PG core** the same for PostgreSQL; **per server core** for the subgraphs, the gateway, ' +
      'PostgreSQL and PgBouncer together (the directory subgraph and the load generator left out). **PG backends busy** is the most ' +
      'backends of the database seen working at once (sampled every 200 ms); **open** counts every connection to it, idle ones of the ' +
      'setups not under load included. Absolute rates are what 2 shared ' +
      'cores gave; p50/p99 of reads are at one offered rate per path (half of what one instance sustained), evenly paced; of writes, ' +
      'under saturation (closed loop). Medians over repetitions, range in brackets.',
    '',
  ];
  for (const workload of WORKLOADS) {
    const conns = workload.key === 'write' ? s.writers : READ_CONNECTIONS[workload.key === 'read-1' ? 1 : 100];
    const offered = results.setups
      .filter((x) => x.key === x.base)
      .map(
        (x) => `${fmt(s.offeredRate[`${workload.key} ${x.key}`] ?? Number.NaN)} req/s ${x.gateway ? 'through the gateway' : 'directly'}`,
      );
    lines.push(
      `${workload.title}, ${conns} connections${workload.key === 'write' ? '' : `; latency at ${offered.join(', ')}`}`,
      '',
      `| setup | ${workload.key === 'write' ? 'changes/s' : 'req/s'} | p50 ms | p99 ms | subgraphs ms | gateway ms | PostgreSQL ms | PgBouncer ms | ` +
        `per subgraph core | × 1 | per PG core | per server core | subgraph cores busy | PG backends busy (open) |${workload.key === 'write' ? ' ledger = changes |' : ''}`,
      `|---|---|---|---|---|---|---|---|---|---|---|---|---|---|${workload.key === 'write' ? '---|' : ''}`,
    );
    for (const setup of results.setups) {
      const rows = measurements.filter((x) => x.setup === setup.key && x.workload === workload.key);
      if (rows.length === 0) continue;
      const units = rows.map(perUnit);
      const pick = (f: (u: PerUnit) => number) => spread(units.map(f));
      const latency = rows.map((x) => (x.paced ?? x.load).latencyMs);
      const relative = spread(
        rows.map((x) => {
          const b = measurements.find((y) => y.setup === setup.base && y.workload === workload.key && y.rep === x.rep);
          return b ? perUnit(x).perSubgraphCore / perUnit(b).perSubgraphCore : Number.NaN;
        }),
      );
      lines.push(
        `| ${setup.label} | ${ranged(pick((u) => u.rate))} | ${ranged(spread(latency.map((l) => l.p50)))} | ${ranged(spread(latency.map((l) => l.p99)))} | ` +
          `${ranged(pick((u) => u.subgraphMs))} | ${setup.gateway ? sig(pick((u) => u.gatewayMs).median) : '–'} | ${sig(pick((u) => u.postgresMs).median)} | ` +
          `${setup.pooled ? sig(pick((u) => u.pgbouncerMs).median) : '–'} | ${ranged(pick((u) => u.perSubgraphCore))} | ` +
          `${ranged(relative, (v) => `${v.toFixed(2)}×`)} | ${ranged(pick((u) => u.perPostgresCore))} | ${ranged(pick((u) => u.perServerCore))} | ` +
          `${sig(pick((u) => u.subgraphCores).median)} | ${fmt(Math.max(...rows.map((x) => x.backends.maxBusy)))} (${fmt(Math.max(...rows.map((x) => x.backends.max)))}) |` +
          (workload.key === 'write' ? ` ${rows.every((x) => x.ledger?.matches) ? 'yes' : 'NO'} |` : ''),
      );
    }
    const directory = spread(
      measurements.filter((x) => x.workload === workload.key && x.setup.startsWith('gateway')).map((x) => perUnit(x).directoryMs),
    );
    if (Number.isFinite(directory.median) && workload.key !== 'write') {
      lines.push('', `The directory subgraph that names the users cost ${sig(directory.median)} ms per request through the gateway.`);
    }
    lines.push('');
  }
  if (typeof results.pgbouncer !== 'string' && results.pgbouncer.check) {
    const c = results.pgbouncer.check;
    const pooledLedger = measurements.filter((x) => x.setup.endsWith('pgbouncer') && x.ledger);
    lines.push(
      '**Through PgBouncer in transaction mode**, checked on the running PgBouncer (bench/pgbouncer.ts):',
      '',
      `- transaction advisory locks (the writer's per-user lock, the publisher's lock) are ${c.transactionLockReleasedAtCommit ? 'released at commit, as on PostgreSQL: they work' : 'NOT released at commit'}; ` +
        `every write through PgBouncer above is in the ledger (${pooledLedger.every((x) => x.ledger?.matches) ? 'yes' : 'NO'}), and the change feed (\`consentChanges\`) reads through it;`,
      `- a session advisory lock (the relay's leadership, \`pg_try_advisory_lock\`) belongs to a server connection, not to the client: ` +
        `${c.sessionLockTakenTwice ? 'a second client was granted the lock the first held (PgBouncer had given both the same server connection), so two relays would both lead; ' : ''}` +
        `${c.sessionLockOutlivedClient ? 'it outlived the client that took it, so a dead leader is not replaced. ' : ''}**Breaks**: the relay's lock connection must reach PostgreSQL directly;`,
      `- \`LISTEN\` (policy publications between instances): with other clients using the pool, ${c.notificationsReceived} of ${c.notificationsSent} notifications reached the listener` +
        `${c.notificationsMisdelivered > 0 ? ` and ${c.notificationsMisdelivered} reached other clients` : ''}: the registration stays on whichever server connection ran it. **Breaks**: the listener must connect directly ` +
        '(until then the periodic refresh catches up within `POLICY_REFRESH_SECONDS`).',
      '',
      'The pooled instances ran without NATS (no relay), with `DATABASE_NAMED_STATEMENTS=false` (PgBouncer 1.18 keeps no prepared statements) ' +
        'and `DATABASE_SESSION_URL` naming PostgreSQL itself, so their policy listener did not go through PgBouncer; no policy was published during the run.',
      '',
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const settings = parseSettings();
  const bench = new ScaleOut(settings);
  const deadline = setTimeout(
    () => {
      console.error('bench:scale-out: time limit reached, stopping');
      process.exit(1);
    },
    (settings.mode === 'quick' ? 6 : 12) * 60_000,
  );
  deadline.unref();
  try {
    await bench.prepare();
    await bench.start();
    await bench.probe();
    await bench.calibrate();
    const measurements = await bench.run();
    const results = bench.results(measurements);
    const markdown = renderMarkdown(results);
    const name = settings.mode === 'quick' ? 'scale-out-quick' : 'scale-out';
    writeResultFiles(name, results, markdown);
    console.log(`\n${markdown}`);
    log(`results in bench/results/${name}.json and ${name}.md`);
  } finally {
    await bench.stop();
  }
}

runMain(main);
