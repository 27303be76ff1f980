import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import { insertPolicy } from '../../src/db/policy.repository.js';
import { inTransaction } from '../../src/db/transaction.js';
import { WHATSAPP_2016 } from '../../src/policies/bundled.js';
import { PoliciesDocument, PublishPolicyDocument, type PublishPrivacyPolicyInput } from '../generated/graphql.js';
import { DAY, startTestServer, type TestServer } from '../support/harness.js';

const RECIPIENTS_2016 = ['whatsapp', 'facebook', 'businesses', 'advertisers'];
const CATEGORIES_2016 = ['phone_number', 'account_info', 'device_info', 'usage_data', 'message_content'];
/** Ads on Facebook as a stricter version offers them: opt-in only. */
const ADS_OPT_IN = {
  key: 'facebook.ads',
  title: 'Ads on Facebook',
  description: 'Only if you opt in.',
  recipient: 'facebook',
  dataCategories: ['phone_number', 'account_info'],
  legalBasis: 'CONSENT',
  control: 'WITHDRAW',
  defaultGranted: false,
} as const;
const PROMISES_2016 = [
  { recipient: null, dataCategory: 'message_content' },
  { recipient: 'advertisers', dataCategory: 'phone_number' },
];

describe('publishing a policy version keeps every promise', () => {
  let server: TestServer;
  let admin: string;

  /** A stricter version as an operator would send it: opt-in ads, the 2016 promises kept. */
  const input = (patch: Partial<PublishPrivacyPolicyInput> = {}, purpose: Record<string, unknown> = {}): PublishPrivacyPolicyInput => ({
    version: 'gdpr',
    effectiveAt: new Date(server.now().getTime() + DAY).toISOString(),
    url: 'https://www.whatsapp.com/legal/privacy-policy-eea',
    purposes: [
      {
        ...ADS_OPT_IN,
        dataCategories: [...ADS_OPT_IN.dataCategories],
        changeWindowDays: 30,
        ...purpose,
      } as PublishPrivacyPolicyInput['purposes'][number],
    ],
    prohibitions: PROMISES_2016,
    ...patch,
  });
  const publish = (value: PublishPrivacyPolicyInput) => server.request(PublishPolicyDocument, { input: value }, { token: admin });
  const policies = async () => (await server.request(PoliciesDocument)).data?.privacyPolicies ?? [];

  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.token('policy-team', 'consent:admin');
  });
  afterAll(() => server?.close());

  it('shows the 2016 vocabulary on the 2016 policy', async () => {
    const [v2016] = await policies();
    expect(v2016).toMatchObject({ version: '2016-08-25', recipients: RECIPIENTS_2016, dataCategories: CATEGORIES_2016 });
  });

  it.each([
    [
      'drops the 2016 promise never to give the number to advertisers',
      () => input({ prohibitions: [{ dataCategory: 'message_content' }] }),
      ['input', 'prohibitions'],
      /never phone_number to advertisers/,
    ],
    [
      'drops the 2016 promise never to share message content',
      () => input({ prohibitions: [{ recipient: 'advertisers', dataCategory: 'phone_number' }] }),
      ['input', 'prohibitions'],
      /never message_content to anyone/,
    ],
    [
      'uses the undeclared category phone_numbr',
      () => input({}, { dataCategories: ['phone_numbr', 'account_info'] }),
      ['input', 'purposes', '0', 'dataCategories', '0'],
      /"phone_numbr" is not a declared data category/,
    ],
    [
      'uses the undeclared recipient instagram',
      () => input({}, { recipient: 'instagram' }),
      ['input', 'purposes', '0', 'recipient'],
      /"instagram" is not a declared recipient/,
    ],
    [
      'removes a declared recipient',
      () => input({ recipients: ['facebook', 'businesses', 'advertisers'] }),
      ['input', 'recipients'],
      /"whatsapp"/,
    ],
    [
      'has a change window of 3651 days',
      () => input({}, { changeWindowDays: 3651 }),
      ['input', 'purposes', '0', 'changeWindowDays'],
      /3650/,
    ],
    [
      'has a change window of 2147483647 days',
      () => input({}, { changeWindowDays: 2147483647 }),
      ['input', 'purposes', '0', 'changeWindowDays'],
      /3650/,
    ],
    [
      'goes live 6 years ahead',
      () => input({ effectiveAt: new Date(server.now().getTime() + 6 * 366 * DAY).toISOString() }),
      ['input', 'effectiveAt'],
      /5 years/,
    ],
    ['has an http:// url', () => input({ url: 'http://www.whatsapp.com/legal' }), ['input', 'url'], /https/],
    ['has a 300-character title', () => input({}, { title: 'T'.repeat(300) }), ['input', 'purposes', '0', 'title'], /200/],
    ['has a 300-character purpose key', () => input({}, { key: `facebook.${'a'.repeat(291)}` }), ['input', 'purposes', '0', 'key'], /128/],
    [
      'has a bell character in a description',
      () => input({}, { description: 'Only if\u0007 you opt in.' }),
      ['input', 'purposes', '0', 'description'],
      /control/,
    ],
    ['has a line break in a title', () => input({}, { title: 'Ads\non Facebook' }), ['input', 'purposes', '0', 'title'], /control/],
  ] as const)('refuses a version that %s with INVALID_INPUT naming the field, and stores nothing', async (_, make, field, message) => {
    const before = await policies();
    const res = await publish(make());
    expect(res.errors).toBeUndefined();
    expect(res.data?.publishPrivacyPolicy.policy).toBeNull();
    expect(res.data?.publishPrivacyPolicy.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field })]);
    expect(res.data?.publishPrivacyPolicy.userErrors[0]?.message).toMatch(message);
    expect(await policies()).toEqual(before);
  });

  it('refuses a version with a NUL in a text as a bad request before it runs, and stores nothing', async () => {
    const before = await policies();
    for (const patch of [{ title: 'Ads\u0000' }, { description: 'Only if\u0000 you opt in.' }]) {
      const res = await publish(input({}, patch));
      expect(res.status).toBe(400);
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
    expect(await policies()).toEqual(before);
  });

  it('publishes a version that inherits the vocabulary, and one that adds a category', async () => {
    const inherited = await publish(input());
    expect(inherited.data?.publishPrivacyPolicy).toMatchObject({
      userErrors: [],
      policy: { version: 'gdpr', recipients: RECIPIENTS_2016, dataCategories: CATEGORIES_2016 },
    });
    const grown = await publish(
      input(
        {
          version: 'with-location',
          effectiveAt: new Date(server.now().getTime() + 2 * DAY).toISOString(),
          dataCategories: [...CATEGORIES_2016, 'location'],
        },
        { dataCategories: ['phone_number', 'location'] },
      ),
    );
    expect(grown.data?.publishPrivacyPolicy).toMatchObject({
      userErrors: [],
      policy: { dataCategories: [...CATEGORIES_2016, 'location'] },
    });
    expect((await policies()).map((p) => [p.version, p.dataCategories.length])).toEqual([
      ['2016-08-25', 5],
      ['gdpr', 5],
      ['with-location', 6],
    ]);
  });

  it('returns the stored version for an identical repeat, inherited vocabulary included, and stores nothing more', async () => {
    const before = await policies();
    const repeat = await publish(input());
    expect(repeat.data?.publishPrivacyPolicy).toMatchObject({ userErrors: [], policy: { version: 'gdpr' } });
    expect(await policies()).toEqual(before);
  });

  it('refuses a version scheduled between two others that declares a name the later one lacks', async () => {
    const between = input({
      version: 'between',
      effectiveAt: new Date(server.now().getTime() + DAY + 60_000).toISOString(),
      dataCategories: [...CATEGORIES_2016, 'biometrics'],
    });
    const res = await publish(between);
    expect(res.data?.publishPrivacyPolicy.userErrors).toEqual([
      expect.objectContaining({
        code: 'INVALID_INPUT',
        field: ['input', 'dataCategories'],
        message: expect.stringContaining('with-location'),
      }),
    ]);
  });
});

describe('two versions never go live at the same instant', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('stores exactly one of ten concurrent publishes for one effectiveAt and refuses the rest naming effectiveAt', async () => {
    const admin = await server.token('policy-team', 'consent:admin');
    const effectiveAt = new Date(server.now().getTime() + DAY).toISOString();
    const versions = Array.from({ length: 10 }, (_, i) => `race-${i}`);
    const results = await Promise.all(
      versions.map((version) =>
        server.request(
          PublishPolicyDocument,
          {
            input: {
              version,
              effectiveAt,
              purposes: [{ ...ADS_OPT_IN, dataCategories: [...ADS_OPT_IN.dataCategories] }],
              prohibitions: PROMISES_2016,
            },
          },
          { token: admin },
        ),
      ),
    );
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    const winners = results.filter((r) => r.data?.publishPrivacyPolicy.userErrors.length === 0);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((r) => r.data?.publishPrivacyPolicy.userErrors.length !== 0)) {
      expect(loser.data?.publishPrivacyPolicy).toEqual({
        policy: null,
        userErrors: [expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'effectiveAt'] })],
      });
    }
    const winner = winners[0]?.data?.publishPrivacyPolicy.policy?.version;
    const stored = (await server.request(PoliciesDocument)).data?.privacyPolicies.map((p) => p.version);
    expect(stored).toEqual(['2016-08-25', winner]);
    server.advance(DAY);
    expect((await server.request(PoliciesDocument)).data?.privacyPolicy?.version).toBe(winner);
  });

  it('is enforced by the database itself, not only by the check before the insert', async () => {
    const effectiveAt = new Date(server.now().getTime() + 2 * DAY);
    const store = (version: string) =>
      inTransaction(server.app.orm.em.fork() as SqlEntityManager, (tx) =>
        insertPolicy(tx, { ...WHATSAPP_2016, version, effectiveAt, publishedAt: server.now() }, 'test'),
      );
    await store('direct-1');
    await expect(store('direct-2')).rejects.toBeInstanceOf(UniqueConstraintViolationException);
  });
});
