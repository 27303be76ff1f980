/**
 * `npm run bench:partitioning`: whether hash-partitioning the heads
 * (consent_subject) and choices (consent_choice) by user id costs anything
 * on one node, before a schema is laid out for billions of users.
 *
 *   npm run bench:partitioning                           100,000 users, 16 partitions, 3 repetitions
 *   npm run bench:partitioning -- --users 20000 --partitions 64 --reps 2 --seconds 5
 *
 * A scratch database `consent_scale_partitioning` is seeded with the bench
 * data set (bench/seed.ts); beside the migrated tables it gets partitioned
 * copies (`… partition by hash (user_id)`, the same columns, keys and rows).
 * pgbench then runs the service's own statements against each, interleaved:
 * the batched read of bench/run.ts's N = 1 and N = 100 (consent.repository.ts
 * loadConsents: heads, then choices, `user_id in (…)` with literal ids, as
 * the app sends them; and the same read joined to the id list, the shape a
 * partitioned table wants), and the write transaction of consent-writer.ts on
 * those two tables (the advisory lock with the subject insert, the row
 * lock, the choices read, the choice upsert, the version bump). It reports
 * transactions per second and PostgreSQL's CPU per transaction; the ratio
 * partitioned ÷ plain is taken within each repetition.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generateUsers, random, userId } from './dataset.js';
import { DEFAULT_POSTGRES_URL, describeMachine, dropDatabase, logger, recreateDatabase, runMain, writeResultFiles } from './harness.js';
import { DatabaseCpu } from './processes.js';
import { fmt, significant, spread, withRange } from './results-format.js';
import { seedDatabase } from './seed.js';

const DATABASE = 'consent_scale_partitioning';
const VARIANTS = ['plain', 'hashed'] as const;
type Variant = (typeof VARIANTS)[number];
const TABLES: Record<Variant, { subject: string; choice: string }> = {
  plain: { subject: 'consent_subject', choice: 'consent_choice' },
  hashed: { subject: 'consent_subject_hashed', choice: 'consent_choice_hashed' },
};
const WORKLOADS = [
  { key: 'read-1', label: 'read, N = 1 (2 statements)', clients: 8 },
  { key: 'read-100', label: 'read, N = 100 (2 statements)', clients: 4 },
  { key: 'read-100-join', label: 'read, N = 100, joined to the id list instead (2 statements)', clients: 4 },
  { key: 'write', label: 'write (one transaction, 6 statements)', clients: 8 },
] as const;
type WorkloadKey = (typeof WORKLOADS)[number]['key'];
/** Read batches per script set: pgbench picks one at random per transaction. */
const READ_BATCHES = 32;

const log = logger('partitioning');

const quote = (id: string) => `'${id}'`;
const idExpression = `'bench-user-' || lpad(:u::text, 6, '0')`;

/** The batched read as the app sends it: `user_id in (…)` with the ids. */
function readScript(variant: Variant, ids: readonly string[]): string {
  const { subject, choice } = TABLES[variant];
  const list = ids.map(quote).join(', ');
  return (
    `select user_id, version, policy_version, accepted_at from ${subject} where user_id in (${list});\n` +
    `select user_id, purpose_key, policy_version, granted, source, decided_at, carried_from, grant_not_carried_from from ${choice} where user_id in (${list});\n`
  );
}

/**
 * The same read as a join to the id list. On a partitioned table an IN list
 * is pruned to the partitions holding some id, but every one of them is
 * then searched for every id; a nested loop over the list prunes per id at
 * run time. At this size the planner would hash-join over sequential scans,
 * which it would not do at production size, so the run turns hash and merge
 * joins off (PGOPTIONS) to get the plan a large table gets.
 */
function joinReadScript(variant: Variant, ids: readonly string[]): string {
  const { subject, choice } = TABLES[variant];
  const list = `unnest(array[${ids.map(quote).join(', ')}]::varchar[]) as ids(user_id)`;
  return (
    `select s.user_id, s.version, s.policy_version, s.accepted_at from ${list} join ${subject} s on s.user_id = ids.user_id;\n` +
    `select c.user_id, c.purpose_key, c.policy_version, c.granted, c.source, c.decided_at, c.carried_from, c.grant_not_carried_from from ${list} join ${choice} c on c.user_id = ids.user_id;\n`
  );
}

function writeScript(variant: Variant): string {
  const { subject, choice } = TABLES[variant];
  return [
    '\\set u random(0, :users - 1)',
    'begin;',
    `with locked as (select pg_advisory_xact_lock(hashtextextended(${idExpression}, 0))) insert into ${subject} (user_id, version, policy_version, accepted_at, updated_at) select ${idExpression}, 0, null, null, now() from locked on conflict (user_id) do nothing;`,
    `select user_id, version, policy_version, accepted_at, updated_at from ${subject} where user_id = ${idExpression} for update;`,
    `select user_id, purpose_key, policy_version, granted, source, decided_at, carried_from, grant_not_carried_from from ${choice} where user_id = ${idExpression} order by purpose_key;`,
    `insert into ${choice} (user_id, purpose_key, policy_version, granted, source, decided_at) values (${idExpression}, 'business.marketing', '2016-08-25', false, 'USER', now()) on conflict (user_id, purpose_key) do update set granted = not ${choice}.granted, decided_at = excluded.decided_at;`,
    `update ${subject} set version = version + 1, updated_at = now() where user_id = ${idExpression};`,
    'commit;',
    '',
  ].join('\n');
}

async function createPartitionedCopies(url: string, partitions: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const variant of [TABLES.plain.subject, TABLES.plain.choice]) {
      const hashed = `${variant}_hashed`;
      // The primary keys include user_id, as a partitioned table's unique keys must.
      await client.query(`create table ${hashed} (like ${variant} including all) partition by hash (user_id)`);
      for (let i = 0; i < partitions; i++) {
        await client.query(`create table ${hashed}_${i} partition of ${hashed} for values with (modulus ${partitions}, remainder ${i})`);
      }
      await client.query(`insert into ${hashed} select * from ${variant}`);
    }
    await client.query('vacuum analyze');
  } finally {
    await client.end();
  }
}

interface Run {
  readonly workload: WorkloadKey;
  readonly variant: Variant;
  readonly rep: number;
  readonly tps: number;
  readonly transactions: number;
  /** PostgreSQL's CPU time per transaction, milliseconds. */
  readonly postgresMsPerTransaction: number;
}

function pgbench(args: readonly string[], options: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGOPTIONS: options } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`pgbench exited with ${code}:\n${out}`))));
  });
}

function renderMarkdown(results: {
  generatedAt: string;
  machine: Record<string, unknown>;
  settings: { users: number; partitions: number; reps: number; seconds: number };
  runs: readonly Run[];
}): string {
  const m = results.machine;
  const s = results.settings;
  const lines = [
    `Run ${results.generatedAt} of commit ${m.commit}: PostgreSQL 15 on ${m.cpuModel}, ${m.cores} cores (shared); ` +
      `${fmt(s.users)} users; consent_subject and consent_choice as migrated ("plain") and hash-partitioned by user_id into ` +
      `${s.partitions} partitions ("hashed"); pgbench -M extended, ${s.seconds} s per run, ${s.reps} interleaved repetitions. ` +
      "PG ms / tx is the CPU time of the scratch database's backends per transaction (other databases on the server left out). " +
      'Medians, range in brackets; the ratio is hashed ÷ plain within each repetition.',
    '',
    '| workload | clients | plain tx/s | hashed tx/s | tx/s hashed ÷ plain | plain PG ms / tx | hashed PG ms / tx | PG CPU hashed ÷ plain |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const w of WORKLOADS) {
    const of = (variant: Variant) => results.runs.filter((r) => r.workload === w.key && r.variant === variant);
    const ratio = (f: (r: Run) => number) =>
      spread(
        of('hashed').map((h) => {
          const p = of('plain').find((x) => x.rep === h.rep);
          return p ? f(h) / f(p) : Number.NaN;
        }),
      );
    const x = (v: number) => `${v.toFixed(2)}×`;
    lines.push(
      `| ${w.label} | ${w.clients} | ${withRange(spread(of('plain').map((r) => r.tps)))} | ${withRange(spread(of('hashed').map((r) => r.tps)))} | ` +
        `${withRange(
          ratio((r) => r.tps),
          x,
        )} | ${significant(spread(of('plain').map((r) => r.postgresMsPerTransaction)).median)} | ` +
        `${significant(spread(of('hashed').map((r) => r.postgresMsPerTransaction)).median)} | ${withRange(
          ratio((r) => r.postgresMsPerTransaction),
          x,
        )} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '100000' },
      partitions: { type: 'string', default: '16' },
      reps: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '8' },
      keep: { type: 'boolean', default: false },
    },
  });
  const users = Number(values.users);
  const partitions = Number(values.partitions);
  const reps = Number(values.reps);
  const seconds = Number(values.seconds);
  try {
    execFileSync('pgbench', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('bench:partitioning needs pgbench (it comes with PostgreSQL)');
  }
  const serverUrl = process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
  const url = await recreateDatabase(serverUrl, DATABASE);
  if (url === null) throw new Error('bench:partitioning needs PostgreSQL (BENCH_POSTGRES_URL)');
  const tmp = mkdtempSync(path.join(tmpdir(), 'consent-partitioning-'));
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
  try {
    const seed = await seedDatabase({ DATABASE_URL: url }, generateUsers(users));
    await createPartitionedCopies(url, partitions);
    log(`${users} users seeded (${seed.seconds.toFixed(1)} s), partitioned copies made (${partitions} partitions)`);

    // The same batches for both variants: only the tables differ.
    const next = random(0x9e3779b9);
    const batches = (size: number) =>
      Array.from({ length: READ_BATCHES }, () => Array.from({ length: size }, () => userId(Math.floor(next() * users))));
    const readBatches = { 'read-1': batches(1), 'read-100': batches(100) };
    const scripts = (workload: WorkloadKey, variant: Variant): string[] => {
      if (workload === 'write') {
        const file = path.join(tmp, `write-${variant}.sql`);
        writeFileSync(file, writeScript(variant));
        return ['-f', file];
      }
      const batchesOf = workload === 'read-1' ? readBatches['read-1'] : readBatches['read-100'];
      return batchesOf.flatMap((ids, i) => {
        const file = path.join(tmp, `${workload}-${variant}-${i}.sql`);
        writeFileSync(file, workload === 'read-100-join' ? joinReadScript(variant, ids) : readScript(variant, ids));
        return ['-f', file];
      });
    };
    const target = new URL(url);
    const connection = ['-h', target.hostname, '-p', target.port || '5432', '-U', decodeURIComponent(target.username) || 'postgres'];

    const runs: Run[] = [];
    for (let rep = 1; rep <= reps; rep++) {
      for (const w of WORKLOADS) {
        // Alternate which variant goes first, so neither always runs on a warmer cache.
        const order = rep % 2 === 1 ? VARIANTS : [...VARIANTS].reverse();
        for (const variant of order) {
          const args = [...connection, '-n', '-M', 'extended', '-c', String(w.clients), '-j', '2', '-T', String(seconds)];
          const databaseCpu = new DatabaseCpu(DATABASE);
          databaseCpu.start();
          const planner = w.key === 'read-100-join' ? '-c enable_hashjoin=off -c enable_mergejoin=off' : '';
          const output = await pgbench([...args, '-D', `users=${users}`, ...scripts(w.key, variant), DATABASE], planner);
          const cpu = databaseCpu.stop();
          const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1]);
          const transactions = Number(/number of transactions actually processed: (\d+)/.exec(output)?.[1]);
          runs.push({ workload: w.key, variant, rep, tps, transactions, postgresMsPerTransaction: (cpu / transactions) * 1000 });
          log(`rep ${rep} ${w.key} ${variant}: ${tps.toFixed(0)} tx/s, PostgreSQL ${((cpu / transactions) * 1000).toFixed(3)} ms CPU/tx`);
        }
      }
    }
    const results = {
      generatedAt: new Date().toISOString(),
      machine: describeMachine(),
      settings: { users, partitions, reps, seconds },
      seed,
      runs,
    };
    const markdown = renderMarkdown(results);
    writeResultFiles('partitioning', results, markdown);
    console.log(`\n${markdown}`);
    log('results in bench/results/partitioning.json and partitioning.md');
  } finally {
    if (!values.keep) await dropDatabase(serverUrl, DATABASE);
  }
}

runMain(main);
