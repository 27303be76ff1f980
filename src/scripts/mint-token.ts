/**
 * Prints a development token: npm run token -- --sub user-1 [--scope "consent:read"] [--expires 12h]
 * Signed with JWT_SECRET, else the development secret (which production refuses).
 */
import { parseArgs } from 'node:util';
import { mintToken } from '../auth/token-signer.js';
import { parseConfig } from '../config.js';

const { values } = parseArgs({
  options: {
    sub: { type: 'string', default: 'user-1' },
    scope: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});
const config = parseConfig(process.env);
if (config.jwt.key.kind !== 'secret') {
  console.error('npm run token signs with a shared secret; this configuration verifies tokens with a public key.');
  process.exit(1);
}
const token = await mintToken(config.jwt.key.secret, {
  sub: values.sub!,
  scope: values.scope,
  issuer: config.jwt.issuer,
  audience: config.jwt.audience,
  expiresIn: values.expires,
});
console.log(token);
