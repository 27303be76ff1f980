import { createRemoteJWKSet, importSPKI, jwtVerify, type JWTVerifyGetKey, type KeyObject } from 'jose';
import type { Config } from '../config.js';
import { requestError } from '../errors.js';
import type { Principal } from './principal.js';

export type TokenVerifier = (authorization: string | undefined) => Promise<Principal | null>;

type Key = Uint8Array | KeyObject | JWTVerifyGetKey | Awaited<ReturnType<typeof importSPKI>>;

async function resolveKey(jwt: Config['jwt']): Promise<{ key: Key; algorithms: string[] }> {
  switch (jwt.key.kind) {
    case 'secret':
      return { key: new TextEncoder().encode(jwt.key.secret), algorithms: ['HS256'] };
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
  return async (authorization) => {
    if (authorization === undefined || authorization === '') return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw requestError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <token>".');
    try {
      // jose's overloads differ by key kind; the union is safe at run time.
      const { payload } = await jwtVerify(match[1]!, key as Uint8Array, options);
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('no sub claim');
      const scope = typeof payload.scope === 'string' ? payload.scope : '';
      return { subject: payload.sub, scopes: new Set(scope.split(' ').filter(Boolean)) };
    } catch {
      throw requestError('UNAUTHENTICATED', 'The bearer token is invalid or expired.');
    }
  };
}
