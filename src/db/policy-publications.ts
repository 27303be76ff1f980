/**
 * How instances sharing one PostgreSQL database hear of each other's policy
 * publications: the publishing transaction NOTIFYs the version, which
 * PostgreSQL delivers on commit (and never for a rollback), and every
 * instance LISTENs on one dedicated connection. SQLite is one process by
 * design (an embedded file), so there is nothing to announce there.
 *
 * A notification is a hint, not a guarantee: one sent while a listener is
 * reconnecting is lost. The listener therefore asks for a full catch-up
 * after every (re)connect, and the catalog's periodic refresh stays on as
 * the fallback.
 */
import type { EntityManager } from '@mikro-orm/knex';
import { PostgreSqlPlatform } from '@mikro-orm/postgresql';
import pg from 'pg';

export const POLICY_PUBLISHED_CHANNEL = 'consent_policy_published';

/** Queues the announcement in the caller's transaction; PostgreSQL sends it on commit. */
export async function announcePolicyPublished(tx: EntityManager, version: string): Promise<void> {
  if (!(tx.getPlatform() instanceof PostgreSqlPlatform)) return;
  await tx.execute('select pg_notify(?, ?)', [POLICY_PUBLISHED_CHANNEL, version]);
}

export interface PolicyPublicationListenerOptions {
  /** The database URL of the configuration (the same server and database as the ORM's pool). */
  readonly url: string;
  /** How long to wait for the server to answer a connection (DATABASE_CONNECT_TIMEOUT_SECONDS). */
  readonly connectTimeoutMs: number;
  readonly onPublished: (version: string) => void;
  /** After every successful LISTEN, the first included: catch up on what may have been missed. */
  readonly onListening: () => void;
  readonly log: (message: string, error?: unknown) => void;
  /** Reconnect delays: doubling from `initialMs` up to `maxMs`. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

const DEFAULT_BACKOFF = { initialMs: 250, maxMs: 30_000 };

export class PolicyPublicationListener {
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: PolicyPublicationListenerOptions) {}

  /** Resolves after the first attempt, successful or not; a failed one is retried in the background. */
  start(): Promise<void> {
    return this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: 'consent-subgraph:policy-listener',
      // An idle connection silently cut by the network would otherwise go unnoticed for hours.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // Start-up waits for the first attempt: a server that never answers must not hold it.
      connectionTimeoutMillis: this.options.connectTimeoutMs,
    });
    client.on('notification', (message) => {
      if (message.channel === POLICY_PUBLISHED_CHANNEL && message.payload) this.options.onPublished(message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    this.client = client;
    try {
      await client.connect();
      await client.query(`listen ${POLICY_PUBLISHED_CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.stopped || this.client !== client) return;
    if (this.failures > 0) this.options.log(`policy notifications: listening again after ${this.failures} failed attempt(s)`);
    this.failures = 0;
    this.options.onListening();
  }

  /** Called by every way a connection can fail; only the first report for the current connection counts. */
  private lost(client: pg.Client, error: unknown): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('notification');
    client.end().catch(() => {});
    const { initialMs, maxMs } = this.options.backoff ?? DEFAULT_BACKOFF;
    const delay = Math.min(maxMs, initialMs * 2 ** this.failures);
    this.failures += 1;
    this.options.log(
      `policy notifications: connection lost; reconnecting in ${delay} ms (attempt ${this.failures}); the periodic refresh covers the gap`,
      error,
    );
    this.retry = setTimeout(() => void this.connect(), delay);
    this.retry.unref();
  }
}
