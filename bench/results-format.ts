/**
 * The results file's shape, the statistics over repetitions, and the
 * markdown that BENCHMARKS.md shows. Ratios are taken within each
 * repetition (servers measured minutes apart on the same machine) and then
 * summarised, never across runs.
 */
import type { LoadResult } from './load-generator.js';

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

export interface TargetInfo {
  readonly key: string;
  readonly label: string;
  /** The server process measured; several targets can share one (ftv1 headers) or run variants of one. */
  readonly server?: string;
}

export interface RepMeasurement {
  readonly rep: number;
  readonly saturation: LoadResult;
  readonly paced: LoadResult;
  /** Server CPU use during the saturation run, in cores (1.0: its core was busy all the time). */
  readonly serverCpu: number;
  /** PostgreSQL backends' CPU use during the saturation run, in cores (PostgreSQL targets only). */
  readonly databaseCpu: number | null;
  /** CPU used by everything else on the machine during the saturation run, in cores: noise from outside the bench. */
  readonly otherCpu: number;
  readonly peakRssBytes: number;
  /** True when /proc refused to reset the peak: then it is the peak since the server started. */
  readonly peakRssSinceStart: boolean;
}

export interface Cell {
  readonly target: string;
  readonly n: number;
  readonly connections: number;
  /** The offered rate of the paced runs: half of the calibration run's saturation. */
  readonly offeredRate: number;
  readonly reps: RepMeasurement[];
}

export interface ProbeResult {
  readonly n: number;
  /** Every server's `data` equalled L2's for the same body. */
  readonly identical: boolean;
  readonly differences: readonly string[];
  readonly bytes: Record<string, number>;
  /** Statements per request, from an instance started with onQuery (not the measured one). */
  readonly sql: Record<string, { readonly statements: number; readonly dataStatements: number }>;
  readonly ftv1Present: boolean;
}

/** One measured write run of one target. */
export interface WriteRun {
  readonly rep: number;
  readonly load: LoadResult;
  readonly changesPerSecond: number;
  /** In cores over the run. */
  readonly serverCpu: number;
  readonly databaseCpu: number | null;
  /** nats-server's CPU, for the target that publishes. */
  readonly natsCpu: number | null;
  readonly serverCpuMsPerChange: number;
  /** Writes (distinct user and consent version) the ledger gained; must equal the accepted changes. */
  readonly ledgerRowsAdded: number;
  readonly ledgerMatches: boolean;
}

export interface WriteTargetResult {
  readonly key: string;
  readonly label: string;
  readonly database: string;
  readonly connections: number;
  /** SQL statements per change, BEGIN and COMMIT included; null when the server cannot tell. */
  readonly statementsPerChange: number | null;
  readonly runs: readonly WriteRun[];
  /** Per-repetition ratio of changes/s to the write floor's. */
  readonly versusFloor: Spread | null;
  /** For the publishing target: per-repetition ratio to production without the relay. */
  readonly versusNoOutbox: Spread | null;
}

/** From a change's occurredAt (taken as its request starts, before the transaction) to JetStream's stored timestamp. */
export interface FreshnessResult {
  readonly messages: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface WriteResults {
  readonly targets: readonly WriteTargetResult[];
  readonly freshness: FreshnessResult | null;
}

export interface BenchResults {
  readonly generatedAt: string;
  readonly mode: 'full' | 'quick';
  readonly durationSeconds: number;
  readonly machine: Record<string, string | number | boolean>;
  readonly settings: Record<string, unknown>;
  readonly dataset: Record<string, unknown>;
  readonly targets: readonly TargetInfo[];
  readonly probes: readonly ProbeResult[];
  readonly cells: readonly Cell[];
  readonly writes: WriteResults | null;
}

export const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–';
export const significant = (value: number) =>
  !Number.isFinite(value) ? '–' : value >= 100 ? fmt(value) : value >= 10 ? fmt(value, 1) : fmt(value, 2);
export const withRange = (s: Spread, show: (v: number) => string = significant) => `${show(s.median)} (${show(s.min)}–${show(s.max)})`;

export function cellOf(results: BenchResults, target: string, n: number): Cell | undefined {
  return results.cells.find((c) => c.target === target && c.n === n);
}

/** Per-repetition ratio of two targets' saturated req/s, summarised. */
export function ratio(results: BenchResults, target: string, base: string, n: number): Spread {
  const a = cellOf(results, target, n);
  const b = cellOf(results, base, n);
  if (!a || !b) return spread([]);
  const ratios = a.reps.map((rep) => {
    const other = b.reps.find((r) => r.rep === rep.rep);
    return other ? rep.saturation.requestsPerSecond / other.saturation.requestsPerSecond : Number.NaN;
  });
  return spread(ratios);
}

export const TARGET_CHECKS = [
  { target: 'prod-sqlite', base: 'L4', n: 100, atLeast: 0.8 },
  { target: 'prod-sqlite', base: 'L2', n: 100, atLeast: 0.5 },
  { target: 'prod-pg', base: 'L4', n: 100, atLeast: 0.6 },
  // The request limits run once per distinct document (validation is cached) plus a count per request.
  { target: 'prod-sqlite', base: 'prod-sqlite-no-limits', n: 100, atLeast: 0.95 },
] as const;

const OBSERVABILITY_BASE = 'prod-sqlite-bare';
const OBSERVABILITY_COST = [
  { target: 'prod-sqlite-logs', label: 'logs (one JSON line per request, to a file)' },
  { target: 'prod-sqlite-metrics', label: 'metrics (prom-client, per-request tally)' },
  { target: 'prod-sqlite', label: 'logs + metrics: **the default**' },
  { target: 'prod-sqlite-tracing', label: 'default + tracing (OTLP export of every span)' },
];

export function renderMarkdown(results: BenchResults): string {
  const lines: string[] = [];
  const m = results.machine;
  const st = results.settings as { reps: number; saturationSeconds: number[]; pacedSeconds: number[]; primedWithOneWrite?: boolean };
  const other = spread(results.cells.flatMap((c) => c.reps.map((r) => r.otherCpu)));
  lines.push(
    `Run ${results.generatedAt} (${results.mode}, ${fmt(results.durationSeconds)} s) of commit ${m.commit}${m.dirty ? ` + uncommitted changes to src/ (diff ${m.sourceDiff})` : ''}: ` +
      `${m.cpuModel}, ${m.cores} cores, Node ${m.node}${m.nodeFlags ? ` (${m.nodeFlags}, as shipped, for every server)` : ''}, ` +
      `${m.pinned ? 'each server pinned to core 0, autocannon to core 1' : 'NOT pinned (taskset missing or one core)'}; ` +
      `${results.dataset.users} users; ${st.reps} interleaved repetitions, each a saturation run of ${st.saturationSeconds.join('–')} s ` +
      `and a run of ${st.pacedSeconds.join('–')} s at half the calibrated saturation rate, evenly paced; ` +
      `${st.primedWithOneWrite ? 'each production server committed one write before it was measured' : 'production servers NOT primed with a write (--no-prime)'}. ` +
      `Other load on the machine during the saturation runs: median ${other.median.toFixed(2)} cores (max ${other.max.toFixed(2)}).`,
    '',
  );

  lines.push('**Targets at N = 100** (median of per-repetition ratios of req/s, range in brackets):', '');
  lines.push('| target | measured | met |', '|---|---|---|');
  for (const check of TARGET_CHECKS) {
    const r = ratio(results, check.target, check.base, check.n);
    const label = results.targets.find((t) => t.key === check.target)?.label ?? check.target;
    const met = Number.isFinite(r.median) ? (r.median >= check.atLeast ? 'yes' : 'no') : 'not measured';
    lines.push(`| ${label} ≥ ${check.atLeast}× ${check.base} | ${withRange(r, (v) => `${v.toFixed(2)}×`)} | ${met} |`);
  }
  lines.push('');

  const variants = OBSERVABILITY_COST.filter((v) => results.targets.some((t) => t.key === v.target));
  if (results.targets.some((t) => t.key === OBSERVABILITY_BASE) && variants.length > 0) {
    lines.push(
      '**Observability cost**: production on SQLite with each part on, against the same server with logs and metrics off ' +
        '(median of per-repetition ratios of req/s, range in brackets; below 1.00 is slower)',
      '',
      '| variant | N = 1 | N = 100 |',
      '|---|---|---|',
    );
    for (const v of variants) {
      const at = (n: number) => withRange(ratio(results, v.target, OBSERVABILITY_BASE, n), (x) => `${x.toFixed(2)}×`);
      lines.push(`| ${v.label} | ${at(1)} | ${at(100)} |`);
    }
    lines.push('');
  }

  const sizes = [...new Set(results.cells.map((c) => c.n))].sort((a, b) => a - b);
  for (const n of sizes) {
    const probe = results.probes.find((p) => p.n === n);
    const connections = results.cells.find((c) => c.n === n)?.connections;
    lines.push(
      `**N = ${fmt(n)}** user${n === 1 ? '' : 's'} per \`_entities\` request, ${connections} connections` +
        `${probe ? (probe.identical ? '; all answers identical' : '; ANSWERS DIFFER, see latest.json') : ''}`,
      '',
    );
    lines.push(
      '| server | req/s at saturation | × L2 | × L4 | p50 ms at ½ rate | p99 ms at ½ rate | SQL / req | bytes / resp | peak RSS MB | server CPU | load-gen CPU |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const target of results.targets) {
      const cell = cellOf(results, target.key, n);
      if (!cell) continue;
      const rps = spread(cell.reps.map((r) => r.saturation.requestsPerSecond));
      const p50 = spread(cell.reps.map((r) => r.paced.latencyMs.p50));
      const p99 = spread(cell.reps.map((r) => r.paced.latencyMs.p99));
      const rss = spread(cell.reps.map((r) => r.peakRssBytes / 1_048_576));
      const cpu = spread(cell.reps.map((r) => r.serverCpu));
      const db = spread(cell.reps.map((r) => r.databaseCpu ?? Number.NaN));
      const gen = spread(cell.reps.map((r) => r.saturation.generatorCpu));
      const sql = probe?.sql[target.server?.startsWith('prod-sqlite') ? 'prod-sqlite' : (target.server ?? target.key)];
      const vsL2 = ratio(results, target.key, 'L2', n);
      const vsL4 = ratio(results, target.key, 'L4', n);
      lines.push(
        `| ${target.label} | ${withRange(rps, significant)} | ${vsL2.median.toFixed(2)} | ${vsL4.median.toFixed(2)} | ` +
          `${withRange(p50, significant)} | ${withRange(p99, significant)} | ${sql ? fmt(sql.dataStatements, 1) : '0'} | ` +
          `${fmt(probe?.bytes[target.key] ?? Number.NaN)} | ${fmt(rss.median)} | ${cpu.median.toFixed(2)}${Number.isFinite(db.median) ? ` (+DB ${db.median.toFixed(2)})` : ''} | ${gen.median.toFixed(2)} |`,
      );
    }
    lines.push('');
  }

  if (results.writes && results.writes.targets.length > 0) lines.push(...renderWrites(results.writes));
  return lines.join('\n');
}

export const WRITE_TARGET_CHECKS = [
  { target: 'prod-pg', base: 'floor', atLeast: 0.6, label: 'production, PostgreSQL ≥ 0.6× the write floor' },
  {
    target: 'prod-pg-outbox',
    base: 'no outbox',
    atLeast: 0.5,
    label: 'relay publishing ≥ 0.5× without it (the outbox must not halve writes)',
  },
] as const;

function renderWrites(writes: WriteResults): string[] {
  const lines: string[] = [];
  const ratioText = (s: Spread | null) => (s && Number.isFinite(s.median) ? withRange(s, (v) => `${v.toFixed(2)}×`) : '–');
  lines.push(
    '**Write path**: `updateConsent` toggling `business.marketing` with an idempotency key, each request one user with their own token; ' +
      'median of interleaved repetitions (range in brackets)',
    '',
    '| target | writers | changes/s | × floor | p50 ms | p99 ms | server CPU | server CPU ms / change | SQL / change | ledger = changes | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const t of writes.targets) {
    const rate = spread(t.runs.map((r) => r.changesPerSecond));
    const p50 = spread(t.runs.map((r) => r.load.latencyMs.p50));
    const p99 = spread(t.runs.map((r) => r.load.latencyMs.p99));
    const cpu = spread(t.runs.map((r) => r.serverCpu));
    const db = spread(t.runs.map((r) => r.databaseCpu ?? Number.NaN));
    const nats = spread(t.runs.map((r) => r.natsCpu ?? Number.NaN));
    const perChange = spread(t.runs.map((r) => r.serverCpuMsPerChange));
    const errors = t.runs.reduce((sum, r) => sum + (r.load.graphqlErrors ?? 0) + r.load.errors + r.load.non2xx, 0);
    const extra = `${Number.isFinite(db.median) ? ` (+DB ${db.median.toFixed(2)})` : ''}${Number.isFinite(nats.median) ? ` (+NATS ${nats.median.toFixed(2)})` : ''}`;
    lines.push(
      `| ${t.label} | ${t.connections} | ${withRange(rate, significant)} | ${ratioText(t.versusFloor)} | ${significant(p50.median)} | ` +
        `${significant(p99.median)} | ${cpu.median.toFixed(2)}${extra} | ${significant(perChange.median)} | ` +
        `${t.statementsPerChange === null ? '–' : fmt(t.statementsPerChange, 1)} | ${t.runs.every((r) => r.ledgerMatches) ? 'yes' : 'NO'} | ${fmt(errors)} |`,
    );
  }
  lines.push('');
  const prod = writes.targets.find((t) => t.key === 'prod-pg');
  const outbox = writes.targets.find((t) => t.key === 'prod-pg-outbox');
  lines.push('| write target | measured | met |', '|---|---|---|');
  for (const check of WRITE_TARGET_CHECKS) {
    const s = check.target === 'prod-pg' ? (prod?.versusFloor ?? null) : (outbox?.versusNoOutbox ?? null);
    const met = s && Number.isFinite(s.median) ? (s.median >= check.atLeast ? 'yes' : 'no') : 'not measured';
    lines.push(`| ${check.label} | ${ratioText(s)} | ${met} |`);
  }
  const rate = prod ? spread(prod.runs.map((r) => r.changesPerSecond)).median : Number.NaN;
  lines.push(
    `| production, PostgreSQL ≥ 1,000 changes/s | ${significant(rate)} | ${Number.isFinite(rate) ? (rate >= 1000 ? 'yes' : 'no') : 'not measured'} |`,
  );
  lines.push('');
  const f = writes.freshness;
  if (f) {
    lines.push(
      `**Freshness of the stream** under the publishing target's write load: ${fmt(f.messages)} changes, from the change's \`occurredAt\` ` +
        `(taken when its request starts, before the transaction) to JetStream's stored timestamp: ` +
        `p50 ${significant(f.p50Ms)} ms, p99 ${significant(f.p99Ms)} ms, max ${significant(f.maxMs)} ms.`,
      '',
    );
  }
  return lines;
}
