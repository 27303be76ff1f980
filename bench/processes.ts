/**
 * Child processes of a bench run: started pinned to a core with taskset,
 * spoken to over IPC, measured through /proc, and always ended, also when
 * the run fails or is interrupted.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../src/project-root.js';

const live = new Set<ChildProcess>();

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the bench servers`);
    killAll();
    process.exit(130);
  });
}

/** Whether pinning works here: taskset exists and there are at least two cores. */
export const canPin: boolean = (() => {
  if (cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
})();

/**
 * The Node flags production ships with (package.json's config.nodeFlags, which `npm start` and the
 * Dockerfile pass). Every bench child runs with them, floors included, so ratios compare code, not flags.
 */
export const shippedNodeFlags: readonly string[] = (() => {
  const manifest = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { config?: { nodeFlags?: string } };
  return (manifest.config?.nodeFlags ?? '').split(/\s+/).filter(Boolean);
})();

export interface ChildOptions {
  readonly name: string;
  readonly script: string;
  /** The core to pin the child to; null: let the scheduler place it (the scale-out bench runs more processes than cores). */
  readonly core: number | null;
  readonly env: Record<string, string>;
  readonly nodeArgs?: readonly string[];
  /** How long start-up may take (migrations, schema build). */
  readonly startTimeoutMs?: number;
  /** A file for the child's stdout (a server's JSON log lines), instead of the run's own output. */
  readonly stdoutFile?: string;
}

export class BenchChild {
  private nextId = 1;
  private readonly pending = new Map<number, (message: Record<string, unknown>) => void>();
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly process: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
    process.on('message', (raw) => {
      const message = raw as Record<string, unknown>;
      const id = message.id as number | undefined;
      if (id === undefined) return;
      this.pending.get(id)?.(message);
      this.pending.delete(id);
    });
  }

  get pid(): number {
    return this.process.pid!;
  }

  static start(options: ChildOptions): Promise<BenchChild> {
    const nodeArgs = [...shippedNodeFlags, ...(options.nodeArgs ?? []), options.script];
    const [command, args] =
      canPin && options.core !== null
        ? ['taskset', ['-c', String(options.core), process.execPath, ...nodeArgs]]
        : [process.execPath, nodeArgs];
    const stdout = options.stdoutFile ? openSync(options.stdoutFile, 'a') : 'inherit';
    const child = spawn(command as string, args as string[], {
      env: options.env,
      stdio: ['ignore', stdout, 'inherit', 'ipc'],
    });
    if (typeof stdout === 'number') closeSync(stdout);
    live.add(child);
    child.once('exit', () => live.delete(child));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${options.name} did not start within ${options.startTimeoutMs ?? 60_000} ms`));
      }, options.startTimeoutMs ?? 60_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${options.name} exited with code ${code} before it was ready`));
      });
      child.on('message', function onReady(raw) {
        const message = raw as { type?: string; port?: number };
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        child.off('message', onReady);
        child.removeAllListeners('exit');
        child.once('exit', () => live.delete(child));
        resolve(new BenchChild(options.name, child, message.port ?? 0));
      });
    });
  }

  /** Sends a command and resolves with the reply carrying the same id. */
  request<T extends Record<string, unknown>>(message: Record<string, unknown>, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${String(message.type ?? message.kind ?? 'command')} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply as T);
      });
      this.process.send({ ...message, id });
    });
  }

  /** Asks the child to exit by itself (so --cpu-prof writes its profile); kills it if it does not. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.send({ id: this.nextId++, type: 'stop' });
    const timer = setTimeout(() => this.process.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Peak resident set size (VmHWM) of a process, in bytes. */
export function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0), so the next peak is this measurement's; false if refused. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used, in seconds. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU time used by all processes with this command name (e.g. PostgreSQL),
 * in seconds: the live ones' own time plus what their parents reaped from
 * children that already exited (a backend whose connection closed takes its
 * CPU time with it, into the postmaster's cutime/cstime).
 */
export function cpuSecondsOf(command: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== command) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

/** User + system CPU seconds of a process from /proc/<pid>/stat; null once it is gone. */
function processCpu(pid: number | string): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * CPU time of the PostgreSQL backends serving one database, recognised by
 * their process title (`postgres: <cluster>: <user> <database> …`): other
 * databases on the same server (other benchmarks, other applications) and
 * the shared background processes are left out.
 *
 * A backend takes its CPU time with it when its connection closes (a pool
 * dropping an idle connection, pgbench finishing), so a sum read before
 * and after a run can even fall. `start()` therefore notes every backend's
 * time, a poll keeps the last value seen of each, and `stop()` adds up what
 * each backend used since the start, those that ended included (up to
 * their last poll).
 */
export class DatabaseCpu {
  private readonly title: RegExp;
  private readonly serves = new Map<string, boolean>();
  private baseline = new Map<string, number>();
  private latest = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(database: string) {
    this.title = new RegExp(`^postgres: .*: \\S+ ${database.replace(/[^\w]/g, '\\$&')} `);
  }

  /** Every backend of the database now, with its CPU seconds. */
  private sample(): Map<string, number> {
    const seen = new Map<string, number>();
    const present = new Set<string>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      present.add(entry);
      let serves = this.serves.get(entry);
      if (serves === undefined) {
        try {
          serves = this.title.test(readFileSync(`/proc/${entry}/cmdline`, 'utf8'));
        } catch {
          continue;
        }
        this.serves.set(entry, serves);
      }
      if (!serves) continue;
      const cpu = processCpu(entry);
      if (cpu !== null) seen.set(entry, cpu);
    }
    // A pid that is gone may be reused by anything: look at its title again then.
    for (const pid of this.serves.keys()) if (!present.has(pid)) this.serves.delete(pid);
    return seen;
  }

  /** CPU seconds the database's backends have now (an instant reading, for idle checks). */
  now(): number {
    let total = 0;
    for (const cpu of this.sample().values()) total += cpu;
    return total;
  }

  start(pollMs = 250): void {
    this.baseline = this.sample();
    this.latest = new Map(this.baseline);
    this.timer = setInterval(() => {
      for (const [pid, cpu] of this.sample()) this.latest.set(pid, cpu);
    }, pollMs);
  }

  /** CPU seconds the database's backends used since start(). */
  stop(): number {
    clearInterval(this.timer);
    for (const [pid, cpu] of this.sample()) this.latest.set(pid, cpu);
    let total = 0;
    for (const [pid, cpu] of this.latest) total += cpu - (this.baseline.get(pid) ?? 0);
    return total;
  }
}

/** Busy CPU time of the whole machine (all cores, everything but idle and iowait), in seconds. */
export function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/**
 * Waits until the CPU time `busy` reports (seconds, growing) rises by at
 * most `threshold` over 100 ms, for at most 20 s; false if it never did.
 * A run that ends closes its connections, but servers still finish what
 * they started, and that work must not land in the next measurement.
 */
export async function waitUntilIdle(busy: () => number, threshold = 0.01): Promise<boolean> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const before = busy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (busy() - before <= threshold) return true;
  }
  return false;
}
