import { SignJWT } from 'jose';

export interface TokenClaims {
  readonly sub: string;
  readonly scope?: string;
  readonly issuer?: string | null;
  readonly audience?: string | null;
  readonly expiresIn?: string;
}

/** Signs an HS256 token: development tokens, and the tokens tests send. */
export function mintToken(secret: string, claims: TokenClaims): Promise<string> {
  let jwt = new SignJWT(claims.scope ? { scope: claims.scope } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h');
  if (claims.issuer) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
