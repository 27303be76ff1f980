/**
 * Reads the ledger and the projection straight from the database and says
 * where they disagree: the projection must be what replaying the ledger
 * gives, each write must be whole (its events share one consent version and
 * the versions run 1, 2, 3… without a gap), and every acknowledged write
 * must be there.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { Acknowledged } from './consent-load.js';

type Row = Record<string, unknown>;

const bool = (value: unknown) => value === true || value === 1 || value === '1' || value === 'true';
const nullableBool = (value: unknown) => (value === null || value === undefined ? null : bool(value));

export async function ledgerProblems(orm: MikroORM, acknowledged: readonly Acknowledged[]): Promise<string[]> {
  const connection = orm.em.getConnection();
  const events = (await connection.execute(
    'select user_id, consent_version, type, purpose_key, business_id, setting, new_value, idempotency_key from consent_event order by id',
  )) as Row[];
  const subjects = (await connection.execute('select user_id, version, policy_version from consent_subject')) as Row[];
  const choices = (await connection.execute('select user_id, purpose_key, granted from consent_choice')) as Row[];
  const preferences = (await connection.execute(
    'select user_id, business_id, blocked, transactional, marketing from business_messaging_preference',
  )) as Row[];

  const problems: string[] = [];
  const users = new Set([...events, ...subjects].map((r) => String(r.user_id)));
  for (const user of users) {
    const own = events.filter((e) => e.user_id === user);
    const subject = subjects.find((s) => s.user_id === user);
    const versions = [...new Set(own.map((e) => Number(e.consent_version)))];
    const expected = versions.map((_, i) => i + 1);
    if (versions.join() !== expected.join()) problems.push(`${user}: ledger versions ${versions.join()} are not 1..${versions.length}`);
    if (Number(subject?.version ?? 0) !== versions.length) {
      problems.push(`${user}: projection at version ${subject?.version}, ledger at ${versions.length}`);
    }

    let policy: string | null = null;
    const granted = new Map<string, boolean>();
    const settings = new Map<string, { blocked: boolean; transactional: boolean | null; marketing: boolean | null }>();
    const keys = new Map<string, Set<number>>();
    for (const e of own) {
      if (e.idempotency_key != null) {
        const seen = keys.get(String(e.idempotency_key)) ?? new Set<number>();
        keys.set(String(e.idempotency_key), seen.add(Number(e.consent_version)));
      }
      const purpose = String(e.purpose_key);
      const business = String(e.business_id);
      switch (e.type) {
        case 'POLICY_ACCEPTED':
          policy = String(e.new_value);
          granted.clear();
          break;
        case 'CHOICE_CHANGED':
        case 'CHOICE_CARRIED':
        case 'GRANT_NOT_CARRIED':
          granted.set(purpose, e.new_value === 'granted' || e.new_value === 'default:granted');
          break;
        case 'BUSINESS_PREFERENCE_CHANGED':
        case 'BUSINESS_GRANT_NOT_CARRIED': {
          const current = settings.get(business) ?? { blocked: false, transactional: null, marketing: null };
          const value = e.new_value === 'unset' ? null : e.new_value === 'true';
          if (e.setting === 'BLOCKED') settings.set(business, { ...current, blocked: value === true });
          else settings.set(business, { ...current, [e.setting === 'TRANSACTIONAL' ? 'transactional' : 'marketing']: value });
          break;
        }
        case 'BUSINESS_PREFERENCE_CARRIED':
          break;
        default:
          problems.push(`${user}: event type ${e.type} is unknown to this check`);
      }
    }
    for (const [key, seen] of keys) if (seen.size > 1) problems.push(`${user}: idempotency key ${key} recorded by ${seen.size} writes`);
    if ((subject?.policy_version ?? null) !== policy)
      problems.push(`${user}: projection policy ${subject?.policy_version}, ledger ${policy}`);

    const projectedChoices = Object.fromEntries(
      choices.filter((c) => c.user_id === user).map((c) => [String(c.purpose_key), bool(c.granted)] as const),
    );
    if (
      JSON.stringify(projectedChoices, Object.keys(projectedChoices).sort()) !==
      JSON.stringify(Object.fromEntries(granted), [...granted.keys()].sort())
    ) {
      problems.push(
        `${user}: choices ${JSON.stringify(projectedChoices)} but the ledger gives ${JSON.stringify(Object.fromEntries(granted))}`,
      );
    }
    for (const p of preferences.filter((r) => r.user_id === user)) {
      const replayed = settings.get(String(p.business_id));
      const projected = { blocked: bool(p.blocked), transactional: nullableBool(p.transactional), marketing: nullableBool(p.marketing) };
      if (JSON.stringify(projected) !== JSON.stringify(replayed)) {
        problems.push(`${user}/${p.business_id}: preference ${JSON.stringify(projected)} but the ledger gives ${JSON.stringify(replayed)}`);
      }
    }
    const projectedBusinesses = preferences.filter((r) => r.user_id === user).length;
    if (projectedBusinesses !== settings.size)
      problems.push(`${user}: ${projectedBusinesses} business rows, ${settings.size} in the ledger`);
  }

  const recorded = new Set(events.map((e) => `${e.user_id} ${e.idempotency_key}`));
  for (const ack of acknowledged) {
    if (!recorded.has(`${ack.userId} ${ack.key}`)) problems.push(`${ack.userId}: acknowledged write ${ack.key} is not in the ledger`);
  }
  return problems;
}
