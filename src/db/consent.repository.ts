/**
 * Reads of users' consent, batched by user id: one statement per table for
 * any number of users. These are what the request loaders call.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { BusinessPreference, ConsentState } from '../domain/decision.js';
import { BusinessPreferenceEntity, type BusinessPreferenceRow } from './entities/business-preference.entity.js';
import { ConsentChoiceEntity, type ConsentChoiceRow } from './entities/consent-choice.entity.js';
import { ConsentEventEntity, type ConsentEventRow } from './entities/consent-event.entity.js';
import { ConsentSubjectEntity, type ConsentSubjectRow } from './entities/consent-subject.entity.js';

export interface StoredConsent {
  readonly userId: string;
  /** `Consent.version`: 0 for a user never written. */
  readonly version: number;
  readonly state: ConsentState;
}

// Reads bypass the identity map: they are plain snapshots, never flushed back.
const SNAPSHOT = { disableIdentityMap: true } as const;

/** The decision engine's view of one user's head row and current choices. */
export function toConsentState(subject: ConsentSubjectRow, choices: readonly ConsentChoiceRow[]): ConsentState {
  if (subject.policyVersion == null || subject.acceptedAt == null) return { acceptance: null, choices: [] };
  const policyVersion = subject.policyVersion;
  return {
    acceptance: { policyVersion, acceptedAt: subject.acceptedAt },
    choices: choices
      .filter((c) => c.userId === subject.userId && c.policyVersion === policyVersion)
      .map((c) => ({ purposeKey: c.purposeKey, granted: c.granted, decidedAt: c.decidedAt })),
  };
}

export function toBusinessPreference(row: BusinessPreferenceRow): BusinessPreference {
  return {
    businessId: row.businessId,
    blocked: row.blocked,
    transactional: row.transactional ?? null,
    marketing: row.marketing ?? null,
    updatedAt: row.updatedAt,
  };
}

export async function loadConsents(em: EntityManager, userIds: readonly string[]): Promise<Map<string, StoredConsent>> {
  const ids = [...userIds];
  const subjects = await em.find(ConsentSubjectEntity, { userId: { $in: ids } }, SNAPSHOT);
  const accepted = subjects.filter((s) => s.policyVersion != null).map((s) => s.userId);
  const choices = accepted.length > 0 ? await em.find(ConsentChoiceEntity, { userId: { $in: accepted } }, SNAPSHOT) : [];
  return new Map(
    subjects.map((subject) => [
      subject.userId,
      { userId: subject.userId, version: subject.version, state: toConsentState(subject, choices) },
    ]),
  );
}

export const NEVER_SEEN = (userId: string): StoredConsent => ({
  userId,
  version: 0,
  state: { acceptance: null, choices: [] },
});

export async function loadBusinessPreferences(em: EntityManager, userIds: readonly string[]): Promise<Map<string, BusinessPreference[]>> {
  const rows = await em.find(BusinessPreferenceEntity, { userId: { $in: [...userIds] } }, { ...SNAPSHOT, orderBy: { businessId: 'asc' } });
  const result = new Map<string, BusinessPreference[]>();
  for (const row of rows) {
    const list = result.get(row.userId) ?? [];
    list.push(toBusinessPreference(row));
    result.set(row.userId, list);
  }
  return result;
}

/** One page of a user's ledger, newest first, starting below `beforeId`; one extra row tells whether more follow. */
export async function loadHistoryPage(
  em: EntityManager,
  userId: string,
  first: number,
  beforeId: number | null,
): Promise<{ rows: ConsentEventRow[]; hasNextPage: boolean }> {
  const rows = await em.find(ConsentEventEntity, beforeId === null ? { userId } : { userId, id: { $lt: beforeId } }, {
    ...SNAPSHOT,
    orderBy: { id: 'desc' },
    limit: first + 1,
  });
  return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
}
