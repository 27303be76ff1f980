/**
 * Prometheus metrics (prom-client) in a registry of this app's own, so two
 * apps in one process (tests) never share counters. Requests are recorded
 * once per request from its tally; nothing here runs per field.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestTally } from './request-tally.js';

/** The subset of tarn's pool (knex's) that the pool gauges read. */
export interface PoolStats {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

export type RequestOutcome = 'ok' | 'client_error' | 'server_error';

/**
 * Operation names come from clients: beyond this many distinct names, new
 * ones are counted as "(other)" so a client cannot grow the series without
 * bound. Persisted or safelisted operations keep the real set far below it.
 */
export const MAX_OPERATION_NAMES = 100;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

export class Metrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();
  private readonly requests: Counter<'operation' | 'outcome'>;
  private readonly duration: Histogram<'operation' | 'outcome'>;
  private readonly decisions: Counter<'reason'>;
  private readonly writes: Counter<'operation' | 'outcome'>;

  /** `pool` reads the PostgreSQL pool; null (SQLite: one connection, nothing worth a gauge) registers no pool gauges. */
  constructor(pool: (() => PoolStats | undefined) | null) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'consent_graphql_requests_total',
      help: 'GraphQL requests by operation name and outcome (ok, client_error, server_error).',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'consent_graphql_request_duration_seconds',
      help: 'Time from the request arriving to the answer being written, by operation name and outcome.',
      labelNames: ['operation', 'outcome'],
      // From a cached single-user read (~1 ms) to a 1,000-user batch (~100 ms) and past a slow database.
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.decisions = new Counter({
      name: 'consent_decisions_total',
      help: 'Sharing and messaging decisions answered, by reason (USER_WITHDRAWN, PROHIBITED, ...).',
      labelNames: ['reason'],
      registers,
    });
    this.writes = new Counter({
      name: 'consent_writes_total',
      help: 'Consent writes by operation and outcome: changed, unchanged, refused (userErrors), replayed (idempotency key), failed.',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    if (pool === null) return;
    const poolGauge = (name: string, help: string, read: (p: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const stats = pool();
          if (stats) this.set(read(stats));
        },
      });
    poolGauge('consent_db_pool_connections_in_use', 'PostgreSQL connections lent to queries or transactions.', (p) => p.numUsed());
    poolGauge('consent_db_pool_connections_idle', 'PostgreSQL connections open and idle in the pool.', (p) => p.numFree());
    poolGauge('consent_db_pool_waiting', 'Queries waiting for a PostgreSQL connection.', (p) => p.numPendingAcquires());
  }

  /** The label for a client-chosen operation name: bounded in length, charset and number. */
  operationLabel(tally: RequestTally): string {
    const name = tally.operationName;
    if (name === null) return tally.operationType === null ? '(unparsed)' : '(anonymous)';
    if (!OPERATION_NAME.test(name)) return '(other)';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return '(other)';
    this.operationNames.add(name);
    return name;
  }

  record(tally: RequestTally, outcome: RequestOutcome, seconds: number): void {
    const operation = this.operationLabel(tally);
    this.requests.inc({ operation, outcome });
    this.duration.observe({ operation, outcome }, seconds);
    for (const [reason, count] of tally.decisions) this.decisions.inc({ reason }, count);
    for (const write of tally.writes) this.writes.inc(write);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
