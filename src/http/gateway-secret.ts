/**
 * The shared secret a gateway sends on every request (Apollo's guidance for
 * subgraphs reachable only through the router). Compared in constant time:
 * both sides are hashed first, so lengths never differ and never leak.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export function gatewaySecretMatcher(secret: string): (given: string | undefined) => boolean {
  const expected = digest(secret);
  return (given) => given !== undefined && timingSafeEqual(digest(given), expected);
}
