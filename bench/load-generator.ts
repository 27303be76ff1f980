/**
 * The load generator: a child process (pinned to its own core by the runner)
 * that runs autocannon programmatically on the runner's command and sends
 * back a summary. Latencies are taken from autocannon's per-response event
 * (sub-millisecond), not its integer-millisecond histogram.
 *
 * Fixed-rate runs pace each connection evenly. autocannon's own `overallRate`
 * releases every connection's quota at the top of each second, so at "half
 * load" all connections still burst together and p50 is the saturated
 * latency; pacing fixes the arrival pattern while autocannon still drives
 * the connections and times each response.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

export interface LoadRequest {
  readonly method: 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** One server, or several sharing the connections round robin (autocannon's own spreading). */
export type Target = string | readonly string[];

const urls = (target: Target): string | string[] => (typeof target === 'string' ? target : [...target]);
const firstUrl = (target: Target): string => (typeof target === 'string' ? target : target[0]!);

export interface ReadSpec {
  readonly kind: 'read';
  readonly url: Target;
  readonly connections: number;
  readonly seconds: number;
  readonly requests: readonly LoadRequest[];
  /** Offered requests per second across all connections; absent: as fast as the server answers. */
  readonly rate?: number;
  /** `autocannon`: autocannon's own per-second `overallRate`; `paced` (default): evenly spaced per connection. */
  readonly rateMode?: 'paced' | 'autocannon';
}

export interface WriteUser {
  readonly id: string;
  readonly token: string;
  /** The current effective value of the purpose being toggled. */
  readonly granted: boolean;
  /** The user's current `Consent.version`: a change must raise it by exactly one. */
  readonly version: number;
}

export interface WriteSpec {
  readonly kind: 'write';
  readonly url: Target;
  readonly connections: number;
  /** A time bound; with `amount` instead, every request sent gets its response before the run ends. */
  readonly seconds?: number;
  readonly amount?: number;
  readonly purpose: string;
  readonly users: readonly WriteUser[];
  /** Send an idempotency key with each write (the server then keeps one record per write for its retention period). */
  readonly idempotencyKeys?: boolean;
}

export interface LoadResult {
  readonly seconds: number;
  readonly responses: number;
  /**
   * Steady-state rate: completions after the first round (one per connection)
   * over the time they took, so the ramp-up of a short run, when the first
   * responses have not come back yet, does not count as slowness.
   */
  readonly requestsPerSecond: number;
  /** Responses over the whole run, ramp-up included. */
  readonly rawRequestsPerSecond: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly bytesPerResponse: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  /** The generator's own CPU use over the run, in cores: near 1.0 means the generator, not the server, was the limit. */
  readonly generatorCpu: number;
  /** Write runs: responses with no error that changed something (the user's consent.version rose). */
  readonly acceptedChanges?: number;
  readonly refusedOrUnchanged?: number;
  readonly graphqlErrors?: number;
  /** Write runs: the writers' state afterwards, for the next run on the same database. */
  readonly users?: WriteUser[];
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface PacedClient {
  rate: number;
  destroyed: boolean;
  _doRequest: () => void;
}

/** Replaces autocannon's per-second quota with even spacing; connections start staggered. */
function pacing(connections: number): (client: unknown) => void {
  let index = 0;
  const start = performance.now() + 20;
  return (raw) => {
    const client = raw as PacedClient;
    if (!client.rate) return;
    const interval = 1000 / client.rate;
    let due = start + (index++ / connections) * interval;
    client.rate = 0;
    const send = client._doRequest.bind(client);
    client._doRequest = () => {
      const wait = due - performance.now();
      due += interval;
      if (wait <= 0) send();
      else
        setTimeout(() => {
          if (!client.destroyed) send();
        }, wait);
    };
  };
}

type ResponseListener = (client: unknown, status: number, bytes: number, ms: number) => void;

/** Completions after the first `skip` over the time between the skip-th and the last one. */
function steadyRate(completions: readonly number[], skip: number, fallback: number): number {
  const first = Math.min(skip, Math.floor(completions.length / 3));
  if (completions.length - first < 10) return fallback;
  return (completions.length - first - 1) / ((completions.at(-1)! - completions[first]!) / 1000);
}

async function runAutocannon(options: autocannon.Options, extra: { onResponse?: ResponseListener } = {}): Promise<LoadResult> {
  const latencies: number[] = [];
  const completions: number[] = [];
  let bytes = 0;
  const cpu = process.cpuUsage();
  const began = performance.now();
  const instance = autocannon({ ...options, sampleInt: 100 });
  instance.on('response', (client: unknown, status: number, resBytes: number, ms: number) => {
    latencies.push(ms);
    completions.push(performance.now());
    bytes += resBytes;
    extra.onResponse?.(client, status, resBytes, ms);
  });
  const result = await instance;
  const seconds = (performance.now() - began) / 1000;
  const used = process.cpuUsage(cpu);
  const sorted = Float64Array.from(latencies).sort();
  const raw = latencies.length / seconds;
  return {
    seconds,
    responses: latencies.length,
    requestsPerSecond: steadyRate(completions, options.connections ?? 1, raw),
    rawRequestsPerSecond: raw,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    bytesPerResponse: latencies.length > 0 ? bytes / latencies.length : 0,
    latencyMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: percentile(sorted, 100) },
    generatorCpu: (used.user + used.system) / 1e6 / seconds,
  };
}

function runRead(spec: ReadSpec): Promise<LoadResult> {
  const paced = spec.rate !== undefined && spec.rateMode !== 'autocannon';
  return runAutocannon({
    url: urls(spec.url),
    connections: spec.connections,
    duration: spec.seconds,
    requests: spec.requests.map((r) => ({ ...r })),
    ...(spec.rate !== undefined ? { overallRate: Math.max(1, Math.round(spec.rate)) } : {}),
    ...(paced ? { setupClient: pacing(Math.min(spec.connections, Math.max(1, Math.round(spec.rate!)))) } : {}),
  });
}

interface WriteContext {
  userIndex?: number;
}

/**
 * Each request toggles one purpose for the next user not already in flight,
 * with that user's own token; responses are checked for a rising version.
 */
async function runWrite(spec: WriteSpec): Promise<LoadResult> {
  const state = spec.users.map((u) => ({ id: u.id, token: u.token, granted: u.granted, version: u.version }));
  const inFlight = new Set<number>();
  let cursor = 0;
  let accepted = 0;
  let unchanged = 0;
  let graphqlErrors = 0;
  const mutation =
    'mutation Toggle($input: UpdateConsentInput!) { updateConsent(input: $input) { consent { version } userErrors { code message } } }';
  // A user's next version names the request: unique per user, as a client's retry key must be.
  const keyOf = (user: (typeof state)[number]) => `bench-${user.id}-v${user.version + 1}`;

  const result = await runAutocannon({
    url: urls(spec.url),
    connections: spec.connections,
    ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.seconds }),
    requests: [
      {
        method: 'POST',
        setupRequest: (request: autocannon.Request, context: WriteContext) => {
          while (inFlight.has(cursor % state.length)) cursor++;
          const index = cursor++ % state.length;
          const user = state[index]!;
          inFlight.add(index);
          context.userIndex = index;
          return {
            ...request,
            path: new URL(firstUrl(spec.url)).pathname,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
            body: JSON.stringify({
              query: mutation,
              variables: { input: { choices: [{ purpose: spec.purpose, granted: !user.granted }], idempotencyKey: keyOf(user) } },
            }),
          };
        },
        onResponse: (status: number, body: string, context: WriteContext) => {
          const index = context.userIndex!;
          inFlight.delete(index);
          const user = state[index]!;
          try {
            const parsed = JSON.parse(body) as {
              data?: { updateConsent?: { consent: { version: number } | null; userErrors: unknown[] } };
              errors?: unknown[];
            };
            const payload = parsed.data?.updateConsent;
            if (status !== 200 || parsed.errors?.length || !payload?.consent) {
              graphqlErrors++;
              return;
            }
            if (payload.userErrors.length === 0 && payload.consent.version === user.version + 1) {
              accepted++;
              user.granted = !user.granted;
            } else unchanged++;
            user.version = payload.consent.version;
          } catch {
            graphqlErrors++;
          }
        },
      } as autocannon.Request,
    ],
  });
  return { ...result, acceptedChanges: accepted, refusedOrUnchanged: unchanged, graphqlErrors, users: state };
}

type Command = { readonly id: number; readonly type?: 'stop'; readonly spec: ReadSpec | WriteSpec };

process.on('disconnect', () => process.exit(0));
process.on('message', (raw) => {
  const { id, type, spec } = raw as Command;
  if (type === 'stop') process.exit(0);
  (spec.kind === 'write' ? runWrite(spec) : runRead(spec)).then(
    (result) => process.send?.({ id, result }),
    (error: unknown) => process.send?.({ id, error: String(error instanceof Error ? error.stack : error) }),
  );
});
process.send?.({ type: 'ready' });
