/**
 * The privacy policy as the decision engine sees it: immutable versions, each
 * with its catalog of purposes and its prohibitions. Nothing here does I/O.
 */

export const LEGAL_BASES = ['CONSENT', 'LEGITIMATE_INTEREST', 'CONTRACT', 'LEGAL_OBLIGATION'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

export const PURPOSE_CONTROLS = ['WITHDRAW', 'OBJECT', 'NONE'] as const;
export type PurposeControl = (typeof PURPOSE_CONTROLS)[number];

export interface Purpose {
  readonly key: string;
  readonly title: string;
  readonly description: string;
  readonly recipient: string;
  readonly dataCategories: readonly string[];
  readonly legalBasis: LegalBasis;
  readonly control: PurposeControl;
  readonly defaultGranted: boolean;
  /** null: changeable any time; 0: decided at acceptance only. */
  readonly changeWindowDays: number | null;
  readonly choiceGroup: string | null;
}

export interface Prohibition {
  /** null: no recipient at all may receive the category. */
  readonly recipient: string | null;
  readonly dataCategory: string;
}

export interface Policy {
  readonly version: string;
  readonly publishedAt: Date;
  readonly effectiveAt: Date;
  readonly url: string | null;
  readonly purposes: readonly Purpose[];
  readonly prohibitions: readonly Prohibition[];
  /** The declared vocabulary: every recipient and data category its purposes and prohibitions may name. Only grows. */
  readonly recipients: readonly string[];
  readonly dataCategories: readonly string[];
}

export const DAY_MS = 24 * 60 * 60 * 1000;

export function isOptional(purpose: Purpose): boolean {
  return purpose.control !== 'NONE';
}

export function findPurpose(policy: Policy, key: string): Purpose | undefined {
  return policy.purposes.find((p) => p.key === key);
}

/** The purposes one choice for `keyOrGroup` controls: a group's members, or the single purpose. */
export function purposesControlledBy(policy: Policy, keyOrGroup: string): Purpose[] {
  const purpose = findPurpose(policy, keyOrGroup);
  const group = purpose ? purpose.choiceGroup : keyOrGroup;
  if (group === null) return purpose ? [purpose] : [];
  return policy.purposes.filter((p) => p.choiceGroup === group);
}

export function isProhibited(policy: Policy, recipient: string, dataCategory: string): boolean {
  return policy.prohibitions.some((p) => p.dataCategory === dataCategory && (p.recipient === null || p.recipient === recipient));
}

/** True when `p` keeps the promise `q`: the same category, to the same recipient or to everyone. */
export function covers(p: Prohibition, q: Prohibition): boolean {
  return p.dataCategory === q.dataCategory && (p.recipient === null || p.recipient === q.recipient);
}

/**
 * The order in which versions take effect: by effectiveAt, then by version id.
 * The database refuses two versions with one effectiveAt, so the second key
 * never decides in practice; it is there so that every instance would still
 * pick the same live version from any set of rows, whatever order they load in.
 */
export function compareByEffectiveAt(a: Pick<Policy, 'version' | 'effectiveAt'>, b: Pick<Policy, 'version' | 'effectiveAt'>): number {
  const byTime = a.effectiveAt.getTime() - b.effectiveAt.getTime();
  if (byTime !== 0) return byTime;
  return a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
}

/** The version live at `now`: the last, in `compareByEffectiveAt` order, whose effectiveAt has passed. */
export function livePolicy(policies: readonly Policy[], now: Date): Policy | undefined {
  let live: Policy | undefined;
  for (const policy of policies) {
    if (policy.effectiveAt.getTime() > now.getTime()) continue;
    if (!live || compareByEffectiveAt(policy, live) > 0) live = policy;
  }
  return live;
}

/** End of the window in which a choice on `purpose` may still change, or null if none applies. */
export function changeableUntil(purpose: Purpose, acceptedAt: Date): Date | null {
  if (!isOptional(purpose) || purpose.changeWindowDays === null) return null;
  return new Date(acceptedAt.getTime() + purpose.changeWindowDays * DAY_MS);
}

/**
 * The window is half-open, [acceptedAt, acceptedAt + days): at the deadline
 * itself it is closed, so "30 days" never means 30 days and a second.
 */
export function isWindowOpen(purpose: Purpose, acceptedAt: Date, now: Date): boolean {
  const deadline = changeableUntil(purpose, acceptedAt);
  return deadline === null || now.getTime() < deadline.getTime();
}
