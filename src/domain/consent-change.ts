/**
 * What a requested change would do to a user's consent, decided before
 * anything is written: either a list of changes (each becomes one ledger
 * event) or the reasons it is refused. A refusal changes nothing, so errors
 * are collected for the whole request and no partial plan is ever returned.
 */
import type { UserErrorCode } from '../errors.js';
import { changeableUntil, findPurpose, isOptional, isWindowOpen, livePolicy, purposesControlledBy, type Policy } from './policy.js';
import { carryBusinessPreferences, carryChoices, type CarriedChange } from './carry-over.js';
import { BUSINESS_PURPOSE, effectiveChoice, type BusinessMessageCategory, type BusinessPreference, type ConsentState } from './decision.js';

export interface PlannedError {
  readonly code: UserErrorCode;
  readonly message: string;
  readonly field: readonly (string | number)[];
  readonly deadline?: Date;
}

/** How a change was made: on the acceptance screen, or later in settings. More may come (ADMIN, IMPORT). */
export const CONSENT_CHANNELS = ['ACCEPTANCE', 'SETTINGS'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

/** The kinds of ledger event; each planned change becomes one event of its type. */
export const CONSENT_EVENT_TYPES = [
  'POLICY_ACCEPTED',
  'CHOICE_CHANGED',
  'CHOICE_CARRIED',
  'GRANT_NOT_CARRIED',
  'BUSINESS_PREFERENCE_CHANGED',
  'BUSINESS_PREFERENCE_CARRIED',
  'BUSINESS_GRANT_NOT_CARRIED',
] as const;
export type ConsentEventType = (typeof CONSENT_EVENT_TYPES)[number];

export type Change =
  | { readonly type: 'POLICY_ACCEPTED'; readonly policyVersion: string; readonly previousVersion: string | null }
  | {
      readonly type: 'CHOICE_CHANGED';
      readonly policyVersion: string;
      readonly purposeKey: string;
      readonly choiceGroup: string | null;
      readonly previousGranted: boolean;
      readonly previousSource: 'DEFAULT' | 'USER';
      readonly granted: boolean;
    }
  | {
      readonly type: 'BUSINESS_PREFERENCE_CHANGED';
      readonly businessId: string;
      readonly setting: 'BLOCKED' | BusinessMessageCategory;
      readonly previous: boolean | null;
      /** null: the setting is cleared, and the policy (or the user's global choice) decides again. */
      readonly value: boolean | null;
    }
  | CarriedChange;

export type Plan =
  | { readonly ok: true; readonly changes: readonly Change[] }
  | { readonly ok: false; readonly errors: readonly PlannedError[] };

export interface ChoiceRequest {
  readonly purpose: string;
  readonly granted: boolean;
}

const refuse = (errors: PlannedError[]): Plan => ({ ok: false, errors });
const accept = (changes: Change[]): Plan => ({ ok: true, changes });

/**
 * Expands choices (purpose keys or choice-group keys) to per-purpose changes
 * under `policy`. `atAcceptance` lifts the change window: the box on the
 * acceptance screen is the first decision, whatever the window.
 */
function planChoices(
  policy: Policy,
  state: ConsentState,
  preferences: readonly BusinessPreference[],
  requests: readonly ChoiceRequest[],
  now: Date,
  atAcceptance: boolean,
  fieldPrefix: readonly (string | number)[],
): Plan {
  const errors: PlannedError[] = [];
  const request = (index: number) => requests[index]!.purpose;
  const wanted = new Map<string, { granted: boolean; index: number }>();

  requests.forEach((request, index) => {
    const field = [...fieldPrefix, index, 'purpose'];
    const members = purposesControlledBy(policy, request.purpose);
    if (members.length === 0) {
      errors.push({
        code: 'UNKNOWN_PURPOSE',
        message: `Policy ${policy.version} has no purpose or choice group "${request.purpose}".`,
        field,
      });
      return;
    }
    const fixed = members.find((p) => !isOptional(p));
    if (fixed) {
      errors.push({
        code: 'PURPOSE_NOT_OPTIONAL',
        message: `"${fixed.key}" is not optional under policy ${policy.version}: it cannot be granted or withdrawn.`,
        field,
      });
      return;
    }
    for (const member of members) {
      const earlier = wanted.get(member.key);
      if (earlier && earlier.granted !== request.granted) {
        errors.push({
          code: 'INVALID_INPUT',
          message: `Choices ${earlier.index} and ${index} contradict each other on "${member.key}".`,
          field,
        });
        return;
      }
      wanted.set(member.key, { granted: request.granted, index });
    }
  });
  if (errors.length > 0) return refuse(errors);

  const changes: Change[] = [];
  const closed = new Set<number>();
  for (const [key, { granted, index }] of wanted) {
    const purpose = findPurpose(policy, key)!;
    const current = effectiveChoice(purpose, state);
    // An explicit choice equal to the default is still recorded: it turns a
    // pre-ticked box into the user's own act, which is what consent evidence needs.
    if (current.source === 'USER' && current.granted === granted) continue;
    const acceptedAt = state.acceptance?.acceptedAt;
    if (!atAcceptance && acceptedAt && !isWindowOpen(purpose, acceptedAt, now)) {
      // One error per requested choice: a group's members share one deadline.
      if (closed.has(index)) continue;
      closed.add(index);
      const deadline = changeableUntil(purpose, acceptedAt)!;
      errors.push({
        code: 'CHANGE_WINDOW_CLOSED',
        message: `"${request(index)}" could be changed until ${deadline.toISOString()}.`,
        field: [...fieldPrefix, index, 'granted'],
        deadline,
      });
      continue;
    }
    changes.push({
      type: 'CHOICE_CHANGED',
      policyVersion: policy.version,
      purposeKey: key,
      choiceGroup: purpose.choiceGroup,
      previousGranted: current.granted,
      previousSource: current.source,
      granted,
    });
  }
  if (errors.length > 0) return refuse(errors);
  if (wanted.get(BUSINESS_PURPOSE.MARKETING)?.granted === false) changes.push(...clearMarketingGrants(preferences));
  return accept(changes);
}

/**
 * "Off for all businesses" means all of them: the global withdrawal clears
 * every per-business marketing grant, each a recorded change, even when the
 * withdrawal itself is already in force (it then clears the grants made
 * since). Blocks and per-business refusals are left as they are.
 */
function clearMarketingGrants(preferences: readonly BusinessPreference[]): Change[] {
  return preferences
    .filter((p) => p.marketing === true)
    .map((p) => ({ type: 'BUSINESS_PREFERENCE_CHANGED', businessId: p.businessId, setting: 'MARKETING', previous: true, value: null }));
}

export function planAcceptance(
  policies: readonly Policy[],
  state: ConsentState,
  version: string,
  choices: readonly ChoiceRequest[],
  now: Date,
  preferences: readonly BusinessPreference[] = [],
): Plan {
  const requested = policies.find((p) => p.version === version);
  if (!requested) {
    return refuse([{ code: 'UNKNOWN_POLICY_VERSION', message: `No policy version "${version}" exists.`, field: ['input', 'version'] }]);
  }
  const live = livePolicy(policies, now);
  if (!live || live.version !== version) {
    return refuse([
      {
        code: 'POLICY_NOT_LIVE',
        message: `Policy ${version} is not the live version${live ? `; ${live.version} is` : ''}.`,
        field: ['input', 'version'],
      },
    ]);
  }
  const previous = state.acceptance;
  if (previous?.policyVersion === version) {
    // Accepting again neither moves acceptedAt nor reopens a closed window.
    return planChoices(requested, state, preferences, choices, now, false, ['input', 'choices']);
  }
  // The choices on the acceptance screen are planned from the new version's
  // defaults and win over carried ones; their window counts from now.
  const fresh: ConsentState = { acceptance: { policyVersion: version, acceptedAt: now }, choices: [], grantsNotCarried: [] };
  const carriedPreferences = carryBusinessPreferences(policies, requested, preferences);
  const planned = planChoices(requested, fresh, afterCarry(preferences, carriedPreferences), choices, now, true, ['input', 'choices']);
  if (!planned.ok) return planned;
  const decidedNow = new Set(planned.changes.flatMap((c) => (c.type === 'CHOICE_CHANGED' ? [c.purposeKey] : [])));
  const earlier = previous ? policies.find((p) => p.version === previous.policyVersion) : undefined;
  // A grant carried and then cleared by a global withdrawal in the same acceptance is one change: the clearing.
  const cleared = new Set(planned.changes.flatMap((c) => (c.type === 'BUSINESS_PREFERENCE_CHANGED' ? [c.businessId] : [])));
  return accept([
    { type: 'POLICY_ACCEPTED', policyVersion: version, previousVersion: previous?.policyVersion ?? null },
    ...carryChoices(earlier, requested, state, decidedNow),
    ...carriedPreferences.filter(
      (c) => !(c.type === 'BUSINESS_PREFERENCE_CARRIED' && c.setting === 'MARKETING' && cleared.has(c.businessId)),
    ),
    ...planned.changes,
  ]);
}

/** The preferences as they stand once `carried` is applied: grants not carried are gone. */
function afterCarry(preferences: readonly BusinessPreference[], carried: readonly CarriedChange[]): BusinessPreference[] {
  const dropped = new Set(
    carried.flatMap((c) => (c.type === 'BUSINESS_GRANT_NOT_CARRIED' && c.setting === 'MARKETING' ? [c.businessId] : [])),
  );
  return preferences.map((p) => (dropped.has(p.businessId) ? { ...p, marketing: null } : p));
}

export function planChoiceUpdate(
  accepted: Policy | null,
  state: ConsentState,
  choices: readonly ChoiceRequest[],
  now: Date,
  preferences: readonly BusinessPreference[] = [],
): Plan {
  if (!accepted || !state.acceptance) {
    return refuse([
      { code: 'POLICY_NOT_ACCEPTED', message: 'Accept the privacy policy before changing choices under it.', field: ['input'] },
    ]);
  }
  return planChoices(accepted, state, preferences, choices, now, false, ['input', 'choices']);
}

export interface BusinessPreferenceRequest {
  readonly businessId: string;
  readonly category?: BusinessMessageCategory | null;
  readonly allowed?: boolean | null;
  readonly blocked?: boolean | null;
}

export const BUSINESS_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * `acceptedVersion` is the version the user accepted (null: none). Blocking
 * and refusing are always possible; allowing needs an accepted version,
 * because a per-business grant is bound to the version it is made under.
 */
export function planBusinessPreference(
  current: BusinessPreference | null,
  request: BusinessPreferenceRequest,
  acceptedVersion: string | null,
): Plan {
  const errors: PlannedError[] = [];
  if (!BUSINESS_ID_PATTERN.test(request.businessId)) {
    errors.push({
      code: 'INVALID_INPUT',
      message: 'businessId must be 1-128 letters, digits or ". _ : -", starting with a letter or digit.',
      field: ['input', 'businessId'],
    });
  }
  const hasCategory = request.category != null;
  const hasAllowed = request.allowed != null;
  if (hasCategory !== hasAllowed) {
    errors.push({
      code: 'INVALID_INPUT',
      message: 'category and allowed go together: name the category and whether it is allowed.',
      field: ['input', hasCategory ? 'allowed' : 'category'],
    });
  }
  if (!hasCategory && request.blocked == null) {
    errors.push({ code: 'INVALID_INPUT', message: 'Set a category with allowed, or blocked, or both.', field: ['input'] });
  }
  if (errors.length > 0) return refuse(errors);
  if (request.allowed === true && acceptedVersion === null) {
    return refuse([
      {
        code: 'POLICY_NOT_ACCEPTED',
        message: 'Accept the privacy policy before allowing messages from a business.',
        field: ['input', 'allowed'],
      },
    ]);
  }

  const changes: Change[] = [];
  const businessId = request.businessId;
  if (request.blocked != null && request.blocked !== (current?.blocked ?? false)) {
    changes.push({
      type: 'BUSINESS_PREFERENCE_CHANGED',
      businessId,
      setting: 'BLOCKED',
      previous: current?.blocked ?? false,
      value: request.blocked,
    });
  }
  if (request.category != null && request.allowed != null) {
    const previous = (request.category === 'TRANSACTIONAL' ? current?.transactional : current?.marketing) ?? null;
    if (previous !== request.allowed) {
      changes.push({ type: 'BUSINESS_PREFERENCE_CHANGED', businessId, setting: request.category, previous, value: request.allowed });
    }
  }
  return accept(changes);
}
