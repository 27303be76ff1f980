import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/token-signer.js';
import { createTokenVerifier } from '../../src/auth/token-verifier.js';

const SECRET = 'a-secret-long-enough-for-hs256-signing';
const secretConfig = { key: { kind: 'secret' as const, secret: SECRET }, issuer: null, audience: null };

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
};

describe('verifying bearer tokens', () => {
  it('reads the subject and the space-separated scopes', async () => {
    const verify = await createTokenVerifier(secretConfig);
    const principal = await verify(`Bearer ${await mintToken(SECRET, { sub: 'ads-graph', scope: 'consent:read other' })}`);
    expect(principal).toEqual({ subject: 'ads-graph', scopes: new Set(['consent:read', 'other']) });
  });

  it('treats a missing header as anonymous, and anything invalid as UNAUTHENTICATED', async () => {
    const verify = await createTokenVerifier(secretConfig);
    expect(await verify(undefined)).toBeNull();
    const expired = await mintToken(SECRET, { sub: 'alice', expiresIn: '-1m' });
    const otherSecret = await mintToken('another-secret-entirely-of-some-length', { sub: 'alice' });
    for (const header of ['Basic abc', `Bearer ${expired}`, `Bearer ${otherSecret}`, 'Bearer x.y.z']) {
      expect(await codeOf(verify(header))).toBe('UNAUTHENTICATED');
    }
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
      expect(await codeOf(verify(header))).toBe('UNAUTHENTICATED');
    } finally {
      vi.useRealTimers();
    }
  });

  it('requires the configured issuer and audience', async () => {
    const verify = await createTokenVerifier({ ...secretConfig, issuer: 'https://idp', audience: 'consent' });
    const right = await mintToken(SECRET, { sub: 'alice', issuer: 'https://idp', audience: 'consent' });
    const wrong = await mintToken(SECRET, { sub: 'alice', issuer: 'https://elsewhere', audience: 'consent' });
    expect((await verify(`Bearer ${right}`))?.subject).toBe('alice');
    expect(await codeOf(verify(`Bearer ${wrong}`))).toBe('UNAUTHENTICATED');
  });

  it('refuses a token without a subject', async () => {
    const verify = await createTokenVerifier(secretConfig);
    const token = await new SignJWT({ scope: 'consent:admin' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    expect(await codeOf(verify(`Bearer ${token}`))).toBe('UNAUTHENTICATED');
  });

  describe('with asymmetric keys', () => {
    let keys: Awaited<ReturnType<typeof generateKeyPair>>;
    let jwks: Server;
    let jwksUrl: string;
    const sign = (kid?: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', ...(kid ? { kid } : {}) })
        .setSubject('alice')
        .setExpirationTime('5m')
        .sign(keys.privateKey);

    beforeAll(async () => {
      keys = await generateKeyPair('RS256', { extractable: true });
      const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
      jwks = createServer((_, res) => res.end(JSON.stringify({ keys: [jwk] })));
      await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    });
    afterAll(() => new Promise((resolve) => jwks?.close(resolve)));

    it('verifies RS256 tokens against JWT_PUBLIC_KEY, and refuses HS256 ones', async () => {
      const pem = await exportSPKI(keys.publicKey);
      const verify = await createTokenVerifier({ key: { kind: 'publicKey', pem, algorithm: 'RS256' }, issuer: null, audience: null });
      expect((await verify(`Bearer ${await sign()}`))?.subject).toBe('alice');
      expect(await codeOf(verify(`Bearer ${await mintToken(SECRET, { sub: 'alice' })}`))).toBe('UNAUTHENTICATED');
    });

    it('verifies tokens against the keys a JWKS_URL serves', async () => {
      const verify = await createTokenVerifier({ key: { kind: 'jwks', url: jwksUrl }, issuer: null, audience: null });
      expect((await verify(`Bearer ${await sign('k1')}`))?.subject).toBe('alice');
    });
  });
});
