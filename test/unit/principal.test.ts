import { describe, expect, it } from 'vitest';
import { mayPublishPolicy, mayReadConsent, mayReadLedger, mayWriteConsent, type Principal } from '../../src/auth/principal.js';

const principal = (subject: string, ...scopes: string[]): Principal => ({ subject, scopes: new Set(scopes) });
const user = principal('alice');
const reader = principal('ads-graph', 'consent:read');
const admin = principal('support', 'consent:admin');

describe('who may do what', () => {
  it.each([
    ['a user, their own consent', user, 'alice', true],
    ["a user, someone else's consent", user, 'bob', false],
    ["a consent:read service, anyone's consent", reader, 'bob', true],
    ["a consent:admin, anyone's consent", admin, 'bob', true],
  ])('reading: %s → %s', (_, p, userId, expected) => {
    expect(mayReadConsent(p, userId)).toBe(expected);
  });

  it.each([
    ['a user, their own ledger', user, 'alice', true],
    ["a user, someone else's ledger", user, 'bob', false],
    ["a consent:read service, anyone's ledger", reader, 'bob', false],
    ["a consent:admin, anyone's ledger", admin, 'bob', true],
  ])('the ledger: %s → %s', (_, p, userId, expected) => {
    expect(mayReadLedger(p, userId)).toBe(expected);
  });

  it('lets only plain user tokens write consent, and only admins publish policies', () => {
    expect([user, reader, admin].map(mayWriteConsent)).toEqual([true, false, false]);
    expect([user, reader, admin].map(mayPublishPolicy)).toEqual([false, false, true]);
  });
});
