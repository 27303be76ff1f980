/**
 * The gateway of the scale-out bench: Hive Gateway (the runtime the
 * federation tests use, test/fixtures/gateways.ts) on the bench supergraph,
 * forwarding the caller's Authorization header. Requests for the consent
 * subgraph go round robin to the instances the runner names over IPC
 * (`{ type: 'route', urls }`), as a client-side load balancer would: one
 * gateway serves 1, 2 or 4 instances without a restart.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { listenOnLoopback, reportToParent } from './child.js';

const CONSENT_URL = process.env.BENCH_CONSENT_URL;
const SUPERGRAPH = process.env.BENCH_SUPERGRAPH;
if (!CONSENT_URL || !SUPERGRAPH) throw new Error('BENCH_CONSENT_URL and BENCH_SUPERGRAPH are set by the bench runner');

let routes: string[] = [];
let next = 0;
// Reading each request's body costs the gateway time: only the probe asks for it.
let countRepresentations = false;
const sent = new Map<string, number>();
let representations = 0;

// The HTTP executor merges identical requests in flight into one by default: with the bench's
// repeated batches most requests would then never reach a subgraph. The ads graph's batches differ.
const undeduplicated = { options: { deduplicateInflightRequests: false } };

const gateway = createGatewayRuntime({
  supergraph: readFileSync(SUPERGRAPH, 'utf8'),
  transportEntries: { '*.http': undeduplicated },
  logging: false,
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') ?? undefined }),
  },
  plugins: () => [
    {
      onFetch: ({ url, setURL, options }) => {
        if (url !== CONSENT_URL || routes.length === 0) return;
        const target = routes[next++ % routes.length]!;
        setURL(target);
        sent.set(target, (sent.get(target) ?? 0) + 1);
        if (countRepresentations && typeof options.body === 'string') {
          const variables = (JSON.parse(options.body) as { variables?: { representations?: unknown[] } }).variables;
          representations += variables?.representations?.length ?? 0;
        }
      },
    },
  ],
});
const server = createServer(gateway);

process.on('message', (raw) => {
  const message = raw as { id?: number; type?: string; urls?: string[]; countRepresentations?: boolean };
  if (message.type !== 'route') return;
  routes = message.urls ?? [];
  countRepresentations = message.countRepresentations ?? false;
  next = 0;
  process.send?.({ id: message.id });
});

reportToParent(await listenOnLoopback(server), {
  // Requests sent to each consent instance, and the representations they carried, since the last reset.
  stats: () => ({ ...Object.fromEntries(sent), representations }),
  reset: () => {
    sent.clear();
    representations = 0;
  },
  stop: async () => {
    await gateway.dispose();
  },
});
