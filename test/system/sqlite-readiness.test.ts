import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/token-signer.js';
import { TEST_JWT_SECRET } from '../support/harness.js';
import { startServerProcess } from '../support/server-process.js';

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

describe('readiness on SQLite', () => {
  it('turns 503 while the data folder cannot be written, refuses writes with DATABASE_UNAVAILABLE, and recovers', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'consent-readiness-'));
    const folder = path.join(dir, 'data');
    await chmod(dir, 0o755);
    await mkdir(folder);
    if (root) await chown(folder, NOBODY, NOBODY);
    const server = startServerProcess(
      { SQLITE_PATH: path.join(folder, 'consent.sqlite'), JWT_SECRET: TEST_JWT_SECRET },
      root ? { uid: NOBODY, gid: NOBODY } : {},
    );
    try {
      const url = await server.ready();
      const token = await mintToken(TEST_JWT_SECRET, { sub: 'reader-writer' });
      const accept = 'mutation { acceptPrivacyPolicy(input: { version: "2016-08-25" }) { consent { version } userErrors { code } } }';
      const read = '{ dataSubject { dataSharingPurposes(purpose: "facebook.ads") { allowed reason } } }';
      expect(await ready(url)).toBe(200);

      await chmod(folder, 0o555);
      expect(await ready(url)).toBe(503);
      const refused = await post(url, accept, token);
      expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['DATABASE_UNAVAILABLE']);
      expect(await post(url, read, token)).toEqual({
        data: { dataSubject: { dataSharingPurposes: [{ allowed: false, reason: 'POLICY_NOT_ACCEPTED' }] } },
      });

      await chmod(folder, 0o755);
      expect(await ready(url)).toBe(200);
      expect((await post(url, accept, token)).data).toEqual({ acceptPrivacyPolicy: { consent: { version: 1 }, userErrors: [] } });
    } finally {
      server.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
