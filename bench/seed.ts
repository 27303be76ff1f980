/**
 * Fills a fresh database with the bench data set: the app itself migrates it
 * and loads the 2016 policy (createApp), then the rows the write path would
 * have produced (head rows, choices, business preferences, ledger) go in as
 * multi-row inserts through the app's own ORM and entities, which takes
 * seconds where 10,000 GraphQL writes would take minutes. A sample is read
 * back through the app's repository to prove the rows mean what they should.
 */
import 'reflect-metadata';
import { isDeepStrictEqual } from 'node:util';
import type { EntityManager, EntityName, RequiredEntityData } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { createApp } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { createLogger } from '../src/observability/logger.js';
import { loadBusinessPreferences, loadConsents } from '../src/db/consent.repository.js';
import { BusinessPreferenceEntity } from '../src/db/entities/business-preference.entity.js';
import { ConsentChoiceEntity } from '../src/db/entities/consent-choice.entity.js';
import { ConsentEventEntity } from '../src/db/entities/consent-event.entity.js';
import { ConsentSubjectEntity } from '../src/db/entities/consent-subject.entity.js';
import { BENCH_POLICY, type BenchUser } from './dataset.js';

const CHUNK = 500;

export interface SeedReport {
  readonly users: number;
  readonly choices: number;
  readonly businessPreferences: number;
  readonly events: number;
  readonly seconds: number;
}

async function insertChunked<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  rows: readonly RequiredEntityData<T>[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await em.insertMany<T>(entity, rows.slice(i, i + CHUNK));
}

export async function seedDatabase(databaseEnv: Record<string, string>, users: readonly BenchUser[]): Promise<SeedReport> {
  const started = Date.now();
  const app = await createApp(parseConfig({ ...databaseEnv, POLICY_REFRESH_SECONDS: '0' }), { logger: createLogger('silent') });
  try {
    const subjects = users.map((u) => ({
      userId: u.id,
      version: u.version,
      policyVersion: BENCH_POLICY.version,
      acceptedAt: u.acceptedAt,
      updatedAt: u.events.at(-1)!.occurredAt,
    }));
    const choices = users.flatMap((u) =>
      u.choices.map((c) => ({
        userId: u.id,
        purposeKey: c.purposeKey,
        policyVersion: BENCH_POLICY.version,
        granted: c.granted,
        source: 'USER',
        decidedAt: c.decidedAt,
      })),
    );
    const preferences = users.flatMap((u) => u.businessPreferences.map((p) => ({ userId: u.id, ...p })));
    const events = users.flatMap((u) =>
      u.events.map((e, i) => ({
        userId: u.id,
        ...e,
        policyVersion: BENCH_POLICY.version,
        actor: u.id,
        requestId: `bench-seed-${u.id}-${i}`,
        idempotencyKey: null,
      })),
    );
    await app.orm.em.fork().transactional(async (tx) => {
      await insertChunked(tx, ConsentSubjectEntity, subjects);
      await insertChunked(tx, ConsentChoiceEntity, choices);
      await insertChunked(tx, BusinessPreferenceEntity, preferences);
      await insertChunked(tx, ConsentEventEntity, events);
    });
    // A production PostgreSQL has statistics (autovacuum analyzes tables that grew); a bench server may run
    // with autovacuum off, and fresh tables without statistics get plans no production server would use.
    if (app.orm.config.get('driver') === PostgreSqlDriver) await app.orm.em.getConnection().execute('analyze');

    const sample = [
      users[0]!,
      users[Math.floor(users.length / 2)]!,
      users.at(-1)!,
      ...users.filter((u) => u.profile === 'changed-later').slice(0, 3),
    ];
    const em = app.orm.em.fork();
    const stored = await loadConsents(
      em,
      sample.map((u) => u.id),
    );
    const storedPreferences = await loadBusinessPreferences(
      em,
      sample.map((u) => u.id),
    );
    for (const user of sample) {
      const got = stored.get(user.id);
      const expected = {
        userId: user.id,
        version: user.version,
        state: {
          acceptance: { policyVersion: BENCH_POLICY.version, acceptedAt: user.acceptedAt },
          choices: user.choices,
          grantsNotCarried: [],
        },
      };
      const sortChoices = (c: readonly { purposeKey: string }[]) => [...c].sort((a, b) => a.purposeKey.localeCompare(b.purposeKey));
      if (
        !got ||
        !isDeepStrictEqual(
          { ...got, state: { ...got.state, choices: sortChoices(got.state.choices) } },
          {
            ...expected,
            state: { ...expected.state, choices: sortChoices(expected.state.choices) },
          },
        )
      ) {
        throw new Error(`Seeded ${user.id} reads back differently:\n${JSON.stringify(got)}\nexpected\n${JSON.stringify(expected)}`);
      }
      if (!isDeepStrictEqual(storedPreferences.get(user.id) ?? [], user.businessPreferences)) {
        throw new Error(`Seeded business preferences of ${user.id} read back differently`);
      }
    }
    return {
      users: subjects.length,
      choices: choices.length,
      businessPreferences: preferences.length,
      events: events.length,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await app.close();
  }
}
