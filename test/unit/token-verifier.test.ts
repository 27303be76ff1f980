import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/token-signer.js';
import { createTokenVerifier } from '../../src/auth/token-verifier.js';
import { RefusedRequest } from '../../src/errors.js';

const SECRET = 'a-secret-long-enough-for-hs256-signing';
const DAY = 86_400;
const secretConfig = { key: { kind: 'secret' as const, secret: SECRET }, issuer: null, audience: null, maxLifetimeSeconds: DAY };

interface Outcome {
  readonly code: string;
  readonly status?: number;
  readonly challenge?: string;
  readonly message?: string;
}

const outcomeOf = async (promise: Promise<unknown>): Promise<Outcome> => {
  try {
    await promise;
    return { code: 'accepted' };
  } catch (error) {
    if (!(error instanceof RefusedRequest)) throw error;
    return { code: error.code, status: error.status, challenge: error.headers['www-authenticate'], message: error.message };
  }
};

const hs256 = (claims: Record<string, unknown>, secret = SECRET, header: Record<string, unknown> = { alg: 'HS256' }) =>
  new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(new TextEncoder().encode(secret));

const now = () => Math.floor(Date.now() / 1000);
const unsigned = (header: object, payload: object) =>
  `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.`;

describe('verifying bearer tokens', () => {
  it('reads the subject and the space-separated scopes', async () => {
    const verify = await createTokenVerifier(secretConfig);
    const principal = await verify(`Bearer ${await mintToken(SECRET, { sub: 'ads-graph', scope: 'consent:read other' })}`);
    expect(principal).toEqual({ subject: 'ads-graph', scopes: new Set(['consent:read', 'other']) });
  });

  it('treats a request without an Authorization header (or an empty one) as anonymous', async () => {
    const verify = await createTokenVerifier(secretConfig);
    expect(await verify(undefined)).toBeNull();
    expect(await verify('')).toBeNull();
  });

  it('refuses every kind of bad bearer token with UNAUTHENTICATED, HTTP 401 and an invalid_token challenge', async () => {
    const verify = await createTokenVerifier(secretConfig);
    const valid = await mintToken(SECRET, { sub: 'alice' });
    const [header, payload] = valid.split('.');
    const rsa = await generateKeyPair('RS256');
    const cases: Record<string, string> = {
      expired: await mintToken(SECRET, { sub: 'alice', expiresIn: '-1m' }),
      'signed with another secret': await mintToken('another-secret-entirely-of-some-length', { sub: 'alice' }),
      'alg none': unsigned({ alg: 'none', typ: 'JWT' }, { sub: 'alice', exp: now() + 60, scope: 'consent:admin' }),
      'signed with RS256 where HS256 is expected': await new SignJWT({ sub: 'alice' })
        .setProtectedHeader({ alg: 'RS256' })
        .setExpirationTime('5m')
        .sign(rsa.privateKey),
      'HS512 instead of HS256': await hs256({ sub: 'alice', exp: now() + 60 }, SECRET, { alg: 'HS512' }),
      'not valid yet': await hs256({ sub: 'alice', nbf: now() + 3600, exp: now() + 7200 }),
      'without exp': await hs256({ sub: 'alice', iat: now() }),
      'living longer than the maximum': await hs256({ sub: 'alice', iat: now(), exp: now() + DAY + 60 }),
      'issued in the future to stretch its lifetime': await hs256({ sub: 'alice', iat: now() + 10 * DAY, exp: now() + 10 * DAY + 60 }),
      'without a subject': await hs256({ exp: now() + 60, scope: 'consent:admin' }),
      'with a NUL in its subject': await hs256({ sub: 'ali\u0000ce', exp: now() + 60 }),
      'with a newline in its subject': await hs256({ sub: 'alice\nadmin', exp: now() + 60 }),
      'with an over-long subject': await hs256({ sub: 'a'.repeat(256), exp: now() + 60 }),
      'with a numeric subject': await hs256({ sub: 42, exp: now() + 60 }),
      'with a non-string scope': await hs256({ sub: 'alice', exp: now() + 60, scope: ['consent:admin'] }),
      'with a tampered payload': `${header}.${base64url.encode(JSON.stringify({ sub: 'bob', exp: now() + 60 }))}.${valid.split('.')[2]}`,
      'with a truncated signature': valid.slice(0, -4),
      'with bad base64 in its header': `%%%.${payload}.${valid.split('.')[2]}`,
      'of two parts': `${header}.${payload}`,
      'that is not a JWT at all': 'not-a-jwt',
    };
    for (const [name, token] of Object.entries(cases)) {
      const outcome = await outcomeOf(verify(`Bearer ${token}`));
      expect({ name, ...outcome, message: undefined }).toEqual({
        name,
        code: 'UNAUTHENTICATED',
        status: 401,
        challenge: expect.stringMatching(/^Bearer error="invalid_token", error_description="[^"\\]+"$/),
        message: undefined,
      });
    }
  });

  it('says why a token was refused', async () => {
    const verify = await createTokenVerifier(secretConfig);
    const reason = async (token: string) => (await outcomeOf(verify(`Bearer ${token}`))).message;
    expect(await reason(await mintToken(SECRET, { sub: 'alice', expiresIn: '-1m' }))).toMatch(/expired/);
    expect(await reason(await hs256({ sub: 'alice' }))).toMatch(/no exp claim/);
    expect(await reason(await hs256({ sub: 'alice', exp: now() + 2 * DAY }))).toMatch(/lifetime exceeds 86400 seconds/);
    expect(await reason(await hs256({ sub: 'a\u0000', exp: now() + 60 }))).toMatch(/sub claim must not contain control characters/);
  });

  it('answers a header of another scheme, or a Bearer with a malformed token, with 401', async () => {
    const verify = await createTokenVerifier(secretConfig);
    expect(await outcomeOf(verify('Basic YWxpY2U6c2VjcmV0'))).toMatchObject({ code: 'UNAUTHENTICATED', status: 401, challenge: 'Bearer' });
    for (const header of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer x.y\u0000.z', 'Bearer x.y.z']) {
      expect(await outcomeOf(verify(header))).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    }
  });

  it('accepts a lifetime up to the configured maximum, counted from iat, or from now without iat', async () => {
    const verify = await createTokenVerifier({ ...secretConfig, maxLifetimeSeconds: 3600 });
    expect((await verify(`Bearer ${await hs256({ sub: 'alice', iat: now() - 1800, exp: now() + 1800 })}`))?.subject).toBe('alice');
    expect((await verify(`Bearer ${await hs256({ sub: 'bob', exp: now() + 3500 })}`))?.subject).toBe('bob');
    expect((await outcomeOf(verify(`Bearer ${await hs256({ sub: 'carol', exp: now() + 3700 })}`))).code).toBe('UNAUTHENTICATED');
    expect((await outcomeOf(verify(`Bearer ${await hs256({ sub: 'dave', iat: now() - 3000, exp: now() + 1000 })}`))).code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('remembers a verified token only until it expires', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z'), toFake: ['Date'] });
    try {
      const verify = await createTokenVerifier(secretConfig);
      const header = `Bearer ${await mintToken(SECRET, { sub: 'alice', expiresIn: '30s' })}`;
      expect((await verify(header))?.subject).toBe('alice');
      vi.setSystemTime(new Date('2030-01-01T00:00:20Z'));
      expect((await verify(header))?.subject).toBe('alice');
      vi.setSystemTime(new Date('2030-01-01T00:00:31Z'));
      expect((await outcomeOf(verify(header))).code).toBe('UNAUTHENTICATED');
    } finally {
      vi.useRealTimers();
    }
  });

  it('requires the configured issuer and audience', async () => {
    const verify = await createTokenVerifier({ ...secretConfig, issuer: 'https://idp', audience: 'consent' });
    const right = await mintToken(SECRET, { sub: 'alice', issuer: 'https://idp', audience: 'consent' });
    const wrongIssuer = await mintToken(SECRET, { sub: 'alice', issuer: 'https://elsewhere', audience: 'consent' });
    const wrongAudience = await mintToken(SECRET, { sub: 'alice', issuer: 'https://idp', audience: 'billing' });
    expect((await verify(`Bearer ${right}`))?.subject).toBe('alice');
    expect(await outcomeOf(verify(`Bearer ${wrongIssuer}`))).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringMatching(/issuer/),
    });
    expect(await outcomeOf(verify(`Bearer ${wrongAudience}`))).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringMatching(/audience/),
    });
  });

  describe('with asymmetric keys', () => {
    let keys: Awaited<ReturnType<typeof generateKeyPair>>;
    let jwks: Server;
    let jwksUrl: string;
    let jwksDown = false;
    const sign = (kid?: string, key = keys.privateKey) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', ...(kid ? { kid } : {}) })
        .setSubject('alice')
        .setExpirationTime('5m')
        .sign(key);

    beforeAll(async () => {
      keys = await generateKeyPair('RS256', { extractable: true });
      const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
      jwks = createServer((_, res) => {
        if (jwksDown) {
          res.writeHead(502).end();
          return;
        }
        res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    });
    afterAll(() => new Promise((resolve) => jwks?.close(resolve)));

    it('verifies RS256 tokens against JWT_PUBLIC_KEY, and refuses an HS256 one signed with the public key as its secret', async () => {
      const pem = await exportSPKI(keys.publicKey);
      const verify = await createTokenVerifier({ ...secretConfig, key: { kind: 'publicKey', pem, algorithm: 'RS256' } });
      expect((await verify(`Bearer ${await sign()}`))?.subject).toBe('alice');
      const confused = await hs256({ sub: 'alice', exp: now() + 60 }, pem);
      expect(await outcomeOf(verify(`Bearer ${confused}`))).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
      expect(await outcomeOf(verify(`Bearer ${await mintToken(SECRET, { sub: 'alice' })}`))).toMatchObject({ code: 'UNAUTHENTICATED' });
    });

    it('verifies tokens against the keys a JWKS_URL serves, and refuses one signed by an unknown key', async () => {
      const verify = await createTokenVerifier({ ...secretConfig, key: { kind: 'jwks', url: jwksUrl } });
      expect((await verify(`Bearer ${await sign('k1')}`))?.subject).toBe('alice');
      const stranger = await generateKeyPair('RS256');
      expect(await outcomeOf(verify(`Bearer ${await sign('k2', stranger.privateKey)}`))).toMatchObject({
        code: 'UNAUTHENTICATED',
        status: 401,
      });
    });

    it('answers 503 AUTHENTICATION_UNAVAILABLE, not 401, while the JWKS cannot be fetched', async () => {
      const verify = await createTokenVerifier({ ...secretConfig, key: { kind: 'jwks', url: jwksUrl } });
      jwksDown = true;
      try {
        expect(await outcomeOf(verify(`Bearer ${await sign('k1')}`))).toMatchObject({ code: 'AUTHENTICATION_UNAVAILABLE', status: 503 });
      } finally {
        jwksDown = false;
      }
      const closed = await createTokenVerifier({ ...secretConfig, key: { kind: 'jwks', url: 'http://127.0.0.1:1/jwks.json' } });
      expect(await outcomeOf(closed(`Bearer ${await sign('k1')}`))).toMatchObject({ code: 'AUTHENTICATION_UNAVAILABLE', status: 503 });
    });
  });
});
