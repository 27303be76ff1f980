/**
 * The change feed's pure rules: where a change sits in the feed and how
 * that position travels as an opaque cursor, which decisions a change
 * reports, and the flat message a change becomes on the broker.
 */
import {
  decideAll,
  decideBusinessMessage,
  type BusinessPreference,
  type ConsentState,
  type DecisionReason,
  type PolicyContext,
  type PurposeDecision,
} from './decision.js';

/**
 * A place in the feed. Changes are ordered by the id of the transaction
 * that recorded them, then by event id; a reader is only ever served
 * changes whose transaction is older than every transaction still running,
 * so nothing can later commit before a position it has passed.
 */
export interface FeedPosition {
  readonly txId: number;
  readonly eventId: number;
}

export function compareFeedPositions(a: FeedPosition, b: FeedPosition): number {
  return a.txId !== b.txId ? Math.sign(a.txId - b.txId) : Math.sign(a.eventId - b.eventId);
}

const CURSOR = /^change:(\d{1,16}):(\d{1,16})$/;

export function encodeFeedCursor(position: FeedPosition): string {
  return Buffer.from(`change:${position.txId}:${position.eventId}`).toString('base64url');
}

/** The position a cursor names, or null when the text is not a cursor the feed issues. */
export function decodeFeedCursor(cursor: string): FeedPosition | null {
  if (cursor.length === 0 || cursor.length > 64 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match) return null;
  const position = { txId: Number(match[1]), eventId: Number(match[2]) };
  if (!Number.isSafeInteger(position.txId) || !Number.isSafeInteger(position.eventId)) return null;
  // Only the canonical spelling: one position, one cursor.
  return encodeFeedCursor(position) === cursor ? position : null;
}

/** The ledger event a change reports, as recorded. */
export interface LedgerEvent {
  readonly id: number;
  readonly userId: string;
  readonly consentVersion: number;
  readonly type: string;
  readonly purposeKey: string | null;
  readonly choiceGroup: string | null;
  readonly businessId: string | null;
  readonly setting: string | null;
  readonly previousValue: string | null;
  readonly newValue: string;
  readonly policyVersion: string | null;
  /** For a carried choice or setting: the version it came from. */
  readonly carriedFrom: string | null;
  readonly actor: string;
  readonly channel: string;
  readonly occurredAt: Date;
  readonly requestId: string;
  readonly idempotencyKey: string | null;
}

/**
 * Which purposes a change touched, so which decisions it reports: the
 * purpose it names; none for a business setting (its `businessMessaging`
 * tells instead); every purpose for anything else (an acceptance).
 */
export type DecisionScope = { readonly kind: 'all' } | { readonly kind: 'purpose'; readonly key: string } | { readonly kind: 'none' };

export function decisionScope(event: Pick<LedgerEvent, 'purposeKey' | 'businessId'>): DecisionScope {
  if (event.purposeKey !== null) return { kind: 'purpose', key: event.purposeKey };
  if (event.businessId !== null) return { kind: 'none' };
  return { kind: 'all' };
}

/** A decision as the feed stores it: the purpose by key, the rest as decided. */
export interface StoredDecision {
  readonly purposeKey: string;
  readonly recipient: string;
  readonly dataCategories: readonly string[];
  readonly allowed: boolean;
  readonly reason: DecisionReason;
  readonly policyVersion: string | null;
  readonly decidedAt: string | null;
  readonly changeableUntil: string | null;
}

/** One business's effective messaging preference right after a change. */
export interface BusinessOutcome {
  readonly businessId: string;
  readonly blocked: boolean;
  readonly transactional: boolean;
  readonly transactionalReason: DecisionReason;
  readonly marketing: boolean;
  readonly marketingReason: DecisionReason;
  readonly updatedAt: Date | null;
}

export type StoredBusinessOutcome = Omit<BusinessOutcome, 'updatedAt'> & { readonly updatedAt: string | null };

export function storeDecision(d: PurposeDecision): StoredDecision {
  return {
    purposeKey: d.purpose.key,
    recipient: d.recipient,
    dataCategories: d.dataCategories,
    allowed: d.allowed,
    reason: d.reason,
    policyVersion: d.policyVersion,
    decidedAt: d.decidedAt?.toISOString() ?? null,
    changeableUntil: d.changeableUntil?.toISOString() ?? null,
  };
}

export function storeBusinessOutcome(b: BusinessOutcome): StoredBusinessOutcome {
  return { ...b, updatedAt: b.updatedAt?.toISOString() ?? null };
}

export function reviveBusinessOutcome(b: StoredBusinessOutcome): BusinessOutcome {
  return { ...b, updatedAt: b.updatedAt === null ? null : new Date(b.updatedAt) };
}

/** The decisions a change reports, from the user's state right after it. */
export function decisionsInScope(ctx: PolicyContext, state: ConsentState, scope: DecisionScope): PurposeDecision[] {
  if (scope.kind === 'none') return [];
  return decideAll(ctx, state, scope.kind === 'purpose' ? { purpose: scope.key } : {});
}

/** What one business may send the user: their settings for it applied to the policy. */
export function businessOutcome(
  ctx: PolicyContext,
  state: ConsentState,
  businessId: string,
  own: BusinessPreference | null,
): BusinessOutcome {
  const transactional = decideBusinessMessage(ctx, state, own, 'TRANSACTIONAL');
  const marketing = decideBusinessMessage(ctx, state, own, 'MARKETING');
  return {
    businessId,
    blocked: own?.blocked ?? false,
    transactional: transactional.allowed,
    transactionalReason: transactional.reason,
    marketing: marketing.allowed,
    marketingReason: marketing.reason,
    updatedAt: own?.updatedAt ?? null,
  };
}

/**
 * What one write leaves for the feed: the decisions right after it for the
 * purposes its events touched (all of them if one touched everything), and
 * the effective preference of each business its events name. Computed in
 * the write's own transaction from the state it has just written.
 */
export function changeOutcome(
  ctx: PolicyContext,
  state: ConsentState,
  preferences: readonly BusinessPreference[],
  events: readonly Pick<LedgerEvent, 'purposeKey' | 'businessId'>[],
): { decisions: StoredDecision[]; businesses: StoredBusinessOutcome[] } {
  const scopes = events.map(decisionScope);
  const purposes = new Set(scopes.flatMap((s) => (s.kind === 'purpose' ? [s.key] : [])));
  const all = scopes.some((s) => s.kind === 'all');
  const decisions = all || purposes.size > 0 ? decideAll(ctx, state).filter((d) => all || purposes.has(d.purpose.key)) : [];
  const businessIds = [...new Set(events.flatMap((e) => (e.businessId === null ? [] : [e.businessId])))];
  return {
    decisions: decisions.map(storeDecision),
    businesses: businessIds.map((id) =>
      storeBusinessOutcome(businessOutcome(ctx, state, id, preferences.find((p) => p.businessId === id) ?? null)),
    ),
  };
}

/** A change as the feed serves it. */
export interface FeedChange {
  readonly position: FeedPosition;
  readonly cursor: string;
  readonly event: LedgerEvent;
  /** Right after the change, for the purposes it touched. */
  readonly decisions: readonly StoredDecision[];
  /** For a business setting: that business's effective preference right after it. */
  readonly businessMessaging: BusinessOutcome | null;
}

/**
 * The flat JSON body a change is published with (docs/contract.md,
 * "Following changes"): consumers of the stream need no follow-up query.
 */
export interface ChangeMessage {
  readonly id: string;
  readonly cursor: string;
  readonly userId: string;
  readonly consentVersion: number;
  readonly type: string;
  readonly purposeKey: string | null;
  readonly choiceGroup: string | null;
  readonly businessId: string | null;
  readonly setting: string | null;
  readonly previousValue: string | null;
  readonly newValue: string;
  readonly policyVersion: string | null;
  readonly actor: string;
  readonly channel: string;
  readonly occurredAt: string;
  readonly decisions: readonly { purposeKey: string; recipient: string; allowed: boolean; reason: DecisionReason }[];
  readonly businessMessaging: { businessId: string; blocked: boolean; transactional: boolean; marketing: boolean } | null;
}

export function toChangeMessage(change: FeedChange): ChangeMessage {
  const e = change.event;
  const b = change.businessMessaging;
  return {
    id: String(e.id),
    cursor: change.cursor,
    userId: e.userId,
    consentVersion: e.consentVersion,
    type: e.type,
    purposeKey: e.purposeKey,
    choiceGroup: e.choiceGroup,
    businessId: e.businessId,
    setting: e.setting,
    previousValue: e.previousValue,
    newValue: e.newValue,
    policyVersion: e.policyVersion,
    actor: e.actor,
    channel: e.channel,
    occurredAt: e.occurredAt.toISOString(),
    decisions: change.decisions.map((d) => ({ purposeKey: d.purposeKey, recipient: d.recipient, allowed: d.allowed, reason: d.reason })),
    businessMessaging: b && { businessId: b.businessId, blocked: b.blocked, transactional: b.transactional, marketing: b.marketing },
  };
}

/** `consent.changes.choice_changed`: one subject per event type, so consumers can filter. */
export function changeSubject(prefix: string, type: string): string {
  return `${prefix}.${type.toLowerCase()}`;
}

/** Consumer names: short, stable, safe in logs and URLs. */
export const CONSUMER_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
