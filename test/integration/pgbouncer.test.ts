/**
 * The service behind a real PgBouncer in transaction pooling mode (the
 * version Debian ships, 1.18, which does not keep prepared statements), as
 * an operator may deploy it: each transaction of a client may run on
 * another server connection, so a statement prepared by name on one is
 * unknown on the next.
 *
 * - With DATABASE_NAMED_STATEMENTS=false, reads and writes from many users
 *   at once are answered correctly.
 * - With the default (named), the read that lands on another server
 *   connection fails, and the log says what is wrong and what to set,
 *   instead of the driver's bare "prepared statement does not exist".
 *
 * PgBouncer reuses its idle server connections last-in first-out, so a
 * transaction held open by another client of the pool moves the service's
 * next query to the other server connection, every time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgBouncer, pgbouncerBinary } from '../../bench/pgbouncer.js';
import { AcceptPolicyDocument, MyConsentDocument, UpdateConsentDocument } from '../generated/graphql.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { captureLogs } from '../support/log-capture.js';

const V2016 = '2016-08-25';

// Runs in the PostgreSQL project only (vitest.config.ts).
describe('behind PgBouncer in transaction pooling mode', () => {
  let database: TestDatabase;
  let bouncer: PgBouncer;
  let dir: string;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    const binary = pgbouncerBinary();
    if (!binary) throw new Error('pgbouncer is not installed (apt-get install pgbouncer); .ci/run installs it');
    database = await createTestDatabase('postgresql');
    // Migrated directly, as an operator would run migrations.
    const migrating = await startTestServer({ database });
    await migrating.app.close();
    dir = await mkdtemp(path.join(tmpdir(), 'consent-pgbouncer-'));
    bouncer = await PgBouncer.start(binary, database.env.DATABASE_URL as string, { dir, poolSize: 2 });
  });
  afterAll(async () => {
    for (const server of servers) await server.app.close();
    await bouncer?.stop();
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const behindBouncer = async (env: Record<string, string>, logger?: ReturnType<typeof captureLogs>['logger']) => {
    const server = await startTestServer({
      database,
      // The relay's lock and the policy LISTEN hold sessions: they go to PostgreSQL itself.
      env: { DATABASE_URL: bouncer.url, DATABASE_SESSION_URL: database.env.DATABASE_URL as string, ...env },
      ...(logger && { logger }),
    });
    servers.push(server);
    return server;
  };

  /** Another client of the pool in an open transaction: it holds the server connection used last. */
  const holdLastServerConnection = async () => {
    const client = new pg.Client({ connectionString: bouncer.url });
    await client.connect();
    await client.query('begin');
    await client.query('select 1');
    return async () => {
      await client.query('commit');
      await client.end();
    };
  };

  it('answers reads and writes of many users at once with DATABASE_NAMED_STATEMENTS=false', async () => {
    const server = await behindBouncer({ DATABASE_NAMED_STATEMENTS: 'false', DATABASE_POOL_MAX: '4' });
    const users = await Promise.all(Array.from({ length: 8 }, async (_, i) => ({ token: await server.token(`pooled-${i}`) })));
    // At once: four client connections over two server connections.
    const accepted = await Promise.all(users.map((auth) => server.request(AcceptPolicyDocument, { input: { version: V2016 } }, auth)));
    for (const res of accepted) expect(res.data?.acceptPrivacyPolicy.userErrors).toEqual([]);
    const outcomes = [];
    for (const auth of users) {
      // Each change on the server connection the previous request did not use.
      const release = await holdLastServerConnection();
      try {
        await server.request(UpdateConsentDocument, { input: { choices: [{ purpose: 'facebook.ads', granted: false }] } }, auth);
      } finally {
        await release();
      }
      outcomes.push(await server.request(MyConsentDocument, {}, auth));
    }
    for (const res of outcomes) {
      expect(res.errors).toBeUndefined();
      expect(res.data?.dataSubject.consent.version).toBe(2);
      const ads = res.data?.dataSubject.dataSharingPurposes.find((d) => d.purpose.key === 'facebook.ads');
      expect(ads).toMatchObject({ allowed: false, reason: 'USER_WITHDRAWN' });
    }
  });

  it('with named statements, says in the log that the proxy lost them and what to set', async () => {
    const { logger, lines } = captureLogs();
    const server = await behindBouncer({ DATABASE_POOL_MAX: '1' }, logger);
    const auth = { token: await server.token('named-reader') };
    const first = await server.request(MyConsentDocument, {}, auth);
    expect(first.errors).toBeUndefined();

    const release = await holdLastServerConnection();
    try {
      const second = await server.request(MyConsentDocument, {}, auth);
      expect(second.data).toBeNull();
      expect(second.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await release();
    }
    const logged = lines.filter((l) => l.level === 'error').map((l) => JSON.stringify(l));
    expect(logged.some((l) => l.includes('lost the prepared statement') && l.includes('DATABASE_NAMED_STATEMENTS=false'))).toBe(true);
  });
});
