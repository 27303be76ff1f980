/**
 * The change feed, for the systems that act on data: every recorded change
 * in feed order with the decisions right after it, and consumers'
 * acknowledgements of how far they have applied it. The GraphQL field and
 * the broker relay both read it through here.
 */
import type { EntityManager } from '@mikro-orm/core';
import {
  businessOutcome,
  CONSUMER_NAME,
  decisionScope,
  decisionsInScope,
  decodeFeedCursor,
  encodeFeedCursor,
  reviveBusinessOutcome,
  storeDecision,
  type BusinessOutcome,
  type FeedChange,
  type FeedPosition,
  type StoredDecision,
} from '../domain/change-feed.js';
import type { PlannedError } from '../domain/consent-change.js';
import type { BusinessPreference, PolicyContext } from '../domain/decision.js';
import type { DatabaseConfig } from '../config.js';
import { advanceConsumer, isServedPosition, loadConsumer, loadFeedPage, type FeedRow } from '../db/consent-feed.repository.js';
import { loadBusinessPreferences, loadConsents, NEVER_SEEN, type StoredConsent } from '../db/consent.repository.js';
import type { PolicyCatalog } from './policy-catalog.js';

export const FEED_PAGE_DEFAULT = 100;
export const FEED_PAGE_MAX = 500;

export interface FeedPage {
  readonly changes: readonly FeedChange[];
  readonly hasNextPage: boolean;
}

export type AcknowledgeOutcome =
  | { readonly kind: 'acknowledged'; readonly consumer: string; readonly cursor: string; readonly acknowledgedAt: Date }
  | { readonly kind: 'refused'; readonly userErrors: readonly PlannedError[] }
  /** The consumer name was first acknowledged by another principal. */
  | { readonly kind: 'notOwner' };

export class ConsentFeed {
  constructor(
    private readonly catalog: PolicyCatalog,
    private readonly dialect: DatabaseConfig['dialect'],
  ) {}

  /** Up to `first` changes after `after` (from the beginning when null), oldest first. */
  async page(em: EntityManager, after: FeedPosition | null, first: number, now: Date): Promise<FeedPage> {
    const page = await loadFeedPage(em, this.dialect, after, first);
    const current = await this.currentStateOfUnrecorded(em, page.rows);
    const changes = page.rows.map((row) => {
      const scope = decisionScope(row.event);
      const businessId = row.event.businessId;
      let decisions: readonly StoredDecision[];
      let businessMessaging: BusinessOutcome | null = null;
      if (row.outcome) {
        decisions = row.outcome.decisions.filter((d) => scope.kind === 'all' || (scope.kind === 'purpose' && d.purposeKey === scope.key));
        const stored = businessId === null ? undefined : row.outcome.businesses.find((b) => b.businessId === businessId);
        businessMessaging = stored ? reviveBusinessOutcome(stored) : null;
      } else {
        // Recorded before the feed kept outcomes: the user's decisions as of now stand in.
        const user = current.get(row.event.userId)!;
        const ctx = this.policyContext(user.consent, now);
        decisions = decisionsInScope(ctx, user.consent.state, scope).map(storeDecision);
        if (businessId !== null) {
          const own = user.preferences.find((p) => p.businessId === businessId) ?? null;
          businessMessaging = businessOutcome(ctx, user.consent.state, businessId, own);
        }
      }
      return { position: row.position, cursor: encodeFeedCursor(row.position), event: row.event, decisions, businessMessaging };
    });
    return { changes, hasNextPage: page.hasNextPage };
  }

  /** The policy versions a user's decisions depend on: the one they accepted, and the live one. */
  policyContext(consent: StoredConsent, now: Date): PolicyContext {
    const acceptance = consent.state.acceptance;
    return { accepted: acceptance ? (this.catalog.get(acceptance.policyVersion) ?? null) : null, live: this.catalog.live(now) ?? null };
  }

  private async currentStateOfUnrecorded(em: EntityManager, rows: readonly FeedRow[]) {
    const users = [...new Set(rows.filter((r) => r.outcome === null).map((r) => r.event.userId))];
    const current = new Map<string, { consent: StoredConsent; preferences: readonly BusinessPreference[] }>();
    if (users.length === 0) return current;
    const consents = await loadConsents(em, users);
    await this.catalog.ensureKnown([...consents.values()].flatMap((c) => (c.state.acceptance ? [c.state.acceptance.policyVersion] : [])));
    const withBusiness = [...new Set(rows.filter((r) => r.outcome === null && r.event.businessId !== null).map((r) => r.event.userId))];
    const preferences = withBusiness.length > 0 ? await loadBusinessPreferences(em, withBusiness) : new Map<string, BusinessPreference[]>();
    for (const userId of users) {
      current.set(userId, { consent: consents.get(userId) ?? NEVER_SEEN(userId), preferences: preferences.get(userId) ?? [] });
    }
    return current;
  }

  /**
   * Records that `consumer` has applied the feed up to `cursor`. The cursor
   * must be one the feed has served; acknowledgements only move forward, and
   * a consumer name belongs to the principal that first acknowledged with it.
   */
  async acknowledge(em: EntityManager, principal: string, consumer: string, cursor: string, now: Date): Promise<AcknowledgeOutcome> {
    const userErrors: PlannedError[] = [];
    if (!CONSUMER_NAME.test(consumer)) {
      userErrors.push({
        code: 'INVALID_INPUT',
        message: 'consumer must be 1 to 64 lower-case letters, digits or ". _ -", starting with a letter or digit.',
        field: ['input', 'consumer'],
      });
    }
    const position = decodeFeedCursor(cursor);
    if (position === null || !(await isServedPosition(em, this.dialect, position))) {
      userErrors.push({ code: 'INVALID_INPUT', message: 'cursor is not a cursor consentChanges has served.', field: ['input', 'cursor'] });
    }
    if (userErrors.length > 0 || position === null) return { kind: 'refused', userErrors };

    const existing = await loadConsumer(em, consumer);
    if (existing && existing.principal !== principal) return { kind: 'notOwner' };
    await advanceConsumer(em, consumer, principal, position, now);
    const current = (await loadConsumer(em, consumer))!;
    return { kind: 'acknowledged', consumer, cursor: encodeFeedCursor(current.position), acknowledgedAt: current.acknowledgedAt };
  }
}
