import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyRecordEntity } from '../../src/db/entities/idempotency-record.entity.js';
import { IdempotencyKeyRetention } from '../../src/services/idempotency-retention.js';
import {
  AcceptPolicyDocument,
  DecisionsDocument,
  HistoryDocument,
  SetBusinessPreferenceDocument,
  UpdateConsentDocument,
} from '../generated/graphql.js';
import { startTestServer, type TestServer } from '../support/harness.js';

const V2016 = '2016-08-25';
const HOUR = 60 * 60 * 1000;

describe('idempotency keys over HTTP: the first outcome, replayed, for as long as keys are kept', () => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const as = async (user: string) => {
    tokens[user] ??= await server.token(user);
    return { token: tokens[user] };
  };
  const ledger = async (user: string) =>
    (await server.request(HistoryDocument, { first: 100 }, await as(user))).data!.dataSubject.consent.history.edges.map((e) => e.node);
  const update = async (user: string, granted: boolean, idempotencyKey?: string) =>
    (
      await server.request(
        UpdateConsentDocument,
        { input: { choices: [{ purpose: 'facebook.ads', granted }], idempotencyKey } },
        await as(user),
      )
    ).data!.updateConsent;
  const shopMarketing = async (user: string, allowed: boolean, idempotencyKey?: string) =>
    (
      await server.request(
        SetBusinessPreferenceDocument,
        { input: { businessId: 'acme-shoes', category: 'MARKETING', allowed, idempotencyKey } },
        await as(user),
      )
    ).data!.setBusinessMessagingPreference;
  const storedKeys = () => server.app.orm.em.fork().count(IdempotencyRecordEntity, {});

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('reports the consent version a write produced, not as a replay', async () => {
    const accepted = await server.request(AcceptPolicyDocument, { input: { version: V2016, idempotencyKey: 'a-1' } }, await as('ana'));
    expect(accepted.data?.acceptPrivacyPolicy).toMatchObject({ userErrors: [], consentVersion: 1, replayed: false });
    const unkeyed = await update('ana', false);
    expect(unkeyed).toMatchObject({ userErrors: [], consentVersion: 2, replayed: false });
  });

  it('replays the first outcome after a later write changed the state, and records nothing', async () => {
    await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, await as('ben'));
    const first = await update('ben', false, 'withdraw-1');
    expect(first).toMatchObject({ userErrors: [], consentVersion: 2, replayed: false });
    const later = await update('ben', true);
    expect(later.consentVersion).toBe(3);
    const events = await ledger('ben');

    const replay = await update('ben', false, 'withdraw-1');
    expect(replay).toMatchObject({ userErrors: [], consentVersion: 2, replayed: true });
    // The payload's consent is the current state: the later grant still stands.
    expect(replay.consent?.version).toBe(3);
    expect(await ledger('ben')).toEqual(events);
    const ads = (await server.request(DecisionsDocument, { purpose: 'facebook.ads' }, await as('ben'))).data!.dataSubject.filtered[0];
    expect(ads).toMatchObject({ allowed: true, reason: 'USER_GRANTED' });
  });

  it('replays a refusal with its user errors and consent version, even once the state would accept the request', async () => {
    const refused = await update('cy', false, 'too-early');
    expect(refused).toMatchObject({ consentVersion: 0, replayed: false });
    expect(refused.userErrors.map((e) => e.code)).toEqual(['POLICY_NOT_ACCEPTED']);
    await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, await as('cy'));

    const replay = await update('cy', false, 'too-early');
    expect(replay).toMatchObject({ consentVersion: 0, replayed: true, userErrors: refused.userErrors });
    expect((await ledger('cy')).map((e) => e.type)).toEqual(['POLICY_ACCEPTED']);
  });

  it('forgets a key after 24 hours: the same key is then a new request, recorded again', async () => {
    await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, await as('dee'));
    const first = await shopMarketing('dee', false, 'no-acme');
    expect(first).toMatchObject({ consentVersion: 2, replayed: false });
    await shopMarketing('dee', true);

    server.advance(24 * HOUR - 1000);
    expect(await shopMarketing('dee', false, 'no-acme')).toMatchObject({ consentVersion: 2, replayed: true });
    expect((await ledger('dee')).length).toBe(3);

    server.advance(1000);
    const fresh = await shopMarketing('dee', false, 'no-acme');
    expect(fresh).toMatchObject({ userErrors: [], consentVersion: 4, replayed: false });
    expect((await ledger('dee'))[0]).toMatchObject({ type: 'BUSINESS_PREFERENCE_CHANGED', newValue: 'false', idempotencyKey: 'no-acme' });
    // And the new outcome is what a repeat now replays.
    expect(await shopMarketing('dee', false, 'no-acme')).toMatchObject({ consentVersion: 4, replayed: true });
  });

  it('sweeps keys older than the retention in bounded batches, and keeps the others', async () => {
    await server.request(AcceptPolicyDocument, { input: { version: V2016, idempotencyKey: 'e-1' } }, await as('eve'));
    await update('eve', false, 'e-2');
    await update('eve', true, 'e-3');
    server.advance(25 * HOUR);
    await update('eve', false, 'e-4');
    // Every key so far is older than 24 hours except e-4.
    const stored = await storedKeys();
    expect(stored).toBe(8);

    const retention = new IdempotencyKeyRetention(server.app.orm, 24 * HOUR, () => server.now(), { batchSize: 2, maxBatches: 2 });
    expect(await retention.sweep()).toBe(4);
    expect(await retention.sweep()).toBe(3);
    expect(await retention.sweep()).toBe(0);
    const left = await server.app.orm.em.fork().find(IdempotencyRecordEntity, {}, { disableIdentityMap: true });
    expect(left.map((r) => [r.userId, r.key])).toEqual([['eve', 'e-4']]);
  });
});

describe('a configured idempotency retention', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { IDEMPOTENCY_RETENTION_HOURS: '1' } });
  });
  afterAll(() => server?.close());

  it('forgets keys after the configured hours', async () => {
    const auth = { token: await server.token('fay') };
    const send = () =>
      server.request(
        SetBusinessPreferenceDocument,
        { input: { businessId: 'acme-shoes', blocked: true, idempotencyKey: 'block-acme' } },
        auth,
      );
    expect((await send()).data?.setBusinessMessagingPreference).toMatchObject({ consentVersion: 1, replayed: false });
    server.advance(HOUR - 1000);
    expect((await send()).data?.setBusinessMessagingPreference).toMatchObject({ consentVersion: 1, replayed: true });
    server.advance(1000);
    // A new request: the business is already blocked, so it changes (and records) nothing.
    expect((await send()).data?.setBusinessMessagingPreference).toMatchObject({ consentVersion: 1, replayed: false });
  });
});
