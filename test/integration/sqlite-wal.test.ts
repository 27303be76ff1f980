import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'libsql';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness.js';

/** What the test asks of a raw libsql connection, as the pool lends it. */
interface RawConnection {
  prepare(sql: string): { get(): Record<string, unknown> };
}

// Runs in the SQLite project only (vitest.config.ts).
describe('the SQLite database', () => {
  let server: TestServer;
  let file: string;

  beforeAll(async () => {
    server = await startTestServer();
    file = server.database.env.SQLITE_PATH!;
  });
  afterAll(() => server?.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  const settings = (connection: RawConnection) => ({
    journalMode: connection.prepare('pragma journal_mode').get().journal_mode,
    synchronous: connection.prepare('pragma synchronous').get().synchronous,
  });
  /** The connection the pool lends the prepared reads (src/db/prepared-reads.ts), returned at once. */
  const lent = async () => {
    const client = (server.app.orm.em.getConnection() as AbstractSqlConnection).getKnex().client;
    const connection = (await client.acquireConnection()) as RawConnection;
    await client.releaseConnection(connection);
    return connection;
  };

  it('runs in WAL journal mode with synchronous = FULL on the read and write paths, and on connections the pool opens later', async () => {
    const wal = { journal_mode: 'wal' };
    const full = { synchronous: 2 };
    for (const type of ['read', 'write'] as const) {
      const connection = server.app.orm.em.getConnection(type);
      expect(await connection.execute('pragma journal_mode')).toEqual([wal]);
      expect(await connection.execute('pragma synchronous')).toEqual([full]);
    }
    const first = await lent();
    expect(settings(first)).toEqual({ journalMode: 'wal', synchronous: 2 });
    expect(existsSync(`${file}-wal`) && existsSync(`${file}-shm`)).toBe(true);

    // The libsql dialect retires a connection older than 10 s when it is next lent: the new one is set up the same.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 11_000 });
    const replacement = await lent();
    expect(replacement).not.toBe(first);
    expect(settings(replacement)).toEqual({ journalMode: 'wal', synchronous: 2 });
  });

  it('shows an acknowledged write to a separate connection on the same file', async () => {
    const accept = 'mutation { acceptPrivacyPolicy(input: { version: "2016-08-25" }) { consent { version } } }';
    const res = await server.request(accept, undefined, { token: await server.token('wal-reader') });
    expect(res.data).toEqual({ acceptPrivacyPolicy: { consent: { version: 1 } } });

    // The app's connection stays open: the change is in the -wal file, not yet checkpointed into the database file.
    const other = new Database(file);
    try {
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
      expect(other.prepare('select version, policy_version from consent_subject where user_id = ?').raw().get('wal-reader')).toEqual([
        1,
        '2016-08-25',
      ]);
      expect(other.prepare('select count(*) from consent_event where user_id = ?').raw().get('wal-reader')).toEqual([1]);
    } finally {
      other.close();
    }
  });
});

describe('the SQLite database after a clean stop', () => {
  it('holds every acknowledged change in the database file itself, so a copy of that file alone is complete', async () => {
    const server = await startTestServer();
    const file = server.database.env.SQLITE_PATH!;
    const dir = await mkdtemp(path.join(tmpdir(), 'consent-copy-'));
    try {
      const accept = 'mutation { acceptPrivacyPolicy(input: { version: "2016-08-25" }) { consent { version } } }';
      expect((await server.request(accept, undefined, { token: await server.token('stopped') })).data).toEqual({
        acceptPrivacyPolicy: { consent: { version: 1 } },
      });
      await server.app.close();

      // What an operator's backup of the database file alone would hold: no -wal file beside the copy.
      const copy = path.join(dir, 'consent.sqlite');
      await copyFile(file, copy);
      const restored = new Database(copy);
      try {
        expect(restored.prepare('select version, policy_version from consent_subject where user_id = ?').raw().get('stopped')).toEqual([
          1,
          '2016-08-25',
        ]);
        expect(restored.prepare('select count(*) from consent_event where user_id = ?').raw().get('stopped')).toEqual([1]);
      } finally {
        restored.close();
      }
      expect(existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0).toBe(0);
    } finally {
      await server.database.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
