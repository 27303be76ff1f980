/**
 * `npm run bench:storage`: what a user costs on disk in PostgreSQL, table by
 * table, measured rather than estimated from column widths.
 *
 *   npm run bench:storage                                   10,000 and 100,000 users, 3,000 writes each
 *   npm run bench:storage -- --users 10000 --writes 2000
 *   npm run bench:storage -- --keep                         leave the databases behind for inspection
 *
 * For each size: a fresh database `consent_scale_storage_<users>`, migrated
 * and filled by the bench seeder (bench/seed.ts: heads, choices, business
 * preferences and the ledger, whose trigger fills the feed), VACUUM ANALYZE,
 * then every table's heap, indexes and TOAST (plus free-space and
 * visibility maps) from pg_relation_size, pg_indexes_size and
 * pg_total_relation_size. Then real writes through the production server
 * (updateConsent with an idempotency key, each for a distinct user, as
 * bench/load-generator.ts sends them), VACUUM ANALYZE again and the growth
 * per write: the rows the seeder cannot make (the feed's outcome rows,
 * idempotency records) and what updates leave behind in the heads. Two sizes
 * show whether the cost per user is linear.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generateUsers } from './dataset.js';
import {
  DEFAULT_POSTGRES_URL,
  describeMachine,
  dropDatabase,
  LoadGenerator,
  logger,
  recreateDatabase,
  runMain,
  startProductionServer,
  TOGGLED_PURPOSE,
  writeResultFiles,
  writersFrom,
} from './harness.js';
import type { LoadResult } from './load-generator.js';
import { seedDatabase, type SeedReport } from './seed.js';

/** The tables that grow with users or with writes; the policy tables are a few rows per published version. */
const TABLES = [
  { table: 'consent_subject', label: 'heads (consent_subject)' },
  { table: 'consent_choice', label: 'choices (consent_choice)' },
  { table: 'business_messaging_preference', label: 'business preferences' },
  { table: 'consent_event', label: 'ledger (consent_event)' },
  { table: 'consent_change', label: 'feed positions (consent_change)' },
  { table: 'consent_change_outcome', label: 'feed outcomes (consent_change_outcome)' },
  { table: 'idempotency_record', label: 'idempotency records' },
] as const;

type TableName = (typeof TABLES)[number]['table'];

interface TableSize {
  readonly table: TableName;
  readonly rows: number;
  /** The main fork: the rows themselves, with page and tuple headers and free space. */
  readonly heapBytes: number;
  readonly indexBytes: number;
  /** TOAST (values compressed or moved out of line) plus the free-space and visibility maps. */
  readonly toastAndMapsBytes: number;
  readonly totalBytes: number;
  readonly indexes: Record<string, number>;
}

interface Snapshot {
  readonly tables: readonly TableSize[];
  readonly databaseBytes: number;
}

interface SizeResult {
  readonly users: number;
  readonly seed: SeedReport;
  readonly seeded: Snapshot;
  readonly writes: {
    readonly requested: number;
    readonly load: LoadResult;
    /** Writes (distinct user and consent version) and events the ledger gained. */
    readonly ledgerWrites: number;
    readonly ledgerEvents: number;
    readonly after: Snapshot;
  } | null;
}

const log = logger('storage');

async function snapshot(url: string): Promise<Snapshot> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // VACUUM cannot run in a transaction; ANALYZE refreshes the planner's row estimates too.
    await client.query('vacuum analyze');
    const tables: TableSize[] = [];
    for (const { table } of TABLES) {
      const { rows } = await client.query<{ rows: string; heap: string; table_bytes: string; indexes: string; total: string }>(
        `select (select count(*) from ${table}) as rows, pg_relation_size($1) as heap, pg_table_size($1) as table_bytes,
                pg_indexes_size($1) as indexes, pg_total_relation_size($1) as total`,
        [table],
      );
      const indexRows = await client.query<{ name: string; bytes: string }>(
        `select indexrelid::regclass::text as name, pg_relation_size(indexrelid) as bytes from pg_index where indrelid = $1::regclass order by 1`,
        [table],
      );
      const r = rows[0]!;
      tables.push({
        table,
        rows: Number(r.rows),
        heapBytes: Number(r.heap),
        indexBytes: Number(r.indexes),
        toastAndMapsBytes: Number(r.table_bytes) - Number(r.heap),
        totalBytes: Number(r.total),
        indexes: Object.fromEntries(indexRows.rows.map((i) => [i.name, Number(i.bytes)])),
      });
    }
    const { rows } = await client.query<{ bytes: string }>('select pg_database_size(current_database()) as bytes');
    return { tables, databaseBytes: Number(rows[0]!.bytes) };
  } finally {
    await client.end();
  }
}

async function ledgerCounts(url: string): Promise<{ writes: number; events: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ writes: string; events: string }>(
      'select (select count(*) from (select distinct user_id, consent_version from consent_event) w) as writes, (select count(*) from consent_event) as events',
    );
    return { writes: Number(rows[0]!.writes), events: Number(rows[0]!.events) };
  } finally {
    await client.end();
  }
}

async function measureSize(serverUrl: string, users: number, writes: number, tmp: string, keep: boolean): Promise<SizeResult> {
  const database = `consent_scale_storage_${users}`;
  const url = await recreateDatabase(serverUrl, database);
  if (url === null) throw new Error('bench:storage needs PostgreSQL (BENCH_POSTGRES_URL)');
  try {
    const dataset = generateUsers(users);
    const seed = await seedDatabase({ DATABASE_URL: url }, dataset);
    log(`${users} users seeded in ${seed.seconds.toFixed(1)} s: ${seed.events} ledger events`);
    const seeded = await snapshot(url);
    if (writes <= 0) return { users, seed, seeded, writes: null };

    const writers = (await writersFrom(dataset)).slice(0, writes);
    const server = await startProductionServer({ name: 'production', databaseUrl: url, logFile: path.join(tmp, `server-${users}.log`) });
    const generator = await LoadGenerator.start(null);
    try {
      const before = await ledgerCounts(url);
      // Bounded by count: autocannon waits for every response, so every write has committed when it returns.
      const load = await generator.run({
        kind: 'write',
        url: `http://127.0.0.1:${server.port}/graphql`,
        connections: 8,
        amount: writers.length,
        purpose: TOGGLED_PURPOSE,
        users: writers,
        idempotencyKeys: true,
      });
      const after = await ledgerCounts(url);
      log(
        `${load.acceptedChanges} of ${writers.length} writes accepted in ${load.seconds.toFixed(1)} s; ` +
          `ledger +${after.writes - before.writes} writes, +${after.events - before.events} events`,
      );
      return {
        users,
        seed,
        seeded,
        writes: {
          requested: writers.length,
          load,
          ledgerWrites: after.writes - before.writes,
          ledgerEvents: after.events - before.events,
          after: await snapshot(url),
        },
      };
    } finally {
      await generator.stop();
      await server.stop();
    }
  } finally {
    if (!keep) await dropDatabase(serverUrl, database);
  }
}

const kb = (bytes: number) => (bytes / 1024).toLocaleString('en-US', { maximumFractionDigits: 0 });
const per = (bytes: number, count: number) => (count > 0 ? (bytes / count).toFixed(1) : '–');
const labelOf = (table: TableName) => TABLES.find((t) => t.table === table)!.label;

function renderMarkdown(results: { generatedAt: string; machine: Record<string, unknown>; sizes: readonly SizeResult[] }): string {
  const m = results.machine;
  const lines = [
    `Run ${results.generatedAt} of commit ${m.commit}${m.dirty ? ' + uncommitted changes to src/' : ''}: PostgreSQL 15, ` +
      'sizes after VACUUM ANALYZE (`pg_relation_size` = heap, `pg_indexes_size`, TOAST and maps = `pg_table_size` − heap, ' +
      'total = `pg_total_relation_size`). The seeded rows are the bench data set (bench/dataset.ts); the writes are `updateConsent` ' +
      `toggling \`${TOGGLED_PURPOSE}\` with an idempotency key, each for a distinct user, through the production server.`,
    '',
  ];
  for (const size of results.sizes) {
    const users = size.users;
    lines.push(
      `**${users.toLocaleString('en-US')} users, seeded** (${size.seed.events.toLocaleString('en-US')} ledger events, ` +
        `${(size.seed.events / users).toFixed(2)} per user; database ${kb(size.seeded.databaseBytes)} KiB)`,
      '',
      '| table | rows | rows / user | heap KiB | indexes KiB | TOAST + maps KiB | total KiB | bytes / user | bytes / row |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const t of size.seeded.tables) {
      lines.push(
        `| ${labelOf(t.table)} | ${t.rows.toLocaleString('en-US')} | ${(t.rows / users).toFixed(2)} | ${kb(t.heapBytes)} | ${kb(t.indexBytes)} | ` +
          `${kb(t.toastAndMapsBytes)} | ${kb(t.totalBytes)} | ${per(t.totalBytes, users)} | ${per(t.totalBytes, t.rows)} |`,
      );
    }
    const sum = size.seeded.tables.reduce((s, t) => s + t.totalBytes, 0);
    lines.push(`| **all of the above** | | | | | | ${kb(sum)} | **${per(sum, users)}** | |`, '');

    if (size.writes) {
      const w = size.writes;
      lines.push(
        `**Then ${w.requested.toLocaleString('en-US')} writes** on the ${users.toLocaleString('en-US')}-user database: ` +
          `${w.load.acceptedChanges} accepted in ${w.load.seconds.toFixed(1)} s, ${w.ledgerWrites} ledger writes with ${w.ledgerEvents} events ` +
          `(${(w.ledgerEvents / Math.max(1, w.ledgerWrites)).toFixed(2)} per write). Growth after VACUUM ANALYZE:`,
        '',
        '| table | rows added | KiB added | bytes / write | bytes / row added | of which indexes, bytes / write |',
        '|---|---|---|---|---|---|',
      );
      for (const t of w.after.tables) {
        const before = size.seeded.tables.find((s) => s.table === t.table)!;
        const added = t.totalBytes - before.totalBytes;
        const rows = t.rows - before.rows;
        lines.push(
          `| ${labelOf(t.table)} | ${rows.toLocaleString('en-US')} | ${kb(added)} | ${per(added, w.ledgerWrites)} | ${rows > 0 ? per(added, rows) : '–'} | ` +
            `${per(t.indexBytes - before.indexBytes, w.ledgerWrites)} |`,
        );
      }
      lines.push('');
    }
  }
  if (results.sizes.length > 1) {
    const [small, large] = [results.sizes[0]!, results.sizes.at(-1)!];
    lines.push(
      `**Linearity**: bytes per user at ${large.users.toLocaleString('en-US')} users ÷ at ${small.users.toLocaleString('en-US')} users`,
      '',
      '| table | ratio |',
      '|---|---|',
    );
    for (const t of large.seeded.tables) {
      const s = small.seeded.tables.find((x) => x.table === t.table)!;
      if (t.rows === 0 || s.rows === 0) continue;
      lines.push(`| ${labelOf(t.table)} | ${(t.totalBytes / large.users / (s.totalBytes / small.users)).toFixed(3)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '10000,100000' },
      writes: { type: 'string', default: '3000' },
      keep: { type: 'boolean', default: false },
    },
  });
  const sizes = values.users.split(',').map(Number);
  const writes = Number(values.writes);
  const serverUrl = process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
  const tmp = mkdtempSync(path.join(tmpdir(), 'consent-storage-'));
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
  const started = Date.now();
  const measured: SizeResult[] = [];
  for (const users of sizes) measured.push(await measureSize(serverUrl, users, writes, tmp, values.keep));
  const results = {
    generatedAt: new Date().toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    machine: describeMachine(),
    settings: { users: sizes, writes, writeConnections: 8, idempotencyKeys: true },
    sizes: measured,
  };
  const markdown = renderMarkdown(results);
  writeResultFiles('storage', results, markdown);
  console.log(`\n${markdown}`);
  log('results in bench/results/storage.json and storage.md');
}

runMain(main);
