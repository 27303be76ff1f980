import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'libsql';
import { describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/token-signer.js';
import { TEST_JWT_SECRET } from '../support/harness.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

// Root writes anywhere: the server runs as another user so that permissions mean something.
const root = process.getuid?.() === 0;
const NOBODY = 65534;

const post = async (url: string, query: string, token?: string) => {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query }) });
  return (await response.json()) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
};
const ready = async (url: string) => (await fetch(new URL('/ready', url))).status;
const accept = 'mutation { acceptPrivacyPolicy(input: { version: "2016-08-25" }) { consent { version } userErrors { code } } }';
const accepted = { data: { acceptPrivacyPolicy: { consent: { version: 1 }, userErrors: [] } } };
const read = '{ dataSubject { dataSharingPurposes(purpose: "facebook.ads") { allowed reason } } }';
const notAccepted = { data: { dataSubject: { dataSharingPurposes: [{ allowed: false, reason: 'POLICY_NOT_ACCEPTED' }] } } };

const startAsNobody = (file: string) =>
  startServerProcess({ SQLITE_PATH: file, JWT_SECRET: TEST_JWT_SECRET }, root ? { uid: NOBODY, gid: NOBODY } : {});

/** The server on a data folder of its own that its user owns; removes both afterwards. */
async function withServer(test: (started: { url: string; folder: string; file: string; server: ServerProcess }) => Promise<void>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'consent-readiness-'));
  const folder = path.join(dir, 'data');
  const file = path.join(folder, 'consent.sqlite');
  await chmod(dir, 0o755);
  await mkdir(folder);
  if (root) await chown(folder, NOBODY, NOBODY);
  const server = startAsNobody(file);
  try {
    await test({ url: await server.ready(), folder, file, server });
  } finally {
    server.kill('SIGKILL');
    await server.exited();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('readiness on SQLite', () => {
  it('turns 503 while the data folder cannot be written, keeps every acknowledged write, and recovers', async () => {
    await withServer(async ({ url, folder, file, server }) => {
      const token = await mintToken(TEST_JWT_SECRET, { sub: 'reader-writer' });
      expect(await ready(url)).toBe(200);

      await chmod(folder, 0o555);
      expect(await ready(url)).toBe(503);
      expect(await post(url, read, token)).toEqual(notAccepted);
      // In WAL mode a commit appends to the -wal file the server holds open, so the write goes through
      // (the rollback journal was a new file beside the database each time); only opening the
      // database needs the folder, and 503 says so before a restart finds out.
      expect(await post(url, accept, token)).toEqual(accepted);

      await chmod(folder, 0o755);
      expect(await ready(url)).toBe(200);
      // Acknowledged means kept: killed and started again, the server still has it.
      server.kill('SIGKILL');
      await server.exited();
      const restarted = startAsNobody(file);
      try {
        const again = await restarted.ready();
        expect(await post(again, '{ dataSubject { consent { version } } }', token)).toEqual({
          data: { dataSubject: { consent: { version: 1 } } },
        });
      } finally {
        restarted.kill('SIGKILL');
        await restarted.exited();
      }
    });
  });

  it('turns 503 and refuses writes with DATABASE_UNAVAILABLE while another process holds the write lock, keeps answering reads, and writes again once it is released', async () => {
    await withServer(async ({ url, file }) => {
      const token = await mintToken(TEST_JWT_SECRET, { sub: 'reader-writer' });
      expect(await ready(url)).toBe(200);

      const other = new Database(file);
      try {
        other.exec('begin immediate');
        expect(await ready(url)).toBe(503);
        const refused = await post(url, accept, token);
        expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['DATABASE_UNAVAILABLE']);
        expect(await post(url, read, token)).toEqual(notAccepted);
        other.exec('rollback');
      } finally {
        other.close();
      }
      // Once the lock is released the next write goes through: the refused one left nothing behind on the connection.
      expect(await post(url, accept, token)).toEqual(accepted);
      expect(await ready(url)).toBe(200);
    });
  });
});
