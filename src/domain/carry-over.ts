/**
 * What survives when a user accepts a newer policy version: a refusal
 * always, a grant only when the purpose is materially unchanged. A new text
 * is not a change of mind, so accepting a version never turns a refusal into
 * sharing (docs/domain.md, "Across policy versions: a refusal is never lost").
 * Pure: it plans ledger changes, the writer records them.
 */
import { BUSINESS_PURPOSE, type BusinessMessageCategory, type BusinessPreference, type ConsentState } from './decision.js';
import { findPurpose, isOptional, type Policy, type Purpose } from './policy.js';

/**
 * A grant given for `earlier` still holds for `later` only if the data goes
 * to the same recipient, on the same legal basis, and no category is added.
 * Titles, defaults and windows may change without asking again.
 */
export function isMateriallyUnchanged(earlier: Purpose, later: Purpose): boolean {
  return (
    earlier.recipient === later.recipient &&
    earlier.legalBasis === later.legalBasis &&
    later.dataCategories.every((c) => earlier.dataCategories.includes(c))
  );
}

export type CarriedChange =
  | {
      readonly type: 'CHOICE_CARRIED';
      readonly policyVersion: string;
      readonly purposeKey: string;
      readonly choiceGroup: string | null;
      readonly granted: boolean;
      /** The choice's original date and version, kept through every carry. */
      readonly decidedAt: Date;
      readonly carriedFrom: string;
    }
  | {
      readonly type: 'GRANT_NOT_CARRIED';
      readonly policyVersion: string;
      readonly purposeKey: string;
      readonly choiceGroup: string | null;
      readonly grantedUnder: string;
      /** The new version's default, which applies instead. */
      readonly defaultGranted: boolean;
    }
  | {
      readonly type: 'BUSINESS_PREFERENCE_CARRIED';
      readonly policyVersion: string;
      readonly businessId: string;
      readonly setting: 'BLOCKED' | BusinessMessageCategory;
      readonly value: boolean;
      /** The version the setting was bound to; null if made before any acceptance. */
      readonly carriedFrom: string | null;
    }
  | {
      readonly type: 'BUSINESS_GRANT_NOT_CARRIED';
      readonly policyVersion: string;
      readonly businessId: string;
      readonly setting: BusinessMessageCategory;
      readonly grantedUnder: string | null;
    };

/**
 * The purpose choices carried from the version the user accepted before
 * (`earlier`, undefined if unknown) into `next`, one change per choice.
 * Keys in `decidedNow` were chosen on the acceptance screen itself: those
 * choices win, so nothing is carried for them.
 *
 * A refusal whose purpose `next` dropped is carried too, inert while no
 * purpose has its key: should a later version bring the key back, the
 * refusal is still there rather than a default that shares.
 */
export function carryChoices(
  earlier: Policy | undefined,
  next: Policy,
  state: ConsentState,
  decidedNow: ReadonlySet<string>,
): CarriedChange[] {
  const previousVersion = state.acceptance?.policyVersion;
  if (previousVersion === undefined || previousVersion === next.version) return [];
  const changes: CarriedChange[] = [];
  for (const choice of state.choices) {
    if (decidedNow.has(choice.purposeKey)) continue;
    const target = findPurpose(next, choice.purposeKey);
    const carriedFrom = choice.carriedFrom ?? previousVersion;
    const carry = (): CarriedChange => ({
      type: 'CHOICE_CARRIED',
      policyVersion: next.version,
      purposeKey: choice.purposeKey,
      choiceGroup: target?.choiceGroup ?? null,
      granted: choice.granted,
      decidedAt: choice.decidedAt,
      carriedFrom,
    });
    if (!choice.granted) {
      changes.push(carry());
      continue;
    }
    // A grant needs somewhere to go: an optional purpose of the same key.
    if (target === undefined || !isOptional(target)) continue;
    const source = earlier ? findPurpose(earlier, choice.purposeKey) : undefined;
    if (source !== undefined && isMateriallyUnchanged(source, target)) {
      changes.push(carry());
    } else {
      changes.push({
        type: 'GRANT_NOT_CARRIED',
        policyVersion: next.version,
        purposeKey: choice.purposeKey,
        choiceGroup: target.choiceGroup,
        grantedUnder: carriedFrom,
        defaultGranted: target.defaultGranted,
      });
    }
  }
  return changes;
}

const CATEGORIES: readonly BusinessMessageCategory[] = ['TRANSACTIONAL', 'MARKETING'];

/**
 * Per-business settings follow the same two rules through `business.K`: a
 * block or a per-business "no" always carries; a per-business "yes" carries
 * only if `business.K` of the version it is bound to is materially unchanged
 * in `next`. `policies` finds the version each preference is bound to.
 */
export function carryBusinessPreferences(
  policies: readonly Policy[],
  next: Policy,
  preferences: readonly BusinessPreference[],
): CarriedChange[] {
  const changes: CarriedChange[] = [];
  for (const preference of preferences) {
    if (preference.policyVersion === next.version) continue;
    const bound = preference.policyVersion === null ? undefined : policies.find((p) => p.version === preference.policyVersion);
    const base = { policyVersion: next.version, businessId: preference.businessId } as const;
    if (preference.blocked) {
      changes.push({
        type: 'BUSINESS_PREFERENCE_CARRIED',
        ...base,
        setting: 'BLOCKED',
        value: true,
        carriedFrom: preference.policyVersion,
      });
    }
    for (const category of CATEGORIES) {
      const value = category === 'TRANSACTIONAL' ? preference.transactional : preference.marketing;
      if (value === null) continue;
      const key = BUSINESS_PURPOSE[category];
      const source = bound ? findPurpose(bound, key) : undefined;
      const target = findPurpose(next, key);
      if (!value || (source !== undefined && target !== undefined && isMateriallyUnchanged(source, target))) {
        changes.push({ type: 'BUSINESS_PREFERENCE_CARRIED', ...base, setting: category, value, carriedFrom: preference.policyVersion });
      } else {
        changes.push({ type: 'BUSINESS_GRANT_NOT_CARRIED', ...base, setting: category, grantedUnder: preference.policyVersion });
      }
    }
  }
  return changes;
}
