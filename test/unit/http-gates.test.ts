import { describe, expect, it } from 'vitest';
import { originMatcher } from '../../src/http/cors.js';
import { gatewaySecretMatcher } from '../../src/http/gateway-secret.js';

describe('the CORS allow-list', () => {
  const allows = originMatcher(['https://app.example.com', 'http://localhost:*', 'http://[::1]:*']);

  it.each([
    ['https://app.example.com', true],
    ['HTTPS://APP.EXAMPLE.COM', true],
    ['http://localhost', true],
    ['http://localhost:5173', true],
    ['http://[::1]:8080', true],
    ['https://app.example.com:8443', false],
    ['http://app.example.com', false],
    ['https://localhost:5173', false],
    ['http://localhost:5173.evil.example', false],
    ['http://localhost.evil.example', false],
    ['http://localhost:', false],
    ['null', false],
  ])('%s → %s', (origin, expected) => {
    expect(allows(origin)).toBe(expected);
  });

  it('allows every origin only when told "*"', () => {
    expect(originMatcher(['*'])('https://anything.example')).toBe(true);
    expect(originMatcher([])('http://localhost')).toBe(false);
  });
});

describe('the gateway secret', () => {
  it('matches only the exact value, whatever the length of the guess', () => {
    const matches = gatewaySecretMatcher('the-shared-secret-value');
    expect(matches('the-shared-secret-value')).toBe(true);
    for (const guess of [
      undefined,
      '',
      't',
      'the-shared-secret-valu',
      'the-shared-secret-value ',
      'THE-SHARED-SECRET-VALUE',
      'x'.repeat(10_000),
    ]) {
      expect(matches(guess)).toBe(false);
    }
  });
});
