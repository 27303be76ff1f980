/**
 * `npm run bench:policy-propagation`: how long after a publication on one
 * instance another instance sharing the PostgreSQL database knows the
 * version (LISTEN/NOTIFY; the periodic refresh is switched off so it cannot
 * help). Two instances of the app in this process, on a scratch database
 * `consent_bench_propagation` dropped and recreated on each run.
 *
 *   npm run bench:policy-propagation                 50 publications
 *   npm run bench:policy-propagation -- --count 200
 *
 * Each sample is from sending `publishPrivacyPolicy` to instance A until
 * instance B's catalog holds the version, so it includes A's validation,
 * the insert and commit, the notification, and B's load of the version.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.js';
import { mintToken } from '../src/auth/token-signer.js';
import { parseConfig } from '../src/config.js';
import { createLogger } from '../src/observability/logger.js';
import { WHATSAPP_2016 } from '../src/policies/bundled.js';
import { DEFAULT_POSTGRES_URL, JWT_SECRET, recreateDatabase } from './harness.js';

const DATABASE = 'consent_bench_propagation';

const { values } = parseArgs({ options: { count: { type: 'string', default: '50' } } });
const count = Number(values.count);
const databaseUrl = await recreateDatabase(process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL, DATABASE);
if (databaseUrl === null) process.exit(1);

const config = parseConfig({
  DATABASE_URL: databaseUrl,
  JWT_SECRET,
  NODE_ENV: 'production',
  POLICY_REFRESH_SECONDS: '0',
});
const a = await createApp(config, { logger: createLogger('silent') });
const b = await createApp({ ...config, migrateOnStart: false }, { logger: createLogger('silent') });
const url = await a.listen(0, '127.0.0.1');
const token = await mintToken(JWT_SECRET, { sub: 'bench', scope: 'consent:admin' });

const PUBLISH = `mutation ($input: PublishPrivacyPolicyInput!) { publishPrivacyPolicy(input: $input) { userErrors { code message } } }`;
const samples: number[] = [];
const answered: number[] = [];
try {
  for (let i = 0; i < count; i++) {
    const version = `bench-${i}`;
    const known = b.catalog.whenKnown(version);
    const started = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: PUBLISH,
        variables: {
          input: {
            version,
            effectiveAt: new Date(Date.now() + 86_400_000 + i * 60_000).toISOString(),
            purposes: WHATSAPP_2016.purposes,
            prohibitions: WHATSAPP_2016.prohibitions,
          },
        },
      }),
    });
    const body = (await response.json()) as { data?: { publishPrivacyPolicy: { userErrors: unknown[] } } };
    if (body.data?.publishPrivacyPolicy.userErrors.length !== 0) throw new Error(`publish refused: ${JSON.stringify(body)}`);
    answered.push(performance.now() - started);
    await known;
    samples.push(performance.now() - started);
  }
} finally {
  await b.close();
  await a.close();
}

const summary = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN).toFixed(1);
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`;
};
console.log(`${samples.length} publications`);
console.log(`publish on A answered:  ${summary(answered)}`);
console.log(`known on B:             ${summary(samples)}`);
