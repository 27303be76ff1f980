/**
 * What every bench runner shares: the bench's JWT secret, a log line with
 * the time, the machine and commit a result was measured on, a scratch
 * PostgreSQL database recreated per run, the priming write, and writing a
 * result as JSON plus markdown, formatted as the project's formatter would.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import pg from 'pg';
import { mintToken } from '../src/auth/token-signer.js';
import type { DatabaseConfig } from '../src/config.js';
import { ormOptions } from '../src/db/orm.config.js';
import { projectRoot } from '../src/project-root.js';
import type { BenchUser } from './dataset.js';
import type { LoadResult, ReadSpec, WriteSpec, WriteUser } from './load-generator.js';
import { BenchChild, canPin, shippedNodeFlags } from './processes.js';

export const JWT_SECRET = 'consent-bench-secret-0123456789abcdef-not-for-production';
export const resultsDir = path.join(projectRoot, 'bench', 'results');
export const distBench = path.join(projectRoot, 'dist', 'bench');
export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export const logger =
  (name: string) =>
  (message: string): void =>
    console.log(`[${name} ${new Date().toISOString().slice(11, 19)}] ${message}`);

export function describeMachine(): Record<string, string | number | boolean> {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  return {
    cpuModel: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown',
    cpuMHz: Number(/cpu MHz\s*:\s*([\d.]+)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.speed ?? 0),
    cores: cpus().length,
    node: process.versions.node,
    nodeFlags: shippedNodeFlags.join(' '),
    kernel: release(),
    pinned: canPin,
    commit: git(['rev-parse', '--short', 'HEAD']),
    // Only the code the servers run counts: the bench's own files may well be uncommitted.
    dirty: git(['status', '--porcelain', '--', 'src', 'migrations', 'package.json']) !== '',
    sourceDiff: createHash('sha256')
      .update(git(['diff', 'HEAD', '--', 'src', 'migrations', 'package.json']))
      .digest('hex')
      .slice(0, 12),
  };
}

/** The URL of `database` on the server `serverUrl` names. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Drops and recreates `database` on the PostgreSQL server at `serverUrl`
 * and returns its URL; null when no PostgreSQL answers.
 */
export async function recreateDatabase(serverUrl: string, database: string): Promise<string | null> {
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    console.warn(`PostgreSQL at ${serverUrl} does not answer (${String(error)}).`);
    return null;
  }
  try {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }
  return databaseUrl(serverUrl, database);
}

export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${database} with (force)`);
  } finally {
    await admin.end();
  }
}

/**
 * One committed write, as every production server has soon after it
 * starts. MikroORM's transactional() and flush run inside an
 * AsyncLocalStorage, and on Node 20 the first one switches on async-hooks
 * promise tracking for the rest of the process: it costs reads 12-20%, and
 * a server that never wrote would be measured faster than any real one.
 * The writer is a user outside the data set, so no answer changes.
 */
export async function primeWithOneWrite(url: string, name: string): Promise<void> {
  const token = await mintToken(JWT_SECRET, { sub: 'bench-primer' });
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query:
        'mutation Prime { setBusinessMessagingPreference(input: { businessId: "bench-primer", blocked: true }) { userErrors { code } } }',
    }),
  });
  const body = (await response.json()) as { errors?: unknown[]; data?: { setBusinessMessagingPreference?: { userErrors: unknown[] } } };
  if (body.errors || body.data?.setBusinessMessagingPreference?.userErrors.length !== 0) {
    throw new Error(`${name}: the priming write failed: ${JSON.stringify(body)}`);
  }
}

/** Writes bench/results/<name>.json and .md; bench/ is linted, so they are left as the formatter would. */
export function writeResultFiles(name: string, results: unknown, markdown: string): string[] {
  mkdirSync(resultsDir, { recursive: true });
  const files = [path.join(resultsDir, `${name}.json`), path.join(resultsDir, `${name}.md`)];
  writeFileSync(files[0]!, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(files[1]!, `${markdown}\n`);
  try {
    execFileSync(path.join(projectRoot, 'node_modules', '.bin', 'biome'), ['format', '--write', ...files], { stdio: 'ignore' });
  } catch {
    console.warn('biome is not available: results written unformatted');
  }
  return files;
}

/** The autocannon child (load-generator.ts): one run at a time, on its own core when `core` is given. */
export class LoadGenerator {
  private constructor(private readonly child: BenchChild) {}

  static async start(core: number | null): Promise<LoadGenerator> {
    const child = await BenchChild.start({
      name: 'autocannon',
      script: path.join(distBench, 'load-generator.js'),
      core,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
    });
    return new LoadGenerator(child);
  }

  get pid(): number {
    return this.child.pid;
  }

  async run(spec: ReadSpec | WriteSpec): Promise<LoadResult> {
    const reply = await this.child.request<{ result?: LoadResult; error?: string }>({ spec }, 300_000);
    if (reply.error || !reply.result) throw new Error(`load generator: ${reply.error}`);
    return reply.result;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

/** What the write runs toggle: users who never chose it have it granted by default, so each toggle is a change. */
export const TOGGLED_PURPOSE = 'business.marketing';

/** Writers for the write runs: users who never chose TOGGLED_PURPOSE, each with their own token. */
export function writersFrom(users: readonly BenchUser[]): Promise<WriteUser[]> {
  const candidates = users.filter((u) => !u.choices.some((c) => c.purposeKey === TOGGLED_PURPOSE));
  return Promise.all(
    candidates.map(async (u) => ({ id: u.id, token: await mintToken(JWT_SECRET, { sub: u.id }), granted: true, version: u.version })),
  );
}

/**
 * Writes recorded in the ledger: one per (user, consent version), whatever
 * its number of events (a global marketing withdrawal also clears each
 * per-business marketing grant, one event each).
 */
export async function countLedgerWrites(database: DatabaseConfig): Promise<number> {
  const orm = await MikroORM.init(ormOptions(database));
  try {
    const [row] = (await orm.em
      .fork()
      .getConnection()
      .execute('select count(*) as n from (select distinct user_id, consent_version from consent_event) writes')) as { n: unknown }[];
    return Number(row?.n);
  } finally {
    await orm.close();
  }
}

/**
 * The production server as shipped (servers/production.ts) on `databaseUrl`,
 * NODE_ENV=production with the bench's secret, logging to `logFile` as a
 * collector would tail it; migrations are left to whoever seeded the database.
 */
export function startProductionServer(options: {
  readonly name: string;
  readonly databaseUrl: string;
  readonly logFile: string;
  readonly core?: number | null;
  readonly env?: Record<string, string>;
}): Promise<BenchChild> {
  return BenchChild.start({
    name: options.name,
    script: path.join(distBench, 'servers', 'production.js'),
    core: options.core ?? null,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'production',
      JWT_SECRET,
      DATABASE_URL: options.databaseUrl,
      MIGRATE_ON_START: 'false',
      ...options.env,
    },
    stdoutFile: options.logFile,
  });
}

/** Runs a bench's main function and exits with its outcome (children end with the process, see processes.ts). */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
