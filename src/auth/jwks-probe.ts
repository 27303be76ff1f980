/**
 * Fetches the JWKS once at start to say early when it cannot be used.
 *
 * An unreachable JWKS does not stop the service from starting: the identity
 * provider has its own availability, refusing to start would only turn its
 * outage into ours (and a crash loop), and every bearer token is refused
 * meanwhile, so nothing is ever allowed by mistake. The verifier fetches the
 * keys again on demand and heals by itself once the endpoint answers.
 */
export async function jwksProblem(url: string, timeoutMs = 5_000): Promise<string | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    if (!response.ok) return `JWKS_URL ${url} answered HTTP ${response.status}`;
    const body = (await response.json()) as { keys?: unknown };
    if (!Array.isArray(body.keys) || body.keys.length === 0) return `JWKS_URL ${url} holds no keys`;
    return null;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return `JWKS_URL ${url} is unreachable (${cause ?? (error as Error).message})`;
  }
}
