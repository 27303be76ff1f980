import { Arg, Ctx, FieldResolver, ID, Int, Resolver, Root } from 'type-graphql';
import { decideBusinessMessage, effectiveChoices, type BusinessPreference } from '../../domain/decision.js';
import { requestError } from '../../errors.js';
import type { ConsentEventRow } from '../../db/entities/consent-event.entity.js';
import { requireLedgerReader } from '../authorization.js';
import type { ConsentView } from '../consent-view.js';
import type { RequestContext } from '../context.js';
import { BusinessMessagingPreference, Consent, ConsentChoice } from '../types/consent.type.js';
import { ConsentEventConnection, type ConsentEvent } from '../types/consent-event.type.js';
import { PrivacyPolicy } from '../types/policy.type.js';

export const HISTORY_PAGE_MAX = 100;

const encodeCursor = (id: number) => Buffer.from(`consent-event:${id}`).toString('base64url');

function decodeCursor(cursor: string): number {
  const match = /^consent-event:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw requestError('BAD_USER_INPUT', '`after` is not a cursor this API issued.');
  return Number(match[1]);
}

function toEvent(row: ConsentEventRow): ConsentEvent {
  return {
    id: String(row.id),
    type: row.type as ConsentEvent['type'],
    purposeKey: row.purposeKey ?? null,
    choiceGroup: row.choiceGroup ?? null,
    businessId: row.businessId ?? null,
    setting: row.setting ?? null,
    previousValue: row.previousValue ?? null,
    carriedFrom: row.carriedFrom ?? null,
    newValue: row.newValue,
    policyVersion: row.policyVersion ?? null,
    actor: row.actor,
    channel: row.channel as ConsentEvent['channel'],
    occurredAt: row.occurredAt,
    requestId: row.requestId,
    idempotencyKey: row.idempotencyKey ?? null,
    consentVersion: row.consentVersion,
  };
}

@Resolver(() => Consent)
export class ConsentResolver {
  @FieldResolver(() => PrivacyPolicy, { nullable: true, description: 'The version the user accepted; null if none.' })
  policy(@Root() view: ConsentView): PrivacyPolicy | null {
    return view.policies.accepted as PrivacyPolicy | null;
  }

  @FieldResolver(() => [ConsentChoice], { description: 'One per optional purpose (control other than NONE) of the accepted version.' })
  choices(@Root() view: ConsentView): ConsentChoice[] {
    if (!view.policies.accepted) return [];
    return effectiveChoices(view.policies.accepted, view.state) as ConsentChoice[];
  }

  @FieldResolver(() => [BusinessMessagingPreference], {
    description:
      'With businessId: exactly one, the effective preference for that business, defaults included. Without: every business the user set.',
  })
  async businessMessaging(
    @Root() view: ConsentView,
    @Ctx() ctx: RequestContext,
    @Arg('businessId', () => ID, { nullable: true, description: 'The business to decide for.' }) businessId?: string | null,
  ): Promise<BusinessMessagingPreference[]> {
    const all = await ctx.loaders.businessPreferencesByUserId.load(view.userId);
    const decide = (businessId: string, own: BusinessPreference | null): BusinessMessagingPreference => {
      const transactional = decideBusinessMessage(view.policies, view.state, own, 'TRANSACTIONAL');
      const marketing = decideBusinessMessage(view.policies, view.state, own, 'MARKETING');
      ctx.tally.countDecision(transactional);
      ctx.tally.countDecision(marketing);
      return {
        businessId,
        blocked: own?.blocked ?? false,
        transactional: transactional.allowed,
        transactionalReason: transactional.reason,
        marketing: marketing.allowed,
        marketingReason: marketing.reason,
        updatedAt: own?.updatedAt ?? null,
      };
    };
    if (businessId != null) return [decide(businessId, all.find((p) => p.businessId === businessId) ?? null)];
    return all.map((p) => decide(p.businessId, p));
  }

  @FieldResolver(() => ConsentEventConnection, {
    description: 'The ledger of every acceptance and change, newest first. The user themself or the consent:admin scope.',
  })
  async history(
    @Root() view: ConsentView,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true, description: `Page size, 1 to ${HISTORY_PAGE_MAX}; default 20.` }) first?: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Continue after this cursor (pageInfo.endCursor).' })
    after?: string | null,
  ): Promise<ConsentEventConnection> {
    requireLedgerReader(ctx, view.userId);
    const size = first ?? 20;
    if (!Number.isInteger(size) || size < 1 || size > HISTORY_PAGE_MAX) {
      throw requestError('BAD_USER_INPUT', `first must be from 1 to ${HISTORY_PAGE_MAX}.`);
    }
    const page = await ctx.loaders.historyPageByUserId.load({
      userId: view.userId,
      first: size,
      beforeId: after ? decodeCursor(after) : null,
    });
    const edges = page.rows.map((row) => ({ cursor: encodeCursor(row.id), node: toEvent(row) }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}
