import { createSecretKey } from 'node:crypto';
import { createRemoteJWKSet, errors, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type KeyObject } from 'jose';
import type { Config } from '../config.js';
import { RefusedRequest } from '../errors.js';
import type { Principal } from './principal.js';
import { userIdProblem } from './user-id.js';

const MAX_REMEMBERED_TOKENS = 10_000;
const MAX_REMEMBERED_MS = 60_000;

/**
 * A refused Authorization header: HTTP 401 with the RFC 6750 challenge, no
 * error code when the caller used another scheme, `invalid_token` when a
 * bearer token was sent and is not acceptable.
 */
const invalidToken = (reason: string) =>
  new RefusedRequest('UNAUTHENTICATED', `The bearer token was refused: ${reason}.`, 401, {
    'www-authenticate': `Bearer error="invalid_token", error_description="${reason}"`,
  });

const notBearer = () =>
  new RefusedRequest('UNAUTHENTICATED', 'The Authorization header must be "Bearer <token>".', 401, { 'www-authenticate': 'Bearer' });

/**
 * The identity provider could not be asked. Not the client's fault and its
 * token may well be valid: a 401 would make clients throw away good tokens
 * and send users back to sign in, so this is a retriable 503.
 */
const keysUnavailable = () =>
  new RefusedRequest('AUTHENTICATION_UNAVAILABLE', "The identity provider's signing keys could not be fetched; retry shortly.", 503, {
    'retry-after': '5',
  });

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

/** Why jose refused a token, in words a client can act on; null when the failure is the key source's. */
function refusalReason(error: unknown): string | null {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'it is not valid yet';
    if (error.claim === 'exp') return 'it has no exp claim, so it would never expire';
    if (error.claim === 'iss') return 'its issuer is not the expected one';
    if (error.claim === 'aud') return 'its audience is not this service';
    return `its ${error.claim} claim is invalid`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'its algorithm is not accepted';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'no signing key of the identity provider matches it';
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return null;
  // jose throws its base class only for a JWKS response it could not use (HTTP status, not JSON).
  if (error instanceof errors.JOSEError && error.constructor !== errors.JOSEError) return 'it is not a well-formed JWT';
  // Anything else came from fetching the JWKS (network, TLS, HTTP status).
  return null;
}

/** The lifetime rules jose does not know: a bounded lifetime, and a subject that is a user id. */
function claimProblem(payload: JWTPayload, nowSeconds: number, maxLifetimeSeconds: number): string | null {
  const exp = payload.exp as number;
  // An iat in the future must not stretch the allowance, so the lifetime counts from the earlier of iat and now.
  const from = Math.min(typeof payload.iat === 'number' ? payload.iat : nowSeconds, nowSeconds);
  if (exp - from > maxLifetimeSeconds) return `its lifetime exceeds ${maxLifetimeSeconds} seconds`;
  const subject = userIdProblem(payload.sub);
  if (subject !== null) return `its sub claim ${subject}`;
  if (payload.scope !== undefined && typeof payload.scope !== 'string') return 'its scope claim is not a string';
  return null;
}

/**
 * Turns an Authorization header into a principal: null when there is none,
 * a RefusedRequest when one is present but not valid (UNAUTHENTICATED, 401: a
 * bad token is never silently treated as anonymous) or cannot be checked
 * (AUTHENTICATION_UNAVAILABLE, 503).
 */
export async function createTokenVerifier(jwt: Config['jwt']): Promise<TokenVerifier> {
  const { key, algorithms } = await resolveKey(jwt);
  const options = {
    algorithms,
    // A token without exp would never expire.
    requiredClaims: ['exp'],
    ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
    ...(jwt.audience ? { audience: jwt.audience } : {}),
  };
  // Gateways and services send the same token on every request; a verified
  // token is remembered until it expires (bounded, oldest forgotten first).
  const verified = new Map<string, { principal: Principal; expiresAt: number }>();
  return async (authorization) => {
    if (authorization === undefined || authorization.trim() === '') return null;
    const match = /^Bearer +([A-Za-z0-9._~+/=-]+)$/i.exec(authorization.trim());
    if (!match) {
      if (/^Bearer\b/i.test(authorization.trim())) throw invalidToken('it is not a well-formed JWT');
      throw notBearer();
    }
    const token = match[1]!;
    const known = verified.get(token);
    if (known && known.expiresAt > Date.now()) return known.principal;
    let payload: JWTPayload;
    try {
      // jose's overloads differ by key kind; the union is safe at run time.
      ({ payload } = await jwtVerify(token, key as Uint8Array, options));
    } catch (error) {
      const reason = refusalReason(error);
      throw reason === null ? keysUnavailable() : invalidToken(reason);
    }
    const problem = claimProblem(payload, Math.floor(Date.now() / 1000), jwt.maxLifetimeSeconds);
    if (problem !== null) throw invalidToken(problem);
    const principal: Principal = {
      subject: payload.sub as string,
      scopes: new Set(((payload.scope as string | undefined) ?? '').split(' ').filter(Boolean)),
    };
    const expiresAt = Math.min((payload.exp as number) * 1000, Date.now() + MAX_REMEMBERED_MS);
    if (verified.size >= MAX_REMEMBERED_TOKENS) verified.delete(verified.keys().next().value!);
    verified.set(token, { principal, expiresAt });
    return principal;
  };
}
