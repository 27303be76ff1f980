import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { decodeFeedCursor, type FeedChange, type StoredDecision } from '../../domain/change-feed.js';
import { findPurpose } from '../../domain/policy.js';
import { requestError } from '../../errors.js';
import { FEED_PAGE_DEFAULT, FEED_PAGE_MAX, type ConsentFeed } from '../../services/consent-feed.js';
import type { PolicyCatalog } from '../../services/policy-catalog.js';
import { requireChangeFollower } from '../authorization.js';
import type { RequestContext } from '../context.js';
import {
  AcknowledgeConsentChangesInput,
  AcknowledgeConsentChangesPayload,
  ConsentChange,
  ConsentChangeConnection,
} from '../types/consent-change.type.js';
import type { ConsentEvent } from '../types/consent-event.type.js';
import type { DataSharingPurpose } from '../types/decision.type.js';
import { toUserErrors } from '../types/payload.type.js';

/** The change feed and its acknowledgements, adapted to the feed service. */
@Resolver(() => ConsentChange)
export class ConsentChangeResolver {
  constructor(
    private readonly catalog: PolicyCatalog,
    private readonly feed: ConsentFeed,
  ) {}

  @Query(() => ConsentChangeConnection, {
    description:
      'Every recorded change after a cursor, oldest first: never one skipped, each user’s in consentVersion order. Scope consent:read or consent:admin.',
  })
  async consentChanges(
    @Ctx() ctx: RequestContext,
    @Arg('after', () => String, { nullable: true, description: 'Continue after this cursor; from the first change when omitted.' })
    after?: string | null,
    @Arg('first', () => Int, { nullable: true, description: `Page size, 1 to ${FEED_PAGE_MAX}; default ${FEED_PAGE_DEFAULT}.` })
    first?: number | null,
  ): Promise<ConsentChangeConnection> {
    requireChangeFollower(ctx);
    const size = first ?? FEED_PAGE_DEFAULT;
    if (!Number.isInteger(size) || size < 1 || size > FEED_PAGE_MAX) {
      throw requestError('BAD_USER_INPUT', `first must be from 1 to ${FEED_PAGE_MAX}.`);
    }
    const position = after == null ? null : decodeFeedCursor(after);
    if (after != null && position === null) throw requestError('BAD_USER_INPUT', '`after` is not a cursor consentChanges issued.');
    const page = await this.feed.page(ctx.em(), position, size, ctx.now);
    // A version published on another instance may not have reached this one yet.
    await this.catalog.ensureKnown(
      page.changes.flatMap((c) => c.decisions.flatMap((d) => (d.policyVersion === null ? [] : [d.policyVersion]))),
    );
    const edges = page.changes.map((change) => ({ cursor: change.cursor, node: this.toChange(change) }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? after ?? null } };
  }

  @Mutation(() => AcknowledgeConsentChangesPayload, {
    description: 'A consumer records how far it has applied the feed. Scope consent:read or consent:admin.',
  })
  async acknowledgeConsentChanges(
    @Arg('input', () => AcknowledgeConsentChangesInput) input: AcknowledgeConsentChangesInput,
    @Ctx() ctx: RequestContext,
  ): Promise<AcknowledgeConsentChangesPayload> {
    const principal = requireChangeFollower(ctx);
    const outcome = await this.feed.acknowledge(ctx.em(), principal.subject, input.consumer, input.cursor, ctx.now);
    switch (outcome.kind) {
      case 'notOwner':
        throw requestError('FORBIDDEN', `Not allowed: the consumer "${input.consumer}" is acknowledged by another principal.`);
      case 'refused':
        return { consumer: null, cursor: null, acknowledgedAt: null, userErrors: toUserErrors(outcome.userErrors) };
      case 'acknowledged':
        return { consumer: outcome.consumer, cursor: outcome.cursor, acknowledgedAt: outcome.acknowledgedAt, userErrors: [] };
    }
  }

  private toChange(change: FeedChange): ConsentChange {
    const e = change.event;
    const event: ConsentEvent = {
      id: String(e.id),
      type: e.type as ConsentEvent['type'],
      purposeKey: e.purposeKey,
      choiceGroup: e.choiceGroup,
      businessId: e.businessId,
      setting: e.setting,
      previousValue: e.previousValue,
      newValue: e.newValue,
      policyVersion: e.policyVersion,
      carriedFrom: e.carriedFrom,
      actor: e.actor,
      channel: e.channel as ConsentEvent['channel'],
      occurredAt: e.occurredAt,
      requestId: e.requestId,
      idempotencyKey: e.idempotencyKey,
      consentVersion: e.consentVersion,
    };
    return {
      id: String(e.id),
      userId: e.userId,
      consentVersion: e.consentVersion,
      event,
      decisions: change.decisions.map((d) => this.toDecision(d)),
      businessMessaging: change.businessMessaging,
      occurredAt: e.occurredAt,
    };
  }

  private toDecision(d: StoredDecision): DataSharingPurpose {
    const policy = d.policyVersion === null ? undefined : this.catalog.get(d.policyVersion);
    const purpose = policy && findPurpose(policy, d.purposeKey);
    // Versions are immutable and never removed, so a decided purpose is always known.
    if (!purpose) throw new Error(`Purpose ${d.purposeKey} of policy ${d.policyVersion} is not in the catalog`);
    return {
      purpose: purpose as DataSharingPurpose['purpose'],
      recipient: d.recipient,
      dataCategories: d.dataCategories,
      allowed: d.allowed,
      reason: d.reason,
      policyVersion: d.policyVersion,
      decidedAt: d.decidedAt === null ? null : new Date(d.decidedAt),
      changeableUntil: d.changeableUntil === null ? null : new Date(d.changeableUntil),
    };
  }
}
