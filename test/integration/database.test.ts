import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MikroORM } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import { createApp } from '../../src/app.js';
import { mintToken } from '../../src/auth/token-signer.js';
import { insertPolicy } from '../../src/db/policy.repository.js';
import { inTransaction } from '../../src/db/transaction.js';
import { WHATSAPP_2016 } from '../../src/policies/bundled.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { ormOptions } from '../../src/db/orm.config.js';
import { PolicyPurposeEntity } from '../../src/db/entities/policy-purpose.entity.js';
import { PolicyVersionEntity } from '../../src/db/entities/policy-version.entity.js';
import { PoliciesDocument, PublishPolicyDocument } from '../generated/graphql.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { DAY, startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/harness.js';

describe('the database', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  const boot = () =>
    createApp(parseConfig({ ...database.env, JWT_SECRET: TEST_JWT_SECRET, POLICY_REFRESH_SECONDS: '0' }), {
      logger: createLogger('silent'),
    });

  it('is migrated and loaded with the 2016 policy on first start, and restarting duplicates nothing', async () => {
    for (let start = 0; start < 2; start++) {
      const app = await boot();
      const em = app.orm.em.fork();
      expect(await em.count(PolicyVersionEntity)).toBe(1);
      expect(await em.count(PolicyPurposeEntity)).toBe(8);
      expect(app.catalog.all().map((p) => p.version)).toEqual(['2016-08-25']);
      await app.close();
    }
  });

  it('lets a user accept a version another instance published, without waiting for the refresh timer', async () => {
    const now = new Date();
    const [publisher, acceptor] = [await boot(), await boot()];
    try {
      const policy = {
        ...WHATSAPP_2016,
        version: 'from-the-other-instance',
        effectiveAt: new Date(now.getTime() - 1000),
        publishedAt: now,
      };
      await inTransaction(publisher.orm.em.fork() as SqlEntityManager, (tx) => insertPolicy(tx, policy, 'test'));
      expect(acceptor.catalog.get('from-the-other-instance')).toBeUndefined();

      const url = await acceptor.listen(0, '127.0.0.1');
      const token = await mintToken(TEST_JWT_SECRET, { sub: 'cross-instance' });
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query:
            'mutation { acceptPrivacyPolicy(input: { version: "from-the-other-instance" }) { consent { policy { version } } userErrors { code } } }',
        }),
      });
      expect((await res.json()).data.acceptPrivacyPolicy).toEqual({
        consent: { policy: { version: 'from-the-other-instance' } },
        userErrors: [],
      });
    } finally {
      await publisher.close();
      await acceptor.close();
    }
  });

  it('matches the entities exactly once migrated: no migration is pending or missing', async () => {
    const config = parseConfig(database.env);
    const orm = await MikroORM.init(ormOptions(config.database));
    try {
      const migrator = orm.getMigrator();
      expect(await migrator.getPendingMigrations()).toEqual([]);
      expect(await migrator.checkMigrationNeeded()).toBe(false);
    } finally {
      await orm.close();
    }
  });
});

describe('publishing policy versions', () => {
  let server: TestServer;
  let admin: string;
  const purpose = {
    key: 'facebook.ads',
    title: 'Ads on Facebook',
    description: 'Only if you opt in.',
    recipient: 'facebook',
    dataCategories: ['phone_number', 'account_info'],
    legalBasis: 'CONSENT' as const,
    control: 'WITHDRAW' as const,
    defaultGranted: false,
  };
  const publish = (input: Record<string, unknown>) =>
    server.request(
      PublishPolicyDocument,
      {
        input: {
          version: 'gdpr',
          effectiveAt: new Date(server.now().getTime() + DAY).toISOString(),
          purposes: [purpose],
          prohibitions: [{ dataCategory: 'message_content' }, { recipient: 'advertisers', dataCategory: 'phone_number' }],
          ...input,
        } as never,
      },
      { token: admin },
    );

  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.token('policy-team', 'consent:admin');
  });
  afterAll(() => server?.close());

  it('refuses a policy that contradicts its own prohibitions, and stores nothing', async () => {
    const res = await publish({
      prohibitions: [
        { dataCategory: 'message_content' },
        { recipient: 'advertisers', dataCategory: 'phone_number' },
        { recipient: 'facebook', dataCategory: 'phone_number' },
      ],
    });
    expect(res.data?.publishPrivacyPolicy).toMatchObject({
      policy: null,
      userErrors: [expect.objectContaining({ code: 'CONTRADICTORY_POLICY' })],
    });
    expect((await server.request(PoliciesDocument)).data?.privacyPolicies.map((p) => p.version)).toEqual(['2016-08-25']);
  });

  it('refuses an effectiveAt in the past, so history is never rewritten', async () => {
    const res = await publish({ effectiveAt: new Date(server.now().getTime() - 60_000).toISOString() });
    expect(res.data?.publishPrivacyPolicy.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'effectiveAt'] }),
    ]);
  });

  it('publishes a scheduled version, returns it again for an identical repeat, and refuses a different one of the same name', async () => {
    const effectiveAt = new Date(server.now().getTime() + DAY).toISOString();
    const first = await publish({ effectiveAt });
    expect(first.data?.publishPrivacyPolicy).toMatchObject({
      userErrors: [],
      policy: { version: 'gdpr', status: 'SCHEDULED', effectiveAt },
    });
    const repeat = await publish({ effectiveAt });
    expect(repeat.data?.publishPrivacyPolicy).toEqual(first.data?.publishPrivacyPolicy);
    const changed = await publish({ effectiveAt, url: 'https://example.com/other' });
    expect(changed.data?.publishPrivacyPolicy.userErrors.map((e) => e.code)).toEqual(['POLICY_VERSION_EXISTS']);
  });

  it('lists every version with its status, and switches the live one when effectiveAt passes', async () => {
    const before = await server.request(PoliciesDocument);
    expect(before.data?.privacyPolicy?.version).toBe('2016-08-25');
    expect(before.data?.privacyPolicies.map((p) => [p.version, p.status])).toEqual([
      ['2016-08-25', 'LIVE'],
      ['gdpr', 'SCHEDULED'],
    ]);
    server.advance(DAY);
    const after = await server.request(PoliciesDocument);
    expect(after.data?.privacyPolicy?.version).toBe('gdpr');
    expect(after.data?.privacyPolicies.map((p) => p.status)).toEqual(['SUPERSEDED', 'LIVE']);
  });
});
