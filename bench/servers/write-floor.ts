/**
 * The write floor: the durable work of one `updateConsent` on PostgreSQL,
 * and nothing else, behind a bare node:http front. The same transaction the
 * production writer runs (lock the user, idempotency lookup, read choices
 * and business preferences, upsert the choice, bump the version, append the
 * ledger event, whose trigger fills the feed/outbox, store the outcome and
 * the idempotency record), statement for statement, issued through the raw
 * `pg` driver with prepared statements, and the same pure planner and
 * decision engine from src/domain. What it leaves out is the stack:
 * Apollo Server, type-graphql, MikroORM, DataLoader, logging and metrics.
 *
 * It verifies the bearer token (jose, HS256) like production does: a write
 * without an authenticated user is not the same work. It answers the load
 * generator's Toggle mutation with the shape production returns.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { jwtVerify } from 'jose';
import pg from 'pg';
import { changeOutcome } from '../../src/domain/change-feed.js';
import { type Change, planChoiceUpdate } from '../../src/domain/consent-change.js';
import type { BusinessPreference, ConsentState } from '../../src/domain/decision.js';
import type { Policy } from '../../src/domain/policy.js';
import { policyFromDocument } from '../../src/policies/bundled.js';
import whatsapp2016 from '../../src/policies/2016-08-25.json' with { type: 'json' };
import { listenOnLoopback, readBody, reportToParent } from './child.js';

const policy: Policy = policyFromDocument(whatsapp2016);
const secret = new TextEncoder().encode(process.env.JWT_SECRET ?? '');
// The production pool's default size, so both hold the same number of PostgreSQL backends.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX ?? 10) });

let statements = 0;
let changes = 0;

interface Subject {
  version: number;
  policy_version: string | null;
  accepted_at: Date | null;
}
interface ChoiceRow {
  purpose_key: string;
  policy_version: string;
  granted: boolean;
  source: 'DEFAULT' | 'USER';
  decided_at: Date;
  carried_from: string | null;
  grant_not_carried_from: string | null;
}
interface PreferenceRow {
  business_id: string;
  blocked: boolean;
  transactional: boolean | null;
  marketing: boolean | null;
  updated_at: Date;
  policy_version: string | null;
}

const SQL = {
  lock: `with locked as (select pg_advisory_xact_lock(hashtextextended($1, 0)))
         insert into consent_subject (user_id, version, policy_version, accepted_at, updated_at)
         select $1::varchar, 0, null, null, $2::timestamptz from locked on conflict (user_id) do nothing`,
  subject: 'select version, policy_version, accepted_at from consent_subject where user_id = $1 for update',
  idempotency: 'select fingerprint, consent_version, user_errors, created_at from idempotency_record where user_id = $1 and key = $2',
  choices:
    'select purpose_key, policy_version, granted, source, decided_at, carried_from, grant_not_carried_from from consent_choice where user_id = $1 order by purpose_key',
  preferences:
    'select business_id, blocked, transactional, marketing, updated_at, policy_version from business_messaging_preference where user_id = $1 order by business_id',
  upsertChoice: `insert into consent_choice (user_id, purpose_key, policy_version, granted, source, decided_at, carried_from, grant_not_carried_from)
                 values ($1, $2, $3, $4, 'USER', $5, null, null)
                 on conflict (user_id, purpose_key) do update set policy_version = excluded.policy_version, granted = excluded.granted,
                   source = excluded.source, decided_at = excluded.decided_at, carried_from = null, grant_not_carried_from = null`,
  bump: 'update consent_subject set version = $2, updated_at = $3 where user_id = $1',
  upsertPreference: `insert into business_messaging_preference (user_id, business_id, blocked, transactional, marketing, updated_at, policy_version)
                     values ($1, $2, $3, $4, $5, $6, $7)
                     on conflict (user_id, business_id) do update set blocked = excluded.blocked, transactional = excluded.transactional,
                       marketing = excluded.marketing, updated_at = excluded.updated_at, policy_version = excluded.policy_version`,
  outcome: 'insert into consent_change_outcome (user_id, consent_version, decisions, businesses) values ($1, $2, $3, $4)',
  remember: `insert into idempotency_record (user_id, key, fingerprint, consent_version, user_errors, created_at)
             values ($1, $2, $3, $4, '[]', $5)`,
} as const;

async function run(client: pg.PoolClient, name: keyof typeof SQL, values: unknown[]): Promise<pg.QueryResult> {
  statements += 1;
  // Named: parsed and planned once per connection, as a hand-tuned service would.
  return client.query({ name, text: SQL[name], values });
}

const describeChoice = (granted: boolean, source: 'DEFAULT' | 'USER') =>
  `${source === 'DEFAULT' ? 'default:' : ''}${granted ? 'granted' : 'withdrawn'}`;

function stateOf(subject: Subject, rows: readonly ChoiceRow[]): ConsentState {
  if (subject.policy_version === null || subject.accepted_at === null) return { acceptance: null, choices: [], grantsNotCarried: [] };
  const own = rows.filter((r) => r.policy_version === subject.policy_version);
  return {
    acceptance: { policyVersion: subject.policy_version, acceptedAt: subject.accepted_at },
    choices: own
      .filter((r) => r.source === 'USER')
      .map((r) => ({ purposeKey: r.purpose_key, granted: r.granted, decidedAt: r.decided_at, carriedFrom: r.carried_from })),
    grantsNotCarried: own.flatMap((r) =>
      r.source === 'DEFAULT' && r.grant_not_carried_from !== null
        ? [{ purposeKey: r.purpose_key, grantedUnder: r.grant_not_carried_from }]
        : [],
    ),
  };
}

const preferenceOf = (r: PreferenceRow): BusinessPreference => ({
  businessId: r.business_id,
  blocked: r.blocked,
  transactional: r.transactional,
  marketing: r.marketing,
  updatedAt: r.updated_at,
  policyVersion: r.policy_version,
});

/**
 * The changes of one write: the choice upserted, each business whose
 * marketing grant a global withdrawal clears upserted, the version bumped,
 * one ledger event per change in one insert, and the decisions after it.
 */
async function record(
  client: pg.PoolClient,
  userId: string,
  subject: Subject,
  version: number,
  choiceRows: readonly ChoiceRow[],
  preferences: readonly BusinessPreference[],
  planned: readonly Change[],
  key: string,
  now: Date,
): Promise<void> {
  const requestId = randomUUID();
  const events: unknown[][] = [];
  const after = new Map(choiceRows.map((r) => [r.purpose_key, r]));
  const preferencesAfter = new Map(preferences.map((p) => [p.businessId, p]));
  for (const change of planned) {
    if (change.type === 'CHOICE_CHANGED') {
      await run(client, 'upsertChoice', [userId, change.purposeKey, change.policyVersion, change.granted, now]);
      after.set(change.purposeKey, {
        purpose_key: change.purposeKey,
        policy_version: change.policyVersion,
        granted: change.granted,
        source: 'USER',
        decided_at: now,
        carried_from: null,
        grant_not_carried_from: null,
      });
      const values = [describeChoice(change.previousGranted, change.previousSource), describeChoice(change.granted, 'USER')];
      events.push(['CHOICE_CHANGED', change.policyVersion, change.purposeKey, change.choiceGroup, null, null, ...values]);
    } else if (change.type === 'BUSINESS_PREFERENCE_CHANGED' && change.setting === 'MARKETING') {
      const current = preferencesAfter.get(change.businessId)!;
      const next = { ...current, marketing: change.value, updatedAt: now, policyVersion: subject.policy_version };
      preferencesAfter.set(change.businessId, next);
      await run(client, 'upsertPreference', [
        userId,
        change.businessId,
        next.blocked,
        next.transactional,
        next.marketing,
        now,
        next.policyVersion,
      ]);
      const values = [change.previous === null ? null : String(change.previous), change.value === null ? 'unset' : String(change.value)];
      events.push(['BUSINESS_PREFERENCE_CHANGED', subject.policy_version, null, null, change.businessId, 'MARKETING', ...values]);
    } else {
      throw new Error(`the floor records choice changes and what they clear, not ${change.type}`);
    }
  }
  await run(client, 'bump', [userId, version, now]);
  // One multi-row insert, as production's insertMany; named per row count, so each shape is planned once.
  const shared = events[0]!.length;
  const tail = Array.from({ length: 7 }, (_, j) => `$${events.length * shared + j + 1}`).join(', ');
  const rows = events.map((_, i) => `(${Array.from({ length: shared }, (_, j) => `$${i * shared + j + 1}`).join(', ')}, ${tail})`);
  statements += 1;
  await client.query({
    name: `event-${events.length}`,
    text: `insert into consent_event (type, policy_version, purpose_key, choice_group, business_id, setting, previous_value, new_value,
             consent_version, user_id, actor, channel, occurred_at, request_id, idempotency_key)
           values ${rows.join(', ')}`,
    values: [...events.flat(), version, userId, userId, 'SETTINGS', now, requestId, key],
  });
  const stateAfter = stateOf(subject, [...after.values()]);
  const outcome = changeOutcome({ accepted: policy, live: policy }, stateAfter, [...preferencesAfter.values()], planned.map(scopeOf));
  await run(client, 'outcome', [userId, version, JSON.stringify(outcome.decisions), JSON.stringify(outcome.businesses)]);
}

const scopeOf = (change: Change) => ({
  purposeKey: 'purposeKey' in change ? change.purposeKey : null,
  businessId: 'businessId' in change ? change.businessId : null,
});

/** One choice change, all of it or none of it; returns the version after the request. */
async function toggle(userId: string, purpose: string, granted: boolean, key: string, input: unknown): Promise<number> {
  const now = new Date();
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(['updateConsent', input]))
    .digest('hex');
  const client = await pool.connect();
  try {
    statements += 1;
    await client.query('begin');
    await run(client, 'lock', [userId, now]);
    const subject = (await run(client, 'subject', [userId])).rows[0] as Subject;
    const earlier = (await run(client, 'idempotency', [userId, key])).rows[0] as { consent_version: number } | undefined;
    if (earlier) {
      statements += 1;
      await client.query('commit');
      return earlier.consent_version;
    }
    const choiceRows = (await run(client, 'choices', [userId])).rows as ChoiceRow[];
    const preferences = ((await run(client, 'preferences', [userId])).rows as PreferenceRow[]).map(preferenceOf);
    const state = stateOf(subject, choiceRows);
    const plan = planChoiceUpdate(
      subject.policy_version === policy.version ? policy : null,
      state,
      [{ purpose, granted }],
      now,
      preferences,
    );
    if (!plan.ok) throw new Error(`refused: ${JSON.stringify(plan.errors)}`);
    const version = plan.changes.length > 0 ? subject.version + 1 : subject.version;
    if (plan.changes.length > 0) await record(client, userId, subject, version, choiceRows, preferences, plan.changes, key, now);
    await run(client, 'remember', [userId, key, fingerprint, version, now]);
    statements += 1;
    await client.query('commit');
    if (version > subject.version) changes += 1;
    return version;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

interface ToggleBody {
  variables: { input: { choices: [{ purpose: string; granted: boolean }]; idempotencyKey: string } };
}

const server = createServer((req, res) => {
  const answer = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  Promise.all([readBody(req), token ? jwtVerify(token, secret, { algorithms: ['HS256'] }) : Promise.reject(new Error('no token'))])
    .then(async ([raw, { payload }]) => {
      const { input } = (JSON.parse(raw) as ToggleBody).variables;
      const [choice] = input.choices;
      const version = await toggle(String(payload.sub), choice.purpose, choice.granted, input.idempotencyKey, input);
      answer(200, { data: { updateConsent: { consent: { version }, userErrors: [] } } });
    })
    .catch((error: unknown) => answer(500, { errors: [{ message: String(error) }] }));
});

reportToParent(await listenOnLoopback(server), {
  stats: () => ({ statements, changes }),
  reset: () => {
    statements = 0;
    changes = 0;
  },
  stop: () => pool.end(),
});
