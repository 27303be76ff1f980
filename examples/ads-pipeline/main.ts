/**
 * Runs the ads pipeline against a consent subgraph and a NATS server:
 *
 *   CONSENT_TOKEN=$(npm run --silent token -- --sub ads-pipeline --scope consent:read) npm run example:ads-pipeline
 *
 * Environment: CONSENT_URL (default http://127.0.0.1:4001/graphql),
 * CONSENT_TOKEN (a consent:read bearer token, required), NATS_URL (default
 * nats://127.0.0.1:4222; several comma-separated), NATS_STREAM (default CONSENT_CHANGES) and
 * NATS_SUBJECT_PREFIX (default consent.changes), named and defaulted as the subgraph's own settings
 * so one environment serves both, and CONSUMER (default ads-pipeline).
 */
import { AdsPipeline } from './pipeline.js';
import { ConsentSubgraph } from './consent-subgraph.js';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name]?.trim() || fallback;
  if (value === undefined) {
    console.error(`${name} is required (see the top of examples/ads-pipeline/main.ts)`);
    process.exit(1);
  }
  return value;
};

const pipeline = new AdsPipeline({
  subgraph: new ConsentSubgraph(env('CONSENT_URL', 'http://127.0.0.1:4001/graphql'), env('CONSENT_TOKEN')),
  natsServers: env('NATS_URL', 'nats://127.0.0.1:4222')
    .split(',')
    .map((s) => s.trim()),
  stream: env('NATS_STREAM', 'CONSENT_CHANGES'),
  filterSubject: `${env('NATS_SUBJECT_PREFIX', 'consent.changes')}.>`,
  consumer: env('CONSUMER', 'ads-pipeline'),
  log: (message) => console.log(message),
  onApplied: (change, outcome, source) => {
    if (outcome !== 'applied') return;
    const state = pipeline.audience.isOptedOut(change.userId) ? 'opted out of' : 'allows';
    console.log(`${change.userId} ${state} ads (change ${change.id} from the ${source}, consent version ${change.consentVersion})`);
  },
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    pipeline.stop().then(() => process.exit(0));
  });
}

await pipeline.start();
console.log('following the stream; Ctrl-C stops');
try {
  await pipeline.following;
} catch (error) {
  console.error('stopped: a change could not be applied; it stays unacknowledged and comes again on the next start', error);
  await pipeline.stop();
  process.exit(1);
}
