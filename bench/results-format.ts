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

export interface WriteResult {
  readonly database: string;
  readonly connections: number;
  readonly load: LoadResult;
  readonly serverCpu: number;
  readonly databaseCpu: number | null;
  /** Writes (distinct user and consent version) in the ledger; the names predate events per write varying. */
  readonly ledgerRowsBefore: number;
  readonly ledgerRowsAfter: number;
  readonly ledgerMatches: boolean;
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
  readonly writes: readonly WriteResult[];
}

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–';
const significant = (value: number) =>
  !Number.isFinite(value) ? '–' : value >= 100 ? fmt(value) : value >= 10 ? fmt(value, 1) : fmt(value, 2);
const withRange = (s: Spread, show: (v: number) => string) => `${show(s.median)} (${show(s.min)}–${show(s.max)})`;

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
      `${m.cpuModel}, ${m.cores} cores, Node ${m.node}, ` +
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

  if (results.writes.length > 0) {
    lines.push('**Write path**: `updateConsent` toggling `business.marketing`, each request for a distinct user with their own token', '');
    lines.push(
      '| database | writers | changes/s | p50 ms | p99 ms | accepted changes | ledger writes added | ledger = changes | errors | server CPU |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const w of results.writes) {
      const added = w.ledgerRowsAfter - w.ledgerRowsBefore;
      lines.push(
        `| ${w.database} | ${w.connections} | ${significant((w.load.acceptedChanges ?? 0) / w.load.seconds)} | ${significant(w.load.latencyMs.p50)} | ` +
          `${significant(w.load.latencyMs.p99)} | ${fmt(w.load.acceptedChanges ?? 0)} | ${fmt(added)} | ${w.ledgerMatches ? 'yes' : 'NO'} | ` +
          `${fmt((w.load.graphqlErrors ?? 0) + w.load.errors + w.load.non2xx)} | ` +
          `${w.serverCpu.toFixed(2)}${w.databaseCpu !== null ? ` (+DB ${w.databaseCpu.toFixed(2)})` : ''} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
