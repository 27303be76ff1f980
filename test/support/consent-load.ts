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
}

export interface WriteLoad {
  readonly acknowledged: Acknowledged[];
  /** How many attempts ended with each error code (NETWORK: no HTTP answer at all). */
  readonly failures: Map<string, number>;
  stop(): Promise<void>;
}

interface GraphQLBody {
  data?: Record<string, { userErrors?: unknown[]; consent?: unknown } | null> | null;
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

/** The n-th write of a user: accept the 2016 policy, then switch marketing from one business off and on. */
function write(n: number, key: string): string {
  if (n === 0) {
    return `mutation { w: acceptPrivacyPolicy(input: { version: "2016-08-25", idempotencyKey: "${key}" }) { consent { version } userErrors { code } } }`;
  }
  return `mutation { w: setBusinessMessagingPreference(input: { businessId: "acme-shoes", category: MARKETING, allowed: ${n % 2 === 0}, idempotencyKey: "${key}" }) { consent { version } userErrors { code } } }`;
}

export function startWriteLoad(url: () => string, secret: string, users: readonly string[]): WriteLoad {
  const acknowledged: Acknowledged[] = [];
  const failures = new Map<string, number>();
  const fail = (code: string) => failures.set(code, (failures.get(code) ?? 0) + 1);
  let running = true;

  const writer = async (userId: string) => {
    const token = await mintToken(secret, { sub: userId });
    for (let n = 0; running; ) {
      const key = `${userId}-${n}`;
      try {
        const body = await post(url(), write(n, key), token);
        const result = body.data?.w;
        if (result?.consent && result.userErrors?.length === 0 && !body.errors) {
          acknowledged.push({ userId, key });
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
  const writers = users.map(writer);
  return {
    acknowledged,
    failures,
    stop: async () => {
      running = false;
      await Promise.all(writers);
    },
  };
}
