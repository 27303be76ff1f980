/**
 * The decision engine: "may data of this user in this category go to this
 * recipient for this purpose, now?" A pure function of the policy versions,
 * the user's recorded state and the clock; see docs/domain.md, "How a
 * decision is made". Every answer carries its reason, never a bare boolean.
 */
import { changeableUntil, findPurpose, isOptional, isProhibited, type Policy, type Purpose } from './policy.js';

export type ChoiceSource = 'DEFAULT' | 'USER';

export type DecisionReason =
  | 'PROHIBITED'
  | 'POLICY_NOT_ACCEPTED'
  | 'NOT_IN_POLICY'
  | 'ESSENTIAL'
  | 'USER_GRANTED'
  | 'USER_WITHDRAWN'
  | 'DEFAULT_GRANTED'
  | 'DEFAULT_DENIED'
  | 'BUSINESS_BLOCKED';

/** A user's explicit choice on one purpose of the version they accepted. */
export interface RecordedChoice {
  readonly purposeKey: string;
  readonly granted: boolean;
  /** When the user made it; a carried choice keeps the date it was first made. */
  readonly decidedAt: Date;
  /** For a choice carried over from earlier versions: the version it was originally made under; else null. */
  readonly carriedFrom: string | null;
}

/**
 * An earlier grant that did not carry into the accepted version because its
 * purpose changed materially: the default applies, and the client may ask again.
 */
export interface GrantNotCarried {
  readonly purposeKey: string;
  /** The version the grant was originally made under. */
  readonly grantedUnder: string;
}

export interface Acceptance {
  readonly policyVersion: string;
  readonly acceptedAt: Date;
}

/** Everything recorded about one user that decisions depend on. */
export interface ConsentState {
  readonly acceptance: Acceptance | null;
  /** Choices bound to `acceptance.policyVersion` (made under it or carried into it); no other version's apply. */
  readonly choices: readonly RecordedChoice[];
  readonly grantsNotCarried: readonly GrantNotCarried[];
}

export interface Decision {
  readonly allowed: boolean;
  readonly reason: DecisionReason;
  /** The version that decided it: the accepted one, else the live one. */
  readonly policyVersion: string | null;
  /** When the deciding choice was made; null for defaults and rules. */
  readonly decidedAt: Date | null;
  readonly changeableUntil: Date | null;
}

/**
 * The policies a decision for one user needs: the version they accepted (it
 * governs) and the live one (it is what a user who accepted nothing is shown,
 * and its prohibitions, promises never to share, protect everyone from the
 * moment it goes live).
 */
export interface PolicyContext {
  readonly accepted: Policy | null;
  readonly live: Policy | null;
}

export function governingPolicy(ctx: PolicyContext): Policy | null {
  return ctx.accepted ?? ctx.live;
}

function prohibitedByAny(ctx: PolicyContext, recipient: string, category: string): boolean {
  return (
    (ctx.accepted !== null && isProhibited(ctx.accepted, recipient, category)) ||
    (ctx.live !== null && isProhibited(ctx.live, recipient, category))
  );
}

function rule(allowed: boolean, reason: DecisionReason, policyVersion: string | null): Decision {
  return { allowed, reason, policyVersion, decidedAt: null, changeableUntil: null };
}

/** The user's effective value for one optional purpose: their choice, else the default. */
export interface EffectiveChoice {
  readonly purpose: Purpose;
  readonly granted: boolean;
  readonly source: ChoiceSource;
  readonly decidedAt: Date | null;
  /** Counted from the acceptance of the version that governs, for carried choices too. */
  readonly changeableUntil: Date | null;
  readonly carriedFrom: string | null;
  readonly grantNotCarriedFrom: string | null;
}

export function effectiveChoice(purpose: Purpose, state: ConsentState): EffectiveChoice {
  const acceptedAt = state.acceptance?.acceptedAt ?? null;
  const until = acceptedAt ? changeableUntil(purpose, acceptedAt) : null;
  const choice = state.choices.find((c) => c.purposeKey === purpose.key);
  if (choice) {
    return {
      purpose,
      granted: choice.granted,
      source: 'USER',
      decidedAt: choice.decidedAt,
      changeableUntil: until,
      carriedFrom: choice.carriedFrom,
      grantNotCarriedFrom: null,
    };
  }
  const notCarried = state.grantsNotCarried.find((g) => g.purposeKey === purpose.key);
  return {
    purpose,
    granted: purpose.defaultGranted,
    source: 'DEFAULT',
    decidedAt: null,
    changeableUntil: until,
    carriedFrom: null,
    grantNotCarriedFrom: notCarried?.grantedUnder ?? null,
  };
}

/** One per optional purpose of the accepted version, in catalog order. */
export function effectiveChoices(policy: Policy, state: ConsentState): EffectiveChoice[] {
  return policy.purposes.filter(isOptional).map((p) => effectiveChoice(p, state));
}

/**
 * Decides `purpose` (of the governing policy) for `category`, or for every
 * category the purpose declares when `category` is omitted. Rules, in order:
 * prohibition, no acceptance, not in policy, essential, user choice, default.
 */
export function decidePurpose(ctx: PolicyContext, state: ConsentState, purpose: Purpose, category?: string): Decision {
  const version = governingPolicy(ctx)?.version ?? null;
  const categories = category === undefined ? purpose.dataCategories : [category];
  if (categories.some((c) => prohibitedByAny(ctx, purpose.recipient, c))) {
    return rule(false, 'PROHIBITED', version);
  }
  if (ctx.accepted === null || state.acceptance === null) {
    return rule(false, 'POLICY_NOT_ACCEPTED', version);
  }
  const own = findPurpose(ctx.accepted, purpose.key);
  if (own === undefined || !categories.every((c) => own.dataCategories.includes(c))) {
    return rule(false, 'NOT_IN_POLICY', version);
  }
  if (!isOptional(own)) {
    // A refusal carried from a version where the purpose was optional still
    // refuses: a new text cannot turn a withdrawal into an essential use.
    const carried = state.choices.find((c) => c.purposeKey === own.key);
    if (carried !== undefined && !carried.granted) {
      return { allowed: false, reason: 'USER_WITHDRAWN', policyVersion: version, decidedAt: carried.decidedAt, changeableUntil: null };
    }
    return rule(true, 'ESSENTIAL', version);
  }

  const choice = effectiveChoice(own, state);
  const reason: DecisionReason =
    choice.source === 'USER' ? (choice.granted ? 'USER_GRANTED' : 'USER_WITHDRAWN') : choice.granted ? 'DEFAULT_GRANTED' : 'DEFAULT_DENIED';
  return {
    allowed: choice.granted,
    reason,
    policyVersion: version,
    decidedAt: choice.decidedAt,
    changeableUntil: choice.changeableUntil,
  };
}

export interface PurposeFilter {
  readonly recipient?: string | null;
  readonly purpose?: string | null;
  readonly dataCategory?: string | null;
}

export interface PurposeDecision extends Decision {
  readonly purpose: Purpose;
  readonly recipient: string;
  /** The categories decided: the purpose's own, or the one asked about. */
  readonly dataCategories: readonly string[];
}

/**
 * One decision per purpose of the governing policy (the accepted version,
 * else the live one), narrowed by recipient and purpose key; with a data
 * category, each listed purpose is decided for that category.
 */
export function decideAll(ctx: PolicyContext, state: ConsentState, filter: PurposeFilter = {}): PurposeDecision[] {
  const policy = governingPolicy(ctx);
  if (policy === null) return [];
  const category = filter.dataCategory ?? undefined;
  return policy.purposes
    .filter((p) => (filter.recipient ?? p.recipient) === p.recipient)
    .filter((p) => (filter.purpose ?? p.key) === p.key)
    .map((purpose) =>
      purposeDecision(decidePurpose(ctx, state, purpose, category), purpose, category === undefined ? purpose.dataCategories : [category]),
    );
}

export interface SharingDecision extends Decision {
  readonly purpose: Purpose | null;
  readonly recipient: string;
  readonly dataCategory: string;
}

/*
 * Answers are built as one object literal each. Spreading a decision and
 * adding fields costs about half a microsecond per added property on Node 20
 * and gives every answer its own hidden class: on a 100-user _entities call
 * that was a tenth of the server's time (see BENCHMARKS.md).
 */
function purposeDecision(d: Decision, purpose: Purpose, dataCategories: readonly string[]): PurposeDecision {
  return {
    purpose,
    recipient: purpose.recipient,
    dataCategories,
    allowed: d.allowed,
    reason: d.reason,
    policyVersion: d.policyVersion,
    decidedAt: d.decidedAt,
    changeableUntil: d.changeableUntil,
  };
}

function sharingDecision(d: Decision, purpose: Purpose | null, recipient: string, dataCategory: string): SharingDecision {
  return {
    purpose,
    recipient,
    dataCategory,
    allowed: d.allowed,
    reason: d.reason,
    policyVersion: d.policyVersion,
    decidedAt: d.decidedAt,
    changeableUntil: d.changeableUntil,
  };
}

/**
 * "May category C go to recipient R at all?" (optionally: for purpose P).
 * Answers questions no purpose lists, such as phone numbers to advertisers.
 * Without a purpose, the first allowing purpose of R that uses C wins;
 * otherwise the first refusal explains why.
 */
export function decideSharing(
  ctx: PolicyContext,
  state: ConsentState,
  recipient: string,
  category: string,
  purposeKey?: string | null,
): SharingDecision {
  const policy = governingPolicy(ctx);
  const version = policy?.version ?? null;
  if (prohibitedByAny(ctx, recipient, category)) {
    return sharingDecision(rule(false, 'PROHIBITED', version), null, recipient, category);
  }
  if (policy === null || ctx.accepted === null || state.acceptance === null) {
    return sharingDecision(rule(false, 'POLICY_NOT_ACCEPTED', version), null, recipient, category);
  }
  const candidates = policy.purposes.filter(
    (p) => p.recipient === recipient && p.dataCategories.includes(category) && (purposeKey == null || p.key === purposeKey),
  );
  const decisions = candidates.map((purpose) =>
    sharingDecision(decidePurpose(ctx, state, purpose, category), purpose, recipient, category),
  );
  const allowing = decisions.find((d) => d.allowed);
  if (allowing) return allowing;
  if (decisions.length > 0) return decisions[0]!;
  return sharingDecision(rule(false, 'NOT_IN_POLICY', version), null, recipient, category);
}

export type BusinessMessageCategory = 'TRANSACTIONAL' | 'MARKETING';

/** The user's settings for one business; null fields were never set (or were cleared). */
export interface BusinessPreference {
  readonly businessId: string;
  readonly blocked: boolean;
  readonly transactional: boolean | null;
  readonly marketing: boolean | null;
  readonly updatedAt: Date | null;
  /**
   * The version the settings are bound to: the one accepted when they were
   * made, or the one they were carried into; null when made before any acceptance.
   */
  readonly policyVersion: string | null;
}

export const BUSINESS_PURPOSE: Record<BusinessMessageCategory, string> = {
  TRANSACTIONAL: 'business.transactional',
  MARKETING: 'business.marketing',
};

/**
 * May business B send category K to the user? Blocked denies everything.
 * The policy's hard gates come next (a per-business "yes" cannot create a
 * basis the policy lacks): prohibition, no acceptance, not in policy. Then
 * the user's choice for (B, K), then the decision for `business.K`.
 */
export function decideBusinessMessage(
  ctx: PolicyContext,
  state: ConsentState,
  preference: BusinessPreference | null,
  category: BusinessMessageCategory,
): Decision {
  const policy = governingPolicy(ctx);
  const version = policy?.version ?? null;
  if (preference?.blocked) {
    return { allowed: false, reason: 'BUSINESS_BLOCKED', policyVersion: version, decidedAt: preference.updatedAt, changeableUntil: null };
  }
  const purpose = policy ? findPurpose(policy, BUSINESS_PURPOSE[category]) : undefined;
  if (purpose === undefined) {
    return rule(false, state.acceptance ? 'NOT_IN_POLICY' : 'POLICY_NOT_ACCEPTED', version);
  }
  const general = decidePurpose(ctx, state, purpose);
  if (general.reason === 'PROHIBITED' || general.reason === 'POLICY_NOT_ACCEPTED' || general.reason === 'NOT_IN_POLICY') {
    return general;
  }
  const setting = category === 'TRANSACTIONAL' ? preference?.transactional : preference?.marketing;
  // A per-business refusal holds under any version; a grant only under the
  // version it is bound to (acceptance carries it only if business.K is unchanged).
  const own = setting === true && preference?.policyVersion !== state.acceptance?.policyVersion ? null : setting;
  if (own !== null && own !== undefined) {
    return {
      allowed: own,
      reason: own ? 'USER_GRANTED' : 'USER_WITHDRAWN',
      policyVersion: version,
      decidedAt: preference?.updatedAt ?? null,
      changeableUntil: null,
    };
  }
  return general;
}

/** A user who accepted an older version while a newer one is live must be asked again. */
export function needsReconsent(ctx: PolicyContext): boolean {
  if (ctx.live === null) return false;
  return ctx.accepted === null || ctx.accepted.version !== ctx.live.version;
}
