import { createSecretKey } from 'node:crypto';
import { createRemoteJWKSet, importSPKI, jwtVerify, type JWTVerifyGetKey, type KeyObject } from 'jose';
import type { Config } from '../config.js';
import { requestError } from '../errors.js';

const MAX_REMEMBERED_TOKENS = 10_000;
const MAX_REMEMBERED_MS = 60_000;

const unauthenticated = (message: string) => requestError('UNAUTHENTICATED', message);
import type { Principal } from './principal.js';

export type TokenVerifier = (authorization: string | undefined) => Promise<Principal | null>;

type Key = Uint8Array | KeyObject | JWTVerifyGetKey | Awaited<ReturnType<typeof importSPKI>>;

async function resolveKey(jwt: Config['jwt']): Promise<{ key: Key; algorithms: string[] }> {
  switch (jwt.key.kind) {
    case 'secret':
      // A KeyObject, not bytes: jose would otherwise import the key on every verification.
      return { key: createSecretKey(Buffer.from(jwt.key.secret, 'utf8')), algorithms: ['HS256'] };
    case 'publicKey':
      return { key: await importSPKI(jwt.key.pem, jwt.key.algorithm), algorithms: [jwt.key.algorithm] };
    case 'jwks':
      return { key: createRemoteJWKSet(new URL(jwt.key.url)), algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'] };
  }
}

/**
 * Turns an Authorization header into a principal: null when there is none,
 * an UNAUTHENTICATED error when one is present but not valid (a bad token is
 * never silently treated as anonymous).
 */
export async function createTokenVerifier(jwt: Config['jwt']): Promise<TokenVerifier> {
  const { key, algorithms } = await resolveKey(jwt);
  const options = {
    algorithms,
    ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
    ...(jwt.audience ? { audience: jwt.audience } : {}),
  };
  // Gateways and services send the same token on every request; a verified
  // token is remembered until it expires (bounded, oldest forgotten first).
  const verified = new Map<string, { principal: Principal; expiresAt: number }>();
  return async (authorization) => {
    if (authorization === undefined || authorization === '') return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>".');
    const token = match[1]!;
    const known = verified.get(token);
    if (known && known.expiresAt > Date.now()) return known.principal;
    let principal: Principal;
    let expiresAt: number;
    try {
      // jose's overloads differ by key kind; the union is safe at run time.
      const { payload } = await jwtVerify(token, key as Uint8Array, options);
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('no sub claim');
      const scope = typeof payload.scope === 'string' ? payload.scope : '';
      principal = { subject: payload.sub, scopes: new Set(scope.split(' ').filter(Boolean)) };
      expiresAt = Math.min((payload.exp ?? Number.POSITIVE_INFINITY) * 1000, Date.now() + MAX_REMEMBERED_MS);
    } catch {
      throw unauthenticated('The bearer token is invalid or expired.');
    }
    if (verified.size >= MAX_REMEMBERED_TOKENS) verified.delete(verified.keys().next().value!);
    verified.set(token, { principal, expiresAt });
    return principal;
  };
}
