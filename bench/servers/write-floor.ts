/**
 * The write floor: the durable work of one `updateConsent` on PostgreSQL,
 * and nothing else, behind a bare node:http front. The same transaction
 * the production writer runs, statement for statement (BEGIN; the user's
 * lock; one read of everything the planner needs; one statement writing
 * the choices, version, ledger events, whose trigger fills the feed/outbox,
 * outcome and idempotency record; COMMIT), and the same pure planner and
 * write-set builder, issued through the raw `pg` driver with prepared
 * statements. What it leaves out is the stack: Apollo Server,
 * type-graphql, MikroORM and knex, DataLoader, logging and metrics.
 *
 * It verifies the bearer token (jose, HS256) as production does: a write
 * without an authenticated user is not the same work. It answers the load
 * generator's Toggle mutation with the shape production returns.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { jwtVerify } from 'jose';
import pg from 'pg';
import { toBusinessPreference, toConsentState } from '../../src/db/consent.repository.js';
import { lockedRowsOf, POSTGRES_WRITE_STATEMENTS, postgresWriteParams } from '../../src/db/consent-write.repository.js';
import { type ChoiceRequest, planChoiceUpdate } from '../../src/domain/consent-change.js';
import type { Policy } from '../../src/domain/policy.js';
import whatsapp2016 from '../../src/policies/2016-08-25.json' with { type: 'json' };
import { policyFromDocument } from '../../src/policies/bundled.js';
import { numberedPlaceholders } from '../../src/db/prepared-reads.js';
import { NOTHING_CHANGED, writeSetOf } from '../../src/services/consent-writer.js';
import { listenOnLoopback, readBody, reportToParent } from './child.js';

const policy: Policy = policyFromDocument(whatsapp2016);
const secret = new TextEncoder().encode(process.env.JWT_SECRET ?? '');
// The production pool's default size, so both hold the same number of PostgreSQL backends.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX ?? 10) });

let statements = 0;
let changes = 0;

// Production's statements, with pg's numbered placeholders instead of knex's.
const SQL = {
  lock: numberedPlaceholders(POSTGRES_WRITE_STATEMENTS.lock),
  read: numberedPlaceholders(POSTGRES_WRITE_STATEMENTS.read),
  write: numberedPlaceholders(POSTGRES_WRITE_STATEMENTS.write),
} as const;

async function run(client: pg.PoolClient, name: keyof typeof SQL, values: unknown[]): Promise<pg.QueryResult> {
  statements += 1;
  // Named: parsed and planned once per connection, as a hand-tuned service would (knex cannot).
  return client.query({ name, text: SQL[name], values });
}

/** One `updateConsent`, all of it or none of it; returns the version after the request. */
async function update(userId: string, choices: readonly ChoiceRequest[], key: string, input: unknown): Promise<number> {
  const now = new Date();
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(['updateConsent', input]))
    .digest('hex');
  const client = await pool.connect();
  try {
    statements += 1;
    await client.query('begin');
    await run(client, 'lock', [userId, userId, now]);
    const locked = lockedRowsOf((await run(client, 'read', [key, userId])).rows[0], userId);
    if (locked.earlier) {
      statements += 1;
      await client.query('commit');
      return locked.earlier.consentVersion;
    }
    const state = toConsentState(locked.subject, locked.choices);
    const preferences = locked.preferences.map(toBusinessPreference);
    const plan = planChoiceUpdate(locked.subject.policyVersion === policy.version ? policy : null, state, choices, now, preferences);
    if (!plan.ok) throw new Error(`refused: ${JSON.stringify(plan.errors)}`);
    const version = plan.changes.length > 0 ? locked.subject.version + 1 : locked.subject.version;
    const ctx = { userId, actor: userId, channel: 'SETTINGS' as const, requestId: randomUUID(), idempotencyKey: key, now };
    const recorded =
      plan.changes.length > 0
        ? writeSetOf({ ...locked.subject, version }, locked, plan.changes, ctx, { accepted: policy, live: policy })
        : null;
    const idempotency = { key, fingerprint, consentVersion: version, userErrors: [], createdAt: now };
    await run(client, 'write', postgresWriteParams({ ...(recorded?.set ?? { ...NOTHING_CHANGED, userId, now }), idempotency }));
    statements += 1;
    await client.query('commit');
    if (recorded) changes += 1;
    return version;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

interface ToggleBody {
  variables: { input: { choices: ChoiceRequest[]; idempotencyKey: string } };
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
      const version = await update(String(payload.sub), input.choices, input.idempotencyKey, input);
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
