/**
 * Steady consent writes against a running server, as a careful client makes
 * them: every write carries an idempotency key and is retried with the same
 * key until it is acknowledged. Records which writes were acknowledged and
 * every failure code seen, for the fault tests to hold against the ledger.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { mintToken } from '../../src/auth/token-signer.js';

export interface Acknowledged {
  readonly userId: string;
  readonly key: string;
  /** The consent version the write produced (on a replay, the first request's). */
  readonly version: number;
}

export interface WriteLoad {
  readonly acknowledged: Acknowledged[];
  /** How many attempts ended with each error code (NETWORK: no HTTP answer at all). */
  readonly failures: Map<string, number>;
  /** Resolves once every writer has made its `writesPerUser` writes, or has stopped. */
  readonly finished: Promise<void>;
  stop(): Promise<void>;
}

interface GraphQLBody {
  data?: Record<string, { userErrors?: unknown[]; consent?: unknown; consentVersion?: number | null } | null> | null;
  errors?: { extensions?: { code?: string } }[];
}

export async function post(url: string, query: string, token: string, headers: Record<string, string> = {}): Promise<GraphQLBody> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(20_000),
  });
  return (await response.json()) as GraphQLBody;
}

const PAYLOAD = '{ consent { version } consentVersion userErrors { code } }';

/**
 * The n-th write of a user: accept the 2016 policy, then switch marketing
 * from one business off and on. Every one changes something, so a user's
 * n-th write (from 0) produces consent version n + 1.
 */
function write(n: number, key: string): string {
  if (n === 0) {
    return `mutation { w: acceptPrivacyPolicy(input: { version: "2016-08-25", idempotencyKey: "${key}" }) ${PAYLOAD} }`;
  }
  return `mutation { w: setBusinessMessagingPreference(input: { businessId: "acme-shoes", category: MARKETING, allowed: ${n % 2 === 0}, idempotencyKey: "${key}" }) ${PAYLOAD} }`;
}

/** Without `writesPerUser`, each writer goes on until stop(). */
export function startWriteLoad(
  url: () => string,
  secret: string,
  users: readonly string[],
  { writesPerUser = Number.POSITIVE_INFINITY }: { writesPerUser?: number } = {},
): WriteLoad {
  const acknowledged: Acknowledged[] = [];
  const failures = new Map<string, number>();
  const fail = (code: string) => failures.set(code, (failures.get(code) ?? 0) + 1);
  let running = true;

  const writer = async (userId: string) => {
    const token = await mintToken(secret, { sub: userId });
    for (let n = 0; running && n < writesPerUser; ) {
      const key = `${userId}-${n}`;
      try {
        const body = await post(url(), write(n, key), token);
        const result = body.data?.w;
        if (result?.consent && typeof result.consentVersion === 'number' && result.userErrors?.length === 0 && !body.errors) {
          acknowledged.push({ userId, key, version: result.consentVersion });
          n++;
          continue;
        }
        for (const error of body.errors ?? [{}]) fail(error.extensions?.code ?? 'NO_CODE');
      } catch {
        fail('NETWORK');
      }
      await sleep(50);
    }
  };
  const writers = Promise.all(users.map(writer)).then(() => {});
  return {
    acknowledged,
    failures,
    finished: writers,
    stop: async () => {
      running = false;
      await writers;
    },
  };
}
