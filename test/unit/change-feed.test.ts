import { describe, expect, it } from 'vitest';
import {
  changeOutcome,
  changeSubject,
  compareFeedPositions,
  CONSUMER_NAME,
  decisionScope,
  decodeFeedCursor,
  encodeFeedCursor,
  toChangeMessage,
  type FeedChange,
} from '../../src/domain/change-feed.js';
import { acceptedState, choice, NO_CONSENT, POLICY_2016, V2016 } from './policy-fixtures.js';

describe('feed cursors', () => {
  it('round-trip every position, including the largest transaction ids', () => {
    for (const position of [
      { txId: 0, eventId: 1 },
      { txId: 123_456_789, eventId: 42 },
      { txId: Number.MAX_SAFE_INTEGER, eventId: Number.MAX_SAFE_INTEGER },
    ]) {
      expect(decodeFeedCursor(encodeFeedCursor(position))).toEqual(position);
    }
  });

  it('are opaque: no readable id in the text', () => {
    expect(encodeFeedCursor({ txId: 7, eventId: 99 })).not.toMatch(/99/);
  });

  it('refuse anything the feed did not issue', () => {
    const forged = (text: string) => Buffer.from(text).toString('base64url');
    for (const cursor of [
      '',
      'not a cursor',
      forged('change:1'),
      forged('change:-1:2'),
      forged('change:1:2:3'),
      forged('change:01:2'),
      forged('consent-event:5'),
      forged('change:99999999999999999:1'),
      `${encodeFeedCursor({ txId: 1, eventId: 2 })}=`,
      'A'.repeat(100),
    ]) {
      expect(decodeFeedCursor(cursor)).toBeNull();
    }
  });

  it('order by transaction first, then by event', () => {
    const sorted = [
      { txId: 2, eventId: 1 },
      { txId: 1, eventId: 9 },
      { txId: 1, eventId: 3 },
    ].sort(compareFeedPositions);
    expect(sorted).toEqual([
      { txId: 1, eventId: 3 },
      { txId: 1, eventId: 9 },
      { txId: 2, eventId: 1 },
    ]);
    expect(compareFeedPositions({ txId: 4, eventId: 4 }, { txId: 4, eventId: 4 })).toBe(0);
  });
});

describe('what a change reports', () => {
  it('decides the purpose it names, nothing for a business setting, everything for an acceptance', () => {
    expect(decisionScope({ purposeKey: 'facebook.ads', businessId: null })).toEqual({ kind: 'purpose', key: 'facebook.ads' });
    expect(decisionScope({ purposeKey: null, businessId: 'acme' })).toEqual({ kind: 'none' });
    expect(decisionScope({ purposeKey: null, businessId: null })).toEqual({ kind: 'all' });
  });

  it('is published flat, on a subject per event type', () => {
    const change: FeedChange = {
      position: { txId: 10, eventId: 5 },
      cursor: encodeFeedCursor({ txId: 10, eventId: 5 }),
      event: {
        id: 5,
        userId: 'u1',
        consentVersion: 3,
        type: 'BUSINESS_PREFERENCE_CHANGED',
        purposeKey: null,
        choiceGroup: null,
        businessId: 'acme',
        setting: 'BLOCKED',
        previousValue: 'false',
        newValue: 'true',
        policyVersion: '2016-08-25',
        carriedFrom: null,
        actor: 'u1',
        channel: 'SETTINGS',
        occurredAt: new Date('2016-09-01T12:00:00Z'),
        requestId: 'r1',
        idempotencyKey: null,
      },
      decisions: [],
      businessMessaging: {
        businessId: 'acme',
        blocked: true,
        transactional: false,
        transactionalReason: 'BUSINESS_BLOCKED',
        marketing: false,
        marketingReason: 'BUSINESS_BLOCKED',
        updatedAt: new Date('2016-09-01T12:00:00Z'),
      },
    };
    expect(toChangeMessage(change)).toEqual({
      id: '5',
      cursor: change.cursor,
      userId: 'u1',
      consentVersion: 3,
      type: 'BUSINESS_PREFERENCE_CHANGED',
      purposeKey: null,
      choiceGroup: null,
      businessId: 'acme',
      setting: 'BLOCKED',
      previousValue: 'false',
      newValue: 'true',
      policyVersion: '2016-08-25',
      actor: 'u1',
      channel: 'SETTINGS',
      occurredAt: '2016-09-01T12:00:00.000Z',
      decisions: [],
      businessMessaging: { businessId: 'acme', blocked: true, transactional: false, marketing: false },
    });
    expect(changeSubject('consent.changes', 'CHOICE_CHANGED')).toBe('consent.changes.choice_changed');
  });

  it('accepts short lower-case consumer names only', () => {
    expect(['ads-pipeline', 'friend.suggestions', 'm_1'].every((n) => CONSUMER_NAME.test(n))).toBe(true);
    expect(['', 'Ads', '-x', 'a b', 'x'.repeat(65)].some((n) => CONSUMER_NAME.test(n))).toBe(false);
  });
});

describe('the outcome a write leaves for the feed', () => {
  const at = new Date('2016-09-01T12:00:00.000Z');
  const ctx = { accepted: POLICY_2016, live: POLICY_2016 };
  const state = acceptedState(V2016, at, [choice('facebook.ads', false, at), choice('facebook.friend_suggestions', false, at)]);
  const none = { purposeKey: null, businessId: null };

  it('decides every purpose after an acceptance', () => {
    const outcome = changeOutcome(ctx, state, [], [none, { purposeKey: 'facebook.ads', businessId: null }]);
    expect(outcome.decisions.map((d) => d.purposeKey)).toEqual(POLICY_2016.purposes.map((p) => p.key));
    expect(outcome.businesses).toEqual([]);
  });

  it('decides only the purposes a choice change named, as they stand after it', () => {
    const outcome = changeOutcome(ctx, state, [], [{ purposeKey: 'facebook.ads', businessId: null }]);
    expect(outcome.decisions).toEqual([
      {
        purposeKey: 'facebook.ads',
        recipient: 'facebook',
        dataCategories: ['phone_number', 'account_info'],
        allowed: false,
        reason: 'USER_WITHDRAWN',
        policyVersion: V2016,
        decidedAt: at.toISOString(),
        changeableUntil: new Date(at.getTime() + 30 * 24 * 3600 * 1000).toISOString(),
      },
    ]);
  });

  it('gives each business a setting touched its effective preference, and decides no purpose for it', () => {
    const preference = { businessId: 'acme', blocked: false, transactional: null, marketing: false, updatedAt: at, policyVersion: V2016 };
    const outcome = changeOutcome(ctx, state, [preference], [{ purposeKey: null, businessId: 'acme' }]);
    expect(outcome).toEqual({
      decisions: [],
      businesses: [
        {
          businessId: 'acme',
          blocked: false,
          transactional: true,
          transactionalReason: 'ESSENTIAL',
          marketing: false,
          marketingReason: 'USER_WITHDRAWN',
          updatedAt: at.toISOString(),
        },
      ],
    });
  });

  it('reports denials for a user who has accepted nothing', () => {
    const outcome = changeOutcome({ accepted: null, live: POLICY_2016 }, NO_CONSENT, [], [none]);
    expect(outcome.decisions.map((d) => d.reason)).toEqual(POLICY_2016.purposes.map(() => 'POLICY_NOT_ACCEPTED'));
    expect(outcome.decisions.every((d) => !d.allowed)).toBe(true);
  });
});
