/**
 * A fresh, empty database for one test file: a temporary SQLite file, or a
 * new PostgreSQL database on the server TEST_POSTGRES_URL names, dropped
 * afterwards. TEST_DATABASE (set per vitest project) chooses.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export type Dialect = 'sqlite' | 'postgresql';

export interface TestDatabase {
  readonly dialect: Dialect;
  /** Environment for parseConfig: DATABASE_URL or SQLITE_PATH. */
  readonly env: Record<string, string>;
  drop(): Promise<void>;
}

export function testDialect(): Dialect {
  return process.env.TEST_DATABASE === 'postgresql' ? 'postgresql' : 'sqlite';
}

export async function createTestDatabase(dialect: Dialect = testDialect()): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(path.join(tmpdir(), 'consent-test-'));
    return {
      dialect,
      env: { SQLITE_PATH: path.join(dir, 'consent.sqlite') },
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const serverUrl = process.env.TEST_POSTGRES_URL;
  if (!serverUrl) throw new Error('TEST_DATABASE=postgresql needs TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)');
  const name = `consent_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    dialect,
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
