/**
 * `npm run bench`: the consent subgraph side by side with the floors of its
 * own stack, in one run, on loopback only.
 *
 *   npm run bench                 full run (5 interleaved repetitions, a few minutes)
 *   npm run bench -- --quick      smoke run (~1 minute); writes bench/results/quick.*
 *   npm run bench -- --profile    CPU profile of production on SQLite at N = 100
 *   npm run bench -- --profile=prod-pg --profile-writes
 *                                 CPU profile of production on PostgreSQL under the write load
 *                                 (--profile=prod-sqlite,L4 to profile several servers,
 *                                 --profile-n=1 for another batch size)
 *
 * Servers run one process each on core 0 (`taskset -c 0`), autocannon in a
 * child on core 1. Every server stays up for the whole run and the targets
 * are interleaved within each repetition, so slow drift of the machine hits
 * them alike and ratios are taken between measurements minutes apart at most.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, isDeepStrictEqual } from 'node:util';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { mintToken } from '../src/auth/token-signer.js';
import { parseConfig } from '../src/config.js';
import { projectRoot } from '../src/project-root.js';
import { formatSummary, summariseFile } from './cpuprofile-top.js';
import { BATCH_SIZES, DEFAULT_SEED, entitiesBodies, generateUsers } from './dataset.js';
import {
  countLedgerWrites,
  DEFAULT_POSTGRES_URL,
  describeMachine,
  distBench,
  JWT_SECRET,
  LoadGenerator,
  logger,
  primeWithOneWrite,
  recreateDatabase,
  runMain,
  resultsDir,
  TOGGLED_PURPOSE,
  writeResultFiles,
  writersFrom,
} from './harness.js';
import type { LoadRequest, LoadResult, ReadSpec, WriteSpec, WriteUser } from './load-generator.js';
import { BenchChild, cpuSeconds, cpuSecondsOf, machineBusySeconds, peakRss, resetPeakRss, waitUntilIdle } from './processes.js';
import {
  type BenchResults,
  type Cell,
  type ProbeResult,
  type RepMeasurement,
  renderMarkdown,
  type TargetInfo,
  type WriteResults,
} from './results-format.js';
import { seedDatabase } from './seed.js';
import { dropStream, measureWrites, startRelayAtEnd, type WriteTarget } from './writes.js';

const SERVER_CORE = 0;
const LOAD_CORE = 1;

type ServerKey =
  | 'L0'
  | 'L2'
  | 'L4'
  | 'prod-sqlite'
  | 'prod-pg'
  | 'prod-sqlite-no-limits'
  | 'prod-sqlite-bare'
  | 'prod-sqlite-logs'
  | 'prod-sqlite-metrics'
  | 'prod-sqlite-tracing'
  | 'write-floor'
  | 'prod-pg-outbox';

interface Target extends TargetInfo {
  readonly server: ServerKey;
  readonly headers?: Record<string, string>;
  /** Batch sizes this target is measured at; all of them when absent. */
  readonly sizes?: readonly number[];
}

/**
 * The observability variants: the production server on SQLite with logs and
 * metrics switched off (bare), with one of them, and as shipped plus tracing.
 * "production, SQLite" is the server as shipped (logs at info, metrics on).
 */
const OBSERVABILITY_SIZES = [1, 100] as const;
const OBSERVABILITY_ENV: Partial<Record<ServerKey, Record<string, string>>> = {
  'prod-sqlite-bare': { LOG_LEVEL: 'silent', METRICS: 'false' },
  'prod-sqlite-logs': { METRICS: 'false' },
  'prod-sqlite-metrics': { LOG_LEVEL: 'silent' },
  // OTEL_EXPORTER_OTLP_ENDPOINT is added at run time: the runner's own OTLP sink.
  'prod-sqlite-tracing': {},
};

const TARGETS: readonly Target[] = [
  { key: 'L0', label: 'L0 node:http, precomputed JSON', server: 'L0' },
  { key: 'L2', label: 'L2 node:http + graphql-js + DataLoader', server: 'L2' },
  { key: 'L4', label: 'L4 Apollo Server + @apollo/subgraph', server: 'L4' },
  { key: 'prod-sqlite', label: 'production, SQLite', server: 'prod-sqlite' },
  {
    key: 'prod-sqlite-ftv1',
    label: 'production, SQLite, ftv1 trace',
    server: 'prod-sqlite',
    headers: { 'apollo-federation-include-trace': 'ftv1' },
  },
  { key: 'prod-pg', label: 'production, PostgreSQL', server: 'prod-pg' },
  // What the request limits (graphql-armor's rules, token and representation counts) cost: the same server without them.
  { key: 'prod-sqlite-no-limits', label: 'production, SQLite, request limits off', server: 'prod-sqlite-no-limits' },
  { key: 'prod-sqlite-bare', label: 'production, SQLite, no logs, no metrics', server: 'prod-sqlite-bare', sizes: OBSERVABILITY_SIZES },
  { key: 'prod-sqlite-logs', label: 'production, SQLite, logs only', server: 'prod-sqlite-logs', sizes: OBSERVABILITY_SIZES },
  { key: 'prod-sqlite-metrics', label: 'production, SQLite, metrics only', server: 'prod-sqlite-metrics', sizes: OBSERVABILITY_SIZES },
  { key: 'prod-sqlite-tracing', label: 'production, SQLite, + tracing', server: 'prod-sqlite-tracing', sizes: OBSERVABILITY_SIZES },
];

const isProduction = (key: ServerKey) => key.startsWith('prod-');
const measuredAt = (target: Target, n: number) => target.sizes === undefined || target.sizes.includes(n);

/**
 * Stands in for an OpenTelemetry Collector: accepts OTLP/HTTP exports and
 * drops them, so the traced server pays for building and sending spans, as
 * it would in production, and nothing else.
 */
class OtlpSink {
  private server: Server | null = null;
  url = '';
  spans = 0;

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      this.spans += body.split('"spanId"').length - 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

const SERVER_SCRIPTS: Record<ServerKey, string> = {
  L0: 'servers/l0-http.js',
  L2: 'servers/l2-graphql.js',
  L4: 'servers/l4-apollo.js',
  'prod-sqlite': 'servers/production.js',
  'prod-sqlite-no-limits': 'servers/production.js',
  'prod-pg': 'servers/production.js',
  'prod-sqlite-bare': 'servers/production.js',
  'prod-sqlite-logs': 'servers/production.js',
  'prod-sqlite-metrics': 'servers/production.js',
  'prod-sqlite-tracing': 'servers/production.js',
  'write-floor': 'servers/write-floor.js',
  'prod-pg-outbox': 'servers/production.js',
};

/**
 * Connections per batch size. Small batches need many: a request costs the
 * server tens of microseconds, less than waking a core in this VM, so with
 * few connections both sides sit idle between round trips. Big batches need
 * few: the server is busy with any one request for milliseconds, and every
 * extra connection only adds a round of queueing to latency and to the
 * ramp-up of a short run.
 */
const CONNECTIONS: Record<number, number> = { 1: 64, 10: 32, 100: 16, 1000: 4 };

interface Settings {
  readonly mode: 'full' | 'quick';
  /** The batch sizes measured: all of BATCH_SIZES unless --sizes names some. */
  readonly sizes: readonly number[];
  readonly users: number;
  readonly seed: number;
  readonly reps: number;
  /** Load on every target before anything is measured: the JIT needs seconds to settle. */
  readonly serverWarmupSeconds: number;
  /** Then per target and batch size, before its calibration run. */
  readonly warmupSeconds: number;
  readonly calibrationSeconds: number;
  /** Saturation runs last long enough for `windowResponses` responses, within these bounds. */
  readonly saturationSeconds: readonly [number, number];
  /** Paced runs last long enough for `windowResponses` latencies, within these bounds. */
  readonly pacedSeconds: readonly [number, number];
  readonly windowResponses: number;
  readonly writeSeconds: number;
  readonly writeConnections: number;
  readonly variants: number;
  readonly rateMode: 'paced' | 'autocannon';
  readonly postgresUrl: string;
  /** The NATS server the publishing write target uses; skipped when it does not answer. */
  readonly natsUrl: string;
  readonly profile: readonly string[] | null;
  readonly profileSeconds: number;
  readonly profileN: number;
  /** --profile-writes: profile under the write load instead of reads. */
  readonly profileWrites: boolean;
  /** Whether each production server commits one write before it is measured (see prime()). */
  readonly prime: boolean;
  /** --targets=a,b: measure only these (L2, the reference for answers and ratios, always runs). */
  readonly only: readonly string[] | null;
}

function parseSettings(): Settings {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'string' },
      users: { type: 'string' },
      reps: { type: 'string' },
      sizes: { type: 'string' },
      'rate-mode': { type: 'string', default: 'paced' },
      'profile-seconds': { type: 'string', default: '10' },
      'profile-n': { type: 'string', default: '100' },
      'profile-writes': { type: 'boolean', default: false },
      'no-prime': { type: 'boolean', default: false },
      targets: { type: 'string' },
    },
    // `--profile` alone means the production server on SQLite.
    args: process.argv.slice(2).map((a) => (a === '--profile' ? '--profile=prod-sqlite' : a)),
  });
  const quick = values.quick ?? false;
  const rateMode = values['rate-mode'] === 'autocannon' ? 'autocannon' : 'paced';
  const sizes = values.sizes ? values.sizes.split(',').map(Number) : [...BATCH_SIZES];
  for (const n of sizes) {
    if (!BATCH_SIZES.includes(n as (typeof BATCH_SIZES)[number])) throw new Error(`--sizes takes some of ${BATCH_SIZES.join(', ')}`);
  }
  return {
    mode: quick ? 'quick' : 'full',
    sizes,
    users: Number(values.users ?? 10_000),
    seed: DEFAULT_SEED,
    reps: Number(values.reps ?? (quick ? 1 : 5)),
    serverWarmupSeconds: quick ? 1 : 2,
    warmupSeconds: quick ? 0 : 0.5,
    calibrationSeconds: quick ? 0.5 : 0.75,
    saturationSeconds: quick ? [0.5, 0.5] : [0.75, 1.25],
    pacedSeconds: quick ? [0.5, 0.5] : [0.75, 1.25],
    windowResponses: 100,
    writeSeconds: quick ? 1.5 : 4,
    writeConnections: 8,
    variants: 16,
    rateMode,
    postgresUrl: process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
    natsUrl: process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222',
    profile: values.profile ? values.profile.split(',').map((s) => s.trim()) : null,
    profileSeconds: Number(values['profile-seconds']),
    profileN: Number(values['profile-n']),
    profileWrites: values['profile-writes'] ?? false,
    prime: !values['no-prime'],
    only: values.targets ? ['L2', ...values.targets.split(',').map((s) => s.trim())] : null,
  };
}

/** Drops and recreates `consent_bench`; null when no PostgreSQL answers (the run goes on without it). */
async function preparePostgres(serverUrl: string): Promise<Record<string, string> | null> {
  const url = await recreateDatabase(serverUrl, 'consent_bench');
  if (url === null) console.warn('Skipping the PostgreSQL targets.');
  return url === null ? null : { DATABASE_URL: url };
}

/** The stream the bench's publishing server writes to: the contract's name is for production data. */
const BENCH_STREAM = 'CONSENT_CHANGES_BENCH';

/**
 * `consent_bench_outbox`, a copy of the seeded bench database, for the
 * server whose relay publishes (so it publishes only its own writes), and
 * the environment that points it at NATS; null when NATS does not answer.
 */
async function prepareOutboxCopy(serverUrl: string, natsUrl: string): Promise<Record<string, string> | null> {
  try {
    const connection = await connect({ servers: natsUrl, timeout: 3000 });
    await connection.close();
  } catch (error) {
    console.warn(`NATS at ${natsUrl} does not answer (${String(error)}): skipping the publishing write target.`);
    return null;
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query('drop database if exists consent_bench_outbox with (force)');
    await admin.query('create database consent_bench_outbox template consent_bench');
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = '/consent_bench_outbox';
  return { DATABASE_URL: url.toString(), NATS_URL: natsUrl, NATS_STREAM: BENCH_STREAM, NATS_SUBJECT_PREFIX: 'bench.consent.changes' };
}

/** SQL statements per committed write, from the request log lines of writes that changed something. */
function statementsPerLoggedWrite(logFile: string): number | null {
  if (!existsSync(logFile)) return null;
  let writes = 0;
  let statements = 0;
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes(':changed"')) continue;
    const entry = JSON.parse(line) as { sqlStatements?: number; writes?: string[] };
    if (entry.sqlStatements === undefined || entry.writes?.length !== 1) continue;
    writes += 1;
    statements += entry.sqlStatements;
  }
  return writes > 0 ? statements / writes : null;
}

const log = logger('bench');

class Bench {
  private readonly servers = new Map<ServerKey, BenchChild>();
  private generator!: LoadGenerator;
  private readonly tmp = mkdtempSync(path.join(tmpdir(), 'consent-bench-'));
  private readonly sqliteEnv = { SQLITE_PATH: path.join(this.tmp, 'consent.sqlite') };
  private postgresEnv: Record<string, string> | null = null;
  /** A copy of the PostgreSQL bench database for the server whose relay publishes, with its stream; null without NATS. */
  private outboxEnv: Record<string, string> | null = null;
  private readonly users;
  private readonly bodies: Record<number, string[]>;
  private readonly workloadPath = path.join(this.tmp, 'workload.json');
  private token = '';
  private readonly started = Date.now();
  private readonly dataset: Record<string, unknown> = {};
  private readonly otlpSink = new OtlpSink();

  constructor(private readonly settings: Settings) {
    process.on('exit', () => rmSync(this.tmp, { recursive: true, force: true }));
    this.users = generateUsers(settings.users, settings.seed);
    this.bodies = entitiesBodies(settings.users, BATCH_SIZES, settings.variants, settings.seed);
  }

  /** The targets this run measures: all, less PostgreSQL's when no server answered. */
  private get targets(): Target[] {
    return TARGETS.filter(
      (t) => (t.server !== 'prod-pg' || this.postgresEnv !== null) && (this.settings.only === null || this.settings.only.includes(t.key)),
    );
  }

  private childEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'production',
      JWT_SECRET,
      // The largest batch measured is 1,000 users, twice the default limit.
      MAX_REPRESENTATIONS: '1000',
      BENCH_USERS: String(this.settings.users),
      BENCH_SEED: String(this.settings.seed),
      BENCH_WORKLOAD: this.workloadPath,
      ...extra,
    };
  }

  private serverEnv(key: ServerKey): Record<string, string> {
    if (key === 'prod-sqlite') return this.childEnv(this.sqliteEnv);
    if (key === 'prod-sqlite-no-limits') return this.childEnv({ ...this.sqliteEnv, BENCH_WITHOUT_REQUEST_LIMITS: '1' });
    if (key === 'prod-pg' || key === 'write-floor') return this.childEnv(this.postgresEnv ?? {});
    if (key === 'prod-pg-outbox') return this.childEnv(this.outboxEnv ?? {});
    if (key === 'prod-sqlite-tracing') return this.childEnv({ ...this.sqliteEnv, OTEL_EXPORTER_OTLP_ENDPOINT: this.otlpSink.url });
    const variant = OBSERVABILITY_ENV[key];
    if (variant) return this.childEnv({ ...this.sqliteEnv, ...variant });
    return this.childEnv();
  }

  async prepare(): Promise<void> {
    log(`data set: ${this.users.length} users (seed ${this.settings.seed})`);
    const profiles: Record<string, number> = {};
    for (const u of this.users) profiles[u.profile] = (profiles[u.profile] ?? 0) + 1;
    Object.assign(this.dataset, {
      users: this.users.length,
      seed: this.settings.seed,
      profiles,
      usersWithBusinessPreferences: this.users.filter((u) => u.businessPreferences.length > 0).length,
      batchesPerSize: this.settings.variants,
    });
    writeFileSync(this.workloadPath, JSON.stringify({ bodies: this.bodies }));
    this.token = await mintToken(JWT_SECRET, { sub: 'ads-graph', scope: 'consent:read' });

    const sqlite = await seedDatabase(this.sqliteEnv, this.users);
    log(`SQLite seeded: ${JSON.stringify(sqlite)}`);
    this.dataset.sqliteSeed = sqlite;
    this.postgresEnv = await preparePostgres(this.settings.postgresUrl);
    if (this.postgresEnv) {
      const postgres = await seedDatabase(this.postgresEnv, this.users);
      log(`PostgreSQL (consent_bench) seeded: ${JSON.stringify(postgres)}`);
      this.dataset.postgresSeed = postgres;
      this.outboxEnv = await prepareOutboxCopy(this.settings.postgresUrl, this.settings.natsUrl);
    }
  }

  private logFile(key: ServerKey, name?: string): string {
    return path.join(this.tmp, `${name ?? key}.log`.replace(/[^\w.-]+/g, '-'));
  }

  private startServer(
    key: ServerKey,
    extra: { env?: Record<string, string>; nodeArgs?: string[]; name?: string } = {},
  ): Promise<BenchChild> {
    return BenchChild.start({
      name: extra.name ?? key,
      script: path.join(distBench, SERVER_SCRIPTS[key]),
      core: SERVER_CORE,
      env: { ...this.serverEnv(key), ...extra.env },
      nodeArgs: extra.nodeArgs,
      // A log file, as a collector would tail: realistic write cost, and the run's output stays readable.
      stdoutFile: this.logFile(key, extra.name),
    });
  }

  /** See primeWithOneWrite: a server that never wrote would be measured faster than any real one. */
  private async prime(key: ServerKey): Promise<void> {
    if (!this.settings.prime || !isProduction(key)) return;
    await primeWithOneWrite(this.url(key), key);
  }

  async startAll(): Promise<void> {
    this.generator = await LoadGenerator.start(LOAD_CORE);
    if (this.targets.some((t) => t.server === 'prod-sqlite-tracing')) await this.otlpSink.start();
    const keys = [...new Set(this.targets.map((t) => t.server))];
    for (const key of keys) {
      this.servers.set(key, await this.startServer(key));
      await this.prime(key);
      log(
        `${key} ready on 127.0.0.1:${this.servers.get(key)!.port} (pid ${this.servers.get(key)!.pid})${this.settings.prime ? '' : ', not primed'}`,
      );
    }
  }

  private url(server: ServerKey): string {
    return `http://127.0.0.1:${this.servers.get(server)!.port}/graphql`;
  }

  private headers(target?: Target): Record<string, string> {
    return { 'content-type': 'application/json', authorization: `Bearer ${this.token}`, ...target?.headers };
  }

  private requests(target: Target, n: number): LoadRequest[] {
    return this.bodies[n]!.map((body) => ({ method: 'POST', path: '/graphql', headers: this.headers(target), body }));
  }

  private async load(spec: ReadSpec | WriteSpec): Promise<LoadResult> {
    const result = await this.generator.run(spec);
    // A profile's write runs go on from where the last left the writers.
    if (spec.kind === 'write' && spec.users === this.profileWriters && result.users) this.profileWriters = result.users;
    return result;
  }

  /**
   * Correctness and the deterministic numbers: every server's answer to the
   * same body must equal L2's; bytes per response; statements per request
   * from production instances started with onQuery.
   */
  async probe(): Promise<ProbeResult[]> {
    const counters = new Map<ServerKey, BenchChild>();
    for (const key of ['prod-sqlite', 'prod-pg'] as const) {
      if (this.servers.has(key))
        counters.set(key, await this.startServer(key, { env: { BENCH_COUNT_SQL: '1' }, name: `${key} (counting SQL)` }));
    }
    const post = async (port: number, body: string, target?: Target) => {
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: this.headers(target), body });
      const text = await response.text();
      return {
        status: response.status,
        text,
        json: JSON.parse(text) as { data?: unknown; errors?: unknown[]; extensions?: Record<string, unknown> },
      };
    };
    const probes: ProbeResult[] = [];
    try {
      for (const n of this.settings.sizes) {
        const body = this.bodies[n]![0]!;
        const reference = await post(this.servers.get('L2')!.port, body);
        const differences: string[] = [];
        const bytes: Record<string, number> = {};
        let ftv1Present = false;
        for (const target of this.targets.filter((t) => measuredAt(t, n))) {
          const answer = await post(this.servers.get(target.server)!.port, body, target);
          bytes[target.key] = Buffer.byteLength(answer.text);
          if (answer.status !== 200 || answer.json.errors)
            differences.push(`${target.key}: status ${answer.status} ${JSON.stringify(answer.json.errors)}`);
          else if (!isDeepStrictEqual(answer.json.data, reference.json.data)) differences.push(`${target.key}: data differs from L2`);
          if (target.headers) ftv1Present = typeof answer.json.extensions?.ftv1 === 'string';
        }
        const entities = (reference.json.data as { _entities?: unknown[] } | undefined)?._entities ?? [];
        if (entities.length !== n) differences.push(`L2 answered ${entities.length} entities for ${n}`);
        const sql: ProbeResult['sql'] = {};
        for (const [key, counter] of counters) {
          const samples = 3;
          await counter.request({ type: 'reset' });
          for (let i = 0; i < samples; i++) await post(counter.port, this.bodies[n]![i]!);
          const stats = await counter.request<{ statements: number; dataStatements: number }>({ type: 'stats' });
          sql[key] = { statements: stats.statements / samples, dataStatements: stats.dataStatements / samples };
        }
        probes.push({ n, identical: differences.length === 0, differences, bytes, sql, ftv1Present });
        log(
          `probe N=${n}: ${differences.length === 0 ? 'all answers identical' : `DIFFERENCES: ${differences.join('; ')}`}; ` +
            `SQL/req ${Object.entries(sql)
              .map(([k, v]) => `${k} ${v.dataStatements}`)
              .join(', ')}; ftv1 ${ftv1Present ? 'present' : 'absent'}`,
        );
      }
    } finally {
      for (const counter of counters.values()) await counter.stop();
    }
    return probes;
  }

  private readSpec(target: Target, n: number): Omit<ReadSpec, 'seconds'> {
    return { kind: 'read', url: this.url(target.server), connections: CONNECTIONS[n] ?? 16, requests: this.requests(target, n) };
  }

  /**
   * Waits until every server and PostgreSQL are idle: a run that ends closes
   * its connections, but a server still finishes the requests it had
   * started, and that work (on the shared server core) must not land in the
   * next measurement, whichever server it is.
   */
  private async settle(): Promise<void> {
    const pids = [...this.servers.values()].map((s) => s.pid);
    const busy = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) + (this.postgresEnv ? cpuSecondsOf('postgres') : 0);
    if (!(await waitUntilIdle(busy))) log('warning: the servers were still busy after 20 s');
  }

  private windowFor(bounds: readonly [number, number], rate: number): number {
    return Math.min(bounds[1], Math.max(bounds[0], this.settings.windowResponses / rate));
  }

  /** Warms the server's JIT on this target and size, then measures its saturation once to fix the offered rate. */
  private async calibrate(target: Target, n: number): Promise<number> {
    if (this.settings.warmupSeconds > 0) {
      await this.settle();
      await this.load({ ...this.readSpec(target, n), seconds: this.settings.warmupSeconds });
    }
    await this.settle();
    const saturation = await this.load({ ...this.readSpec(target, n), seconds: this.settings.calibrationSeconds });
    return saturation.requestsPerSecond;
  }

  private async measure(target: Target, n: number, rep: number, calibrated: number): Promise<RepMeasurement> {
    const server = this.servers.get(target.server)!;
    const spec = this.readSpec(target, n);
    const usesPostgres = target.server === 'prod-pg';
    await this.settle();
    const rssReset = resetPeakRss(server.pid);
    const cpuBefore = cpuSeconds(server.pid);
    const dbBefore = usesPostgres ? cpuSecondsOf('postgres') : 0;
    const machineBefore = machineBusySeconds();
    const saturation = await this.load({ ...spec, seconds: this.windowFor(this.settings.saturationSeconds, calibrated) });
    const serverCpu = (cpuSeconds(server.pid) - cpuBefore) / saturation.seconds;
    const databaseCpu = usesPostgres ? (cpuSecondsOf('postgres') - dbBefore) / saturation.seconds : null;
    const otherCpu = Math.max(
      0,
      (machineBusySeconds() - machineBefore) / saturation.seconds - serverCpu - (databaseCpu ?? 0) - saturation.generatorCpu,
    );
    await this.settle();
    const rate = calibrated / 2;
    const paced = await this.load({
      ...spec,
      seconds: this.windowFor(this.settings.pacedSeconds, rate),
      rate,
      rateMode: this.settings.rateMode,
    });
    return { rep, saturation, paced, serverCpu, databaseCpu, otherCpu, peakRssBytes: peakRss(server.pid), peakRssSinceStart: !rssReset };
  }

  async reads(): Promise<Cell[]> {
    const cells: Cell[] = [];
    log(`warming up every target for ${this.settings.serverWarmupSeconds} s at N = 10`);
    for (const target of this.targets) {
      await this.settle();
      await this.load({ ...this.readSpec(target, 10), seconds: this.settings.serverWarmupSeconds });
    }
    log('calibrating: warm-up, then saturation, per target and batch size');
    for (const n of this.settings.sizes) {
      for (const target of this.targets.filter((t) => measuredAt(t, n))) {
        const saturated = await this.calibrate(target, n);
        cells.push({ target: target.key, n, connections: CONNECTIONS[n] ?? 16, offeredRate: saturated / 2, reps: [] });
      }
    }
    for (let rep = 1; rep <= this.settings.reps; rep++) {
      // Rotate the order each repetition so no target always follows the same neighbour.
      const order = this.targets.map((_, i, all) => all[(i + rep - 1) % all.length]!);
      for (const n of this.settings.sizes) {
        for (const target of order.filter((t) => measuredAt(t, n))) {
          const cell = cells.find((c) => c.target === target.key && c.n === n)!;
          cell.reps.push(await this.measure(target, n, rep, cell.offeredRate * 2));
        }
      }
      const summary = cells
        .filter((c) => c.n === 100)
        .map((c) => `${c.target} ${Math.round(c.reps.at(-1)!.saturation.requestsPerSecond)}`)
        .join(', ');
      log(`repetition ${rep}/${this.settings.reps} done; N=100 req/s: ${summary}`);
    }
    return cells;
  }

  /**
   * The write half: the write floor, production on PostgreSQL without and
   * with the relay publishing, and production on SQLite, interleaved
   * (bench/writes.ts). The floor and the publishing server start here, after
   * the reads, so they take no core time from the read measurements.
   */
  async writes(): Promise<WriteResults | null> {
    const purpose = TOGGLED_PURPOSE;
    const candidates = await writersFrom(this.users);
    const warmupUsers = candidates.slice(0, 500);
    const users = candidates.slice(500, 3500);
    const targets: WriteTarget[] = [];
    const ledgerOf = (env: Record<string, string>) => () => countLedgerWrites(parseConfig(env).database);
    const loggedStatements = (server: ServerKey) => async () => statementsPerLoggedWrite(this.logFile(server));
    if (this.postgresEnv && this.servers.has('prod-pg')) {
      const floor = await this.startServer('write-floor');
      this.servers.set('write-floor', floor);
      await floor.request({ type: 'reset' });
      targets.push({
        key: 'write-floor',
        label: 'write floor: node:http + raw pg, same transaction',
        database: 'PostgreSQL',
        server: floor,
        url: this.url('write-floor'),
        countLedgerWrites: ledgerOf(this.postgresEnv),
        statementsPerChange: async () => {
          const stats = await floor.request<{ statements: number; changes: number }>({ type: 'stats' });
          return stats.changes > 0 ? stats.statements / stats.changes : null;
        },
      });
      targets.push({
        key: 'prod-pg',
        label: 'production, PostgreSQL',
        database: 'PostgreSQL',
        server: this.servers.get('prod-pg')!,
        url: this.url('prod-pg'),
        countLedgerWrites: ledgerOf(this.postgresEnv),
        statementsPerChange: loggedStatements('prod-pg'),
      });
    }
    if (this.outboxEnv && this.servers.has('prod-pg')) {
      await dropStream(this.outboxEnv.NATS_URL!, this.outboxEnv.NATS_STREAM!);
      await startRelayAtEnd(this.outboxEnv.DATABASE_URL!, this.outboxEnv.NATS_STREAM!);
      const outbox = await this.startServer('prod-pg-outbox');
      this.servers.set('prod-pg-outbox', outbox);
      await this.prime('prod-pg-outbox');
      targets.push({
        key: 'prod-pg-outbox',
        label: 'production, PostgreSQL, relay publishing to JetStream',
        database: 'PostgreSQL (outbox copy)',
        server: outbox,
        url: this.url('prod-pg-outbox'),
        countLedgerWrites: ledgerOf(this.outboxEnv),
        statementsPerChange: loggedStatements('prod-pg-outbox'),
      });
    }
    if (this.servers.has('prod-sqlite')) {
      targets.push({
        key: 'prod-sqlite',
        label: 'production, SQLite',
        database: 'SQLite',
        server: this.servers.get('prod-sqlite')!,
        url: this.url('prod-sqlite'),
        countLedgerWrites: ledgerOf(this.sqliteEnv),
        statementsPerChange: loggedStatements('prod-sqlite'),
      });
    }
    if (targets.length === 0) return null;
    const perDatabase = <T>(value: () => T) => ({ PostgreSQL: value(), 'PostgreSQL (outbox copy)': value(), SQLite: value() });
    return measureWrites(targets, {
      reps: this.settings.reps,
      seconds: this.settings.writeSeconds,
      connections: this.settings.writeConnections,
      purpose,
      users: perDatabase(() => users),
      warmupUsers: perDatabase(() => warmupUsers),
      load: (spec) => this.load(spec),
      settle: () => this.settle(),
      log,
      stream: this.outboxEnv ? { url: this.outboxEnv.NATS_URL!, name: this.outboxEnv.NATS_STREAM! } : null,
    });
  }

  /** The write load for --profile-writes: the bench's writers, state carried from run to run. */
  private async writeProfileSpec(server: ServerKey): Promise<WriteSpec> {
    this.profileWriters ??= (await writersFrom(this.users)).slice(0, 3000);
    return {
      kind: 'write',
      url: this.url(server),
      connections: this.settings.writeConnections,
      purpose: TOGGLED_PURPOSE,
      users: this.profileWriters,
    };
  }
  private profileWriters: WriteUser[] | null = null;

  /** CPU profiles of servers under load (N = 100 unless --profile-n), with the top self-time functions printed and saved. */
  async profile(keys: readonly string[]): Promise<void> {
    this.generator = await LoadGenerator.start(LOAD_CORE);
    mkdirSync(resultsDir, { recursive: true });
    for (const key of keys) {
      const target = TARGETS.find((t) => t.key === key);
      if (!target || (target.server === 'prod-pg' && !this.postgresEnv)) throw new Error(`cannot profile ${key}`);
      const n = this.settings.profileN;
      if (!BATCH_SIZES.includes(n as (typeof BATCH_SIZES)[number])) throw new Error(`--profile-n must be one of ${BATCH_SIZES.join(', ')}`);
      const name = this.settings.profileWrites ? `${key}-writes.cpuprofile` : `${key}-n${n}.cpuprofile`;
      rmSync(path.join(resultsDir, name), { force: true });
      const server = await this.startServer(target.server, {
        nodeArgs: ['--cpu-prof', '--cpu-prof-dir', resultsDir, '--cpu-prof-name', name],
      });
      this.servers.set(target.server, server);
      await this.prime(target.server);
      const specFor = async () => (this.settings.profileWrites ? await this.writeProfileSpec(target.server) : this.readSpec(target, n));
      await this.load({ ...(await specFor()), seconds: 3 });
      await this.settle();
      const microseconds = () => Number(process.hrtime.bigint() / 1000n);
      const fromUs = microseconds();
      const result = await this.load({ ...(await specFor()), seconds: this.settings.profileSeconds });
      const toUs = microseconds();
      await this.settle();
      await server.stop();
      this.servers.delete(target.server);
      const summary = formatSummary(summariseFile(path.join(resultsDir, name), { fromUs, toUs }));
      const text =
        `${key} ${this.settings.profileWrites ? `writes, ${this.settings.writeConnections} writers` : `at N = ${n}, ${CONNECTIONS[n]} connections`}, ` +
        `${result.requestsPerSecond.toFixed(0)} req/s under the profiler ` +
        `(samples of the ${this.settings.profileSeconds} s measured load only; warm-up, start-up and shutdown left out)\n` +
        `Re-read: node dist/bench/cpuprofile-top.js bench/results/${name} --from-us ${fromUs} --to-us ${toUs}\n\n${summary}\n`;
      writeFileSync(path.join(resultsDir, name.replace('.cpuprofile', '.profile.txt')), text);
      console.log(`\n${text}`);
    }
  }

  async stopAll(): Promise<void> {
    // Requests a server is still finishing would fail noisily when its database closes.
    if (this.servers.size > 0) await this.settle();
    for (const server of this.servers.values()) await server.stop();
    this.servers.clear();
    await this.generator?.stop();
    if (this.otlpSink.spans > 0) this.dataset.tracedSpansExported = this.otlpSink.spans;
    await this.otlpSink.stop();
  }

  results(probes: ProbeResult[], cells: Cell[], writes: WriteResults | null): BenchResults {
    const s = this.settings;
    return {
      generatedAt: new Date().toISOString(),
      mode: s.mode,
      durationSeconds: (Date.now() - this.started) / 1000,
      machine: describeMachine(),
      settings: {
        reps: s.reps,
        connections: CONNECTIONS,
        serverWarmupSeconds: s.serverWarmupSeconds,
        warmupSeconds: s.warmupSeconds,
        calibrationSeconds: s.calibrationSeconds,
        saturationSeconds: s.saturationSeconds,
        pacedSeconds: s.pacedSeconds,
        windowResponses: s.windowResponses,
        rateMode: s.rateMode,
        primedWithOneWrite: s.prime,
        writeSeconds: s.writeSeconds,
        writeConnections: s.writeConnections,
        batchesPerSize: s.variants,
        sizes: s.sizes,
      },
      dataset: this.dataset,
      targets: this.targets.map(({ key, label, server }) => ({ key, label, server })),
      probes,
      cells,
      writes,
    };
  }
}

const MARK_START = '<!-- bench:results:start -->';
const MARK_END = '<!-- bench:results:end -->';

function publish(results: BenchResults): void {
  // A run of some batch sizes only (--sizes) is kept apart and never becomes the published table.
  const sizes = (results.settings as { sizes?: readonly number[] }).sizes ?? BATCH_SIZES;
  const partial = sizes.length < BATCH_SIZES.length;
  const name = partial ? `${results.mode}-n${sizes.join('-')}` : results.mode === 'full' ? 'latest' : 'quick';
  const markdown = renderMarkdown(results);
  const files = writeResultFiles(name, results, markdown);
  const doc = path.join(projectRoot, 'BENCHMARKS.md');
  if (results.mode === 'full' && !partial && existsSync(doc)) {
    const text = readFileSync(doc, 'utf8');
    const start = text.indexOf(MARK_START);
    const end = text.indexOf(MARK_END);
    if (start >= 0 && end > start) {
      const table = readFileSync(files[1]!, 'utf8').trimEnd();
      writeFileSync(doc, `${text.slice(0, start + MARK_START.length)}\n${table}\n${text.slice(end)}`);
      log('BENCHMARKS.md updated');
    }
  }
  console.log(`\n${markdown}`);
  log(`results in bench/results/${name}.json and ${name}.md`);
}

async function main(): Promise<void> {
  const settings = parseSettings();
  const bench = new Bench(settings);
  // A bound on the whole run, whatever hangs: the exit handlers end every child.
  const deadline = setTimeout(
    () => {
      console.error('bench: time limit reached, stopping');
      process.exit(1);
    },
    (settings.profile ? 5 : settings.mode === 'quick' ? 5 : 15) * 60_000,
  );
  deadline.unref();
  try {
    await bench.prepare();
    if (settings.profile) {
      await bench.profile(settings.profile);
      return;
    }
    await bench.startAll();
    const probes = await bench.probe();
    const cells = await bench.reads();
    const writes = await bench.writes();
    await bench.stopAll();
    publish(bench.results(probes, cells, writes));
  } finally {
    await bench.stopAll();
  }
}

runMain(main);
