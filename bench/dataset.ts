/**
 * The benchmark's users and request bodies, generated from a seed so every
 * process (the seeder, the in-memory floors, the load generator) derives the
 * same data without shipping it around. The mix follows the brief: 60% kept
 * the defaults, 30% withdrew Facebook sharing on the acceptance screen, 10%
 * changed it later; some users set preferences for businesses.
 */
import type { Policy } from '../src/domain/policy.js';
import { WHATSAPP_2016 } from '../src/policies/bundled.js';

export const DEFAULT_SEED = 20_160_825;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** The policy every bench user accepted, as the decision engine sees it. */
export const BENCH_POLICY: Policy = WHATSAPP_2016;

const FACEBOOK_GROUP = 'facebook.account_sharing';
const FACEBOOK_PURPOSES = ['facebook.ads', 'facebook.friend_suggestions'] as const;
const MARKETING = 'business.marketing';

export interface BenchChoice {
  readonly purposeKey: string;
  readonly granted: boolean;
  readonly decidedAt: Date;
  readonly carriedFrom: null;
}

export interface BenchBusinessPreference {
  readonly businessId: string;
  readonly blocked: boolean;
  readonly transactional: boolean | null;
  readonly marketing: boolean | null;
  readonly updatedAt: Date;
  readonly policyVersion: string;
}

/** One ledger row, as the write path would have recorded it. */
export interface BenchEvent {
  readonly consentVersion: number;
  readonly type: 'POLICY_ACCEPTED' | 'CHOICE_CHANGED' | 'BUSINESS_PREFERENCE_CHANGED';
  readonly purposeKey: string | null;
  readonly choiceGroup: string | null;
  readonly businessId: string | null;
  readonly setting: string | null;
  readonly previousValue: string | null;
  readonly newValue: string;
  readonly channel: 'ACCEPTANCE' | 'SETTINGS';
  readonly occurredAt: Date;
}

export type BenchProfile = 'kept-default' | 'withdrew-at-acceptance' | 'changed-later';

export interface BenchUser {
  readonly id: string;
  readonly profile: BenchProfile;
  readonly acceptedAt: Date;
  /** Writes that changed something: `Consent.version`. */
  readonly version: number;
  readonly choices: readonly BenchChoice[];
  readonly businessPreferences: readonly BenchBusinessPreference[];
  readonly events: readonly BenchEvent[];
}

/** mulberry32: small, fast and good enough to draw a data set from a seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const userId = (index: number) => `bench-user-${String(index).padStart(6, '0')}`;

export function generateUsers(count: number, seed = DEFAULT_SEED): BenchUser[] {
  const next = random(seed);
  const users: BenchUser[] = [];
  const policyStart = BENCH_POLICY.effectiveAt.getTime();
  for (let index = 0; index < count; index++) {
    const acceptedAt = new Date(policyStart + Math.floor(next() * 180 * DAY_MS));
    const roll = next();
    const profile: BenchProfile = roll < 0.6 ? 'kept-default' : roll < 0.9 ? 'withdrew-at-acceptance' : 'changed-later';
    const choices = new Map<string, BenchChoice>();
    const events: BenchEvent[] = [];
    let version = 1;
    const event = (e: Partial<BenchEvent> & Pick<BenchEvent, 'type' | 'newValue' | 'occurredAt' | 'channel'>): void => {
      events.push({
        consentVersion: version,
        purposeKey: null,
        choiceGroup: null,
        businessId: null,
        setting: null,
        previousValue: null,
        ...e,
      });
    };
    event({ type: 'POLICY_ACCEPTED', newValue: BENCH_POLICY.version, occurredAt: acceptedAt, channel: 'ACCEPTANCE' });

    const choose = (purposeKey: string, group: string | null, granted: boolean, at: Date, channel: BenchEvent['channel']) => {
      const previous = choices.get(purposeKey);
      const previousValue = previous ? (previous.granted ? 'granted' : 'withdrawn') : 'default:granted';
      choices.set(purposeKey, { purposeKey, granted, decidedAt: at, carriedFrom: null });
      event({
        type: 'CHOICE_CHANGED',
        purposeKey,
        choiceGroup: group,
        previousValue,
        newValue: granted ? 'granted' : 'withdrawn',
        occurredAt: at,
        channel,
      });
    };
    if (profile === 'withdrew-at-acceptance') {
      for (const key of FACEBOOK_PURPOSES) choose(key, FACEBOOK_GROUP, false, acceptedAt, 'ACCEPTANCE');
      if (next() < 0.3) choose(MARKETING, null, false, acceptedAt, 'ACCEPTANCE');
    } else if (profile === 'changed-later') {
      // Within the 30-day window of the Facebook group; a few change their mind back.
      version += 1;
      const at = new Date(acceptedAt.getTime() + Math.floor(next() * 29 * DAY_MS));
      for (const key of FACEBOOK_PURPOSES) choose(key, FACEBOOK_GROUP, false, at, 'SETTINGS');
      if (next() < 0.2) {
        version += 1;
        const later = new Date(at.getTime() + 60_000);
        for (const key of FACEBOOK_PURPOSES) choose(key, FACEBOOK_GROUP, true, later, 'SETTINGS');
      }
      if (next() < 0.5) {
        version += 1;
        choose(MARKETING, null, false, new Date(at.getTime() + 120_000), 'SETTINGS');
      }
    }

    const businessPreferences: BenchBusinessPreference[] = [];
    if (next() < 0.2) {
      const count = 1 + Math.floor(next() * 3);
      const businesses = new Set<string>();
      while (businesses.size < count) businesses.add(`business-${String(Math.floor(next() * 200)).padStart(3, '0')}`);
      for (const businessId of [...businesses].sort()) {
        version += 1;
        const updatedAt = new Date(acceptedAt.getTime() + Math.floor(next() * 90 * DAY_MS));
        const blocked = next() < 0.25;
        const marketing = blocked ? null : next() >= 0.7;
        if (blocked) {
          event({
            type: 'BUSINESS_PREFERENCE_CHANGED',
            businessId,
            setting: 'BLOCKED',
            previousValue: 'false',
            newValue: 'true',
            occurredAt: updatedAt,
            channel: 'SETTINGS',
          });
        } else {
          event({
            type: 'BUSINESS_PREFERENCE_CHANGED',
            businessId,
            setting: 'MARKETING',
            newValue: String(marketing),
            occurredAt: updatedAt,
            channel: 'SETTINGS',
          });
        }
        businessPreferences.push({ businessId, blocked, transactional: null, marketing, updatedAt, policyVersion: BENCH_POLICY.version });
      }
    }
    users.push({ id: userId(index), profile, acceptedAt, version, choices: [...choices.values()], businessPreferences, events });
  }
  return users;
}

/** The ads graph's question: consent and the argument-less decisions, for a batch of users. */
export const ENTITIES_QUERY =
  'query ConsentForAds($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { consent { version needsReconsent choices { purpose { key } granted source } } dataSharingPurposes { purpose { key } allowed reason } } } }';

export const BATCH_SIZES = [1, 10, 100, 1000] as const;
export type BatchSize = (typeof BATCH_SIZES)[number];

/** Per batch size, `variants` different batches of distinct user ids drawn from the data set. */
export function userBatches(
  userCount: number,
  sizes: readonly number[],
  variants: number,
  seed = DEFAULT_SEED,
): Record<number, string[][]> {
  const next = random(seed ^ 0x5bd1e995);
  const result: Record<number, string[][]> = {};
  for (const size of sizes) {
    result[size] = [];
    for (let v = 0; v < variants; v++) {
      const ids = new Set<number>();
      while (ids.size < Math.min(size, userCount)) ids.add(Math.floor(next() * userCount));
      result[size].push([...ids].map(userId));
    }
  }
  return result;
}

/** Request bodies per batch size: `_entities` for each of userBatches' batches. */
export function entitiesBodies(
  userCount: number,
  sizes: readonly number[],
  variants: number,
  seed = DEFAULT_SEED,
): Record<number, string[]> {
  const batches = userBatches(userCount, sizes, variants, seed);
  return Object.fromEntries(
    Object.entries(batches).map(([size, list]) => [
      size,
      list.map((ids) =>
        JSON.stringify({ query: ENTITIES_QUERY, variables: { representations: ids.map((id) => ({ __typename: 'User', id })) } }),
      ),
    ]),
  );
}
