/**
 * The production server as shipped: `createApp` from the built src/, its
 * configuration parsed from the environment the runner sets (NODE_ENV
 * production, a real JWT secret, the bench database). With BENCH_COUNT_SQL=1
 * it passes `onQuery` and reports the statement count over IPC; the runner
 * uses such an instance only for counting, because `onQuery` turns on
 * MikroORM's query logging, which the shipped server does not pay for.
 * BENCH_WITHOUT_REQUEST_LIMITS=1 leaves the request limits out, to measure them.
 */
import 'reflect-metadata';
import { createApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { reportToParent } from './child.js';

const counting = process.env.BENCH_COUNT_SQL === '1';
let statements = 0;
let dataStatements = 0;
// MikroORM's logger may colour the SQL; strip the escapes before looking at the verb.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const onQuery = (message: string) => {
  statements += 1;
  if (/\b(select|insert|update|delete)\b/i.test(message.replace(ANSI, ''))) dataStatements += 1;
};

const app = await createApp(parseConfig(process.env), {
  ...(counting ? { onQuery } : {}),
  withoutRequestLimits: process.env.BENCH_WITHOUT_REQUEST_LIMITS === '1',
});
const url = new URL(await app.listen(0, '127.0.0.1'));

reportToParent(Number(url.port), {
  stats: () => ({ statements, dataStatements }),
  reset: () => {
    statements = 0;
    dataStatements = 0;
  },
  stop: () => app.close(),
});
