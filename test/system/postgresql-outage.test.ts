import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { mintToken } from '../../src/auth/token-signer.js';
import { parseConfig } from '../../src/config.js';
import { captureLogs, type LogLine } from '../support/log-capture.js';
import { post, startWriteLoad } from '../support/consent-load.js';
import { TEST_JWT_SECRET } from '../support/harness.js';
import { ledgerProblems } from '../support/ledger-check.js';
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres.js';

const ADS = 'dataSharingPurposes(purpose: "facebook.ads") { allowed reason }';
// Three users whose answers are fixed before the outage, by every read path: aliases and _entities.
const READ = `{
  withdrawn: dataSubject(id: "reader-withdrawn") { ${ADS} }
  byDefault: dataSubject(id: "reader-default") { ${ADS} }
  never: dataSubject(id: "reader-never") { ${ADS} }
  _entities(representations: [{ __typename: "User", id: "reader-withdrawn" }]) { ... on User { ${ADS} } }
}`;

describe('a PostgreSQL outage under load', () => {
  let cluster: PrivatePostgres;
  let app: App;
  let url: string;
  // Unexpected failures; an outage is logged as 'database unavailable' and is not one of them.
  let internalErrors: LogLine[] = [];

  beforeAll(async () => {
    cluster = await startPrivatePostgres();
    const admin = new pg.Client({ connectionString: cluster.url('postgres') });
    await admin.connect();
    await admin.query('create database consent');
    await admin.end();
    const config = parseConfig({
      DATABASE_URL: cluster.url('consent'),
      DATABASE_CONNECT_TIMEOUT_SECONDS: '2',
      JWT_SECRET: TEST_JWT_SECRET,
      POLICY_REFRESH_SECONDS: '0',
    });
    const { logger, lines } = captureLogs();
    internalErrors = lines;
    app = await createApp(config, { logger });
    url = await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await cluster?.destroy();
  });

  it('fails closed with DATABASE_UNAVAILABLE, is not ready, recovers without a restart and loses no acknowledged write', async () => {
    const ready = async () => (await fetch(new URL('/ready', url))).status;
    for (const [user, choices] of [
      ['reader-withdrawn', '[{ purpose: "facebook.ads", granted: false }]'],
      ['reader-default', '[]'],
    ] as const) {
      const token = await mintToken(TEST_JWT_SECRET, { sub: user });
      await post(
        url,
        `mutation { acceptPrivacyPolicy(input: { version: "2016-08-25", choices: ${choices} }) { userErrors { code } } }`,
        token,
      );
    }
    const reader = await mintToken(TEST_JWT_SECRET, { sub: 'ads-graph', scope: 'consent:read' });
    const truth = (await post(url, READ, reader)).data as Record<string, { dataSharingPurposes: { allowed: boolean }[] }>;
    expect(truth.withdrawn?.dataSharingPurposes).toEqual([{ allowed: false, reason: 'USER_WITHDRAWN' }]);
    expect(truth.never?.dataSharingPurposes).toEqual([{ allowed: false, reason: 'POLICY_NOT_ACCEPTED' }]);

    // Every answer is the truth or DATABASE_UNAVAILABLE with nothing in its place: never a default, never stale.
    const readFailures = new Map<string, number>();
    const wrongAnswers: unknown[] = [];
    let reading = true;
    const readLoop = async () => {
      while (reading) {
        const body = await post(url, READ, reader).catch(() => ({ errors: [{ extensions: { code: 'NETWORK' } }], data: null }));
        for (const error of body.errors ?? []) {
          const code = error.extensions?.code ?? 'NO_CODE';
          readFailures.set(code, (readFailures.get(code) ?? 0) + 1);
        }
        for (const [alias, value] of Object.entries(body.data ?? {})) {
          const expected = (truth as Record<string, unknown>)[alias];
          if (value !== null && JSON.stringify(value) !== JSON.stringify(expected)) wrongAnswers.push({ alias, value });
          if (value === null && !body.errors?.length) wrongAnswers.push({ alias, value });
        }
        await sleep(20);
      }
    };
    const readers = [readLoop(), readLoop()];
    const writes = startWriteLoad(
      () => url,
      TEST_JWT_SECRET,
      Array.from({ length: 6 }, (_, i) => `writer-${i}`),
    );

    try {
      await expect.poll(() => writes.acknowledged.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(12);
      await cluster.stop('immediate');
      await expect.poll(ready, { timeout: 15_000 }).toBe(503);
      await expect.poll(() => writes.failures.get('DATABASE_UNAVAILABLE') ?? 0, { timeout: 15_000 }).toBeGreaterThan(0);
      await expect.poll(() => readFailures.get('DATABASE_UNAVAILABLE') ?? 0, { timeout: 15_000 }).toBeGreaterThan(0);
      const acknowledgedDuringOutage = writes.acknowledged.length;
      await sleep(500);
      expect(writes.acknowledged.length).toBe(acknowledgedDuringOutage);

      await cluster.start();
      await expect.poll(ready, { timeout: 30_000, interval: 250 }).toBe(200);
      await expect.poll(() => writes.acknowledged.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(acknowledgedDuringOutage + 12);
    } finally {
      reading = false;
      await writes.stop();
      await Promise.all(readers);
    }

    expect(wrongAnswers).toEqual([]);
    expect(internalErrors.filter((l) => l.msg === 'internal error')).toEqual([]);
    expect([...writes.failures.keys()]).toEqual(['DATABASE_UNAVAILABLE']);
    expect([...readFailures.keys()]).toEqual(['DATABASE_UNAVAILABLE']);
    expect(await ledgerProblems(app.orm, writes.acknowledged)).toEqual([]);
    // The ledger was really exercised: every writer accepted, then changed a preference at least once.
    expect(new Set(writes.acknowledged.filter((a) => !a.key.endsWith('-0')).map((a) => a.userId)).size).toBe(6);
  });
});
