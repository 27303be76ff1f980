import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { ormOptions } from '../../src/db/orm.config.js';
import { startWriteLoad } from '../support/consent-load.js';
import { TEST_JWT_SECRET } from '../support/harness.js';
import { ledgerProblems } from '../support/ledger-check.js';
import { startServerProcess } from '../support/server-process.js';

describe('a hard kill during SQLite writes', () => {
  it('loses no acknowledged write and leaves the projection equal to the ledger', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'consent-kill-'));
    const env = { SQLITE_PATH: path.join(dir, 'consent.sqlite'), JWT_SECRET: TEST_JWT_SECRET };
    let server = startServerProcess(env);
    try {
      let url = await server.ready();
      const writes = startWriteLoad(
        () => url,
        TEST_JWT_SECRET,
        Array.from({ length: 4 }, (_, i) => `writer-${i}`),
      );
      try {
        await expect.poll(() => writes.acknowledged.length, { timeout: 60_000 }).toBeGreaterThanOrEqual(20);
        server.kill('SIGKILL');
        expect(await server.exited()).toBe('SIGKILL');
        // WAL: the latest acknowledged writes are in the -wal file alone until a checkpoint; the restart reads them from there.
        expect(existsSync(`${env.SQLITE_PATH}-wal`)).toBe(true);
        const acknowledgedBeforeKill = writes.acknowledged.length;

        server = startServerProcess(env);
        url = await server.ready();
        await expect.poll(() => writes.acknowledged.length, { timeout: 60_000 }).toBeGreaterThanOrEqual(acknowledgedBeforeKill + 8);
      } finally {
        await writes.stop();
      }
      server.kill('SIGTERM');
      expect(await server.exited()).toBe(0);
      // Writes in flight at the kill got no answer at all; nothing else went wrong.
      expect([...writes.failures.keys()]).toEqual(['NETWORK']);

      const orm = await MikroORM.init(ormOptions(parseConfig(env).database));
      try {
        expect(await ledgerProblems(orm, writes.acknowledged)).toEqual([]);
      } finally {
        await orm.close();
      }
    } finally {
      server.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
