/**
 * PgBouncer for the scale-out bench and for the test of the service behind
 * it (test/integration/pgbouncer.test.ts): a child process on a free
 * loopback port with a generated configuration in a temporary folder, in
 * transaction pooling mode, in front of one database. The service does not
 * need it; the bench measures with it when the binary is installed
 * (`apt-get install pgbouncer`) and says so when it is not, and CI installs
 * it for the test.
 *
 * What transaction pooling breaks is checked here against the real thing
 * (checkTransactionPooling): a server connection is handed to another
 * client after every transaction, so anything that belongs to a session
 * (a session advisory lock, LISTEN) stays on a backend no client owns.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';

const BINARIES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];

export const pgbouncerBinary = (): string | null => BINARIES.find((b) => existsSync(b)) ?? null;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class PgBouncer {
  private constructor(
    private readonly child: ChildProcess,
    /** The pooled database's URL: same database name and user as the server's. */
    readonly url: string,
    readonly poolSize: number,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * Starts PgBouncer for `databaseUrl` (a database on a PostgreSQL server
   * that trusts its user), with at most `poolSize` server connections.
   */
  static async start(binary: string, databaseUrl: string, options: { dir: string; poolSize: number }): Promise<PgBouncer> {
    const target = new URL(databaseUrl);
    const database = target.pathname.slice(1);
    const user = decodeURIComponent(target.username) || 'postgres';
    const port = await freePort();
    const ini = path.join(options.dir, 'pgbouncer.ini');
    const users = path.join(options.dir, 'userlist.txt');
    writeFileSync(users, `"${user}" ""\n`);
    writeFileSync(
      ini,
      [
        '[databases]',
        `${database} = host=${target.hostname} port=${target.port || 5432} dbname=${database} user=${user}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${users}`,
        'pool_mode = transaction',
        `default_pool_size = ${options.poolSize}`,
        'max_client_conn = 1000',
        // node-postgres may send it; PgBouncer refuses startup parameters it does not know unless told to ignore them.
        'ignore_startup_parameters = extra_float_digits',
        'log_connections = 0',
        'log_disconnections = 0',
        '',
      ].join('\n'),
    );
    // PgBouncer refuses to run as root; -u makes it switch to the database's owner, who must read the files.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) for (const file of [options.dir, ini, users]) chmodSync(file, file === options.dir ? 0o755 : 0o644);
    const log = openSync(path.join(options.dir, 'pgbouncer.log'), 'a');
    const child = spawn(binary, [...(asRoot ? ['-u', 'postgres'] : []), ini], { stdio: ['ignore', log, log] });
    closeSync(log);
    process.on('exit', () => child.kill('SIGKILL'));
    target.hostname = '127.0.0.1';
    target.port = String(port);
    const bouncer = new PgBouncer(child, target.toString(), options.poolSize);
    const until = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`pgbouncer exited with code ${child.exitCode}; see ${options.dir}/pgbouncer.log`);
      const client = new pg.Client({ connectionString: bouncer.url, connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query('select 1');
        await client.end();
        return bouncer;
      } catch (error) {
        await client.end().catch(() => {});
        if (Date.now() > until) {
          child.kill('SIGKILL');
          throw new Error(`pgbouncer did not answer within 10 s: ${String(error)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

export interface TransactionPoolingCheck {
  /** pg_advisory_xact_lock (the writer's per-user lock, the publisher's lock) is released at commit. */
  readonly transactionLockReleasedAtCommit: boolean;
  /** A second client also "acquired" a session advisory lock that a first client holds: both would lead. */
  readonly sessionLockTakenTwice: boolean;
  /** The session lock outlived the client that took it (the relay's failover relies on its release). */
  readonly sessionLockOutlivedClient: boolean;
  /** Notifications a LISTEN through PgBouncer received, of `notificationsSent` sent directly to PostgreSQL, while other clients used the pool. */
  readonly notificationsReceived: number;
  /** Notifications that reached other clients of the pool instead. */
  readonly notificationsMisdelivered: number;
  readonly notificationsSent: number;
}

/**
 * What works through PgBouncer in transaction mode, on the real thing: the
 * connections are taken the way the service takes them (a pooled client, a
 * dedicated client for the relay's lock and for LISTEN).
 */
export async function checkTransactionPooling(pooledUrl: string, directUrl: string): Promise<TransactionPoolingCheck> {
  const clients: pg.Client[] = [];
  const open = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    clients.push(client);
    return client;
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const key = 727_274_001;
  try {
    const direct = await open(directUrl);
    const heldLocks = async (objid: number) =>
      Number(
        (await direct.query<{ n: string }>(`select count(*) as n from pg_locks where locktype = 'advisory' and objid = $1`, [objid]))
          .rows[0]!.n,
      );

    const writer = await open(pooledUrl);
    await writer.query('begin');
    await writer.query('select pg_advisory_xact_lock($1)', [key]);
    await writer.query('commit');
    const transactionLockReleasedAtCommit = (await heldLocks(key)) === 0;

    const first = await open(pooledUrl);
    const second = await open(pooledUrl);
    const took = async (client: pg.Client) =>
      (await client.query<{ held: boolean }>('select pg_try_advisory_lock($1) as held', [key + 1])).rows[0]!.held;
    await took(first);
    const sessionLockTakenTwice = await took(second);
    await first.end();
    clients.splice(clients.indexOf(first), 1);
    await sleep(200);
    const sessionLockOutlivedClient = (await heldLocks(key + 1)) > 0;

    // A service's listener is one client among many: others use the pool between notifications.
    const listener = await open(pooledUrl);
    const others = await Promise.all(Array.from({ length: 4 }, () => open(pooledUrl)));
    let notificationsReceived = 0;
    let notificationsMisdelivered = 0;
    listener.on('notification', () => notificationsReceived++);
    for (const other of others) other.on('notification', () => notificationsMisdelivered++);
    await listener.query('listen consent_bench_pooling_check');
    const notificationsSent = 10;
    for (let i = 0; i < notificationsSent; i++) {
      await Promise.all(others.map((other) => other.query('select pg_sleep(0.005)')));
      await direct.query(`select pg_notify('consent_bench_pooling_check', $1)`, [String(i)]);
      await Promise.all([listener.query('select 1'), ...others.map((other) => other.query('select 1'))]);
      await sleep(20);
    }
    // Session locks left on a pooled backend outlive this check otherwise.
    await direct.query(
      `select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and objid = $1 and pid <> pg_backend_pid()`,
      [key + 1],
    );
    return {
      transactionLockReleasedAtCommit,
      sessionLockTakenTwice,
      sessionLockOutlivedClient,
      notificationsReceived,
      notificationsMisdelivered,
      notificationsSent,
    };
  } finally {
    for (const client of clients) await client.end().catch(() => {});
  }
}
