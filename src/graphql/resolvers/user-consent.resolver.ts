import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { decideAll, decideSharing } from '../../domain/decision.js';
import type { PolicyCatalog } from '../../services/policy-catalog.js';
import { requireConsentReader } from '../authorization.js';
import { toConsentView, type ConsentView } from '../consent-view.js';
import type { RequestContext } from '../context.js';
import { Consent } from '../types/consent.type.js';
import { DataSharingDecision, DataSharingPurpose } from '../types/decision.type.js';
import { User } from '../types/user.type.js';

/** The User fields that read the user's consent (through `view`): an `_entities` batch asking for one reads it first. */
export const FIELDS_READING_CONSENT: ReadonlySet<string> = new Set(['consent', 'dataSharingPurposes', 'dataSharingDecision']);

/** What this subgraph contributes to the shared User entity. */
@Resolver(() => User)
export class UserConsentResolver {
  constructor(private readonly catalog: PolicyCatalog) {}

  private async view(user: User, ctx: RequestContext): Promise<ConsentView> {
    requireConsentReader(ctx, user.id);
    return toConsentView(await ctx.loaders.consentByUserId.load(user.id), this.catalog, ctx.now);
  }

  @FieldResolver(() => Consent, { description: 'The policy the user accepted, their choices and their history.' })
  consent(@Root() user: User, @Ctx() ctx: RequestContext): Promise<ConsentView> {
    return this.view(user, ctx);
  }

  @FieldResolver(() => [DataSharingPurpose], {
    description:
      "One decision per purpose of the user's policy; filters narrow the list. Without arguments it is what other subgraphs @require; clients that also filter should alias the filtered selection.",
  })
  async dataSharingPurposes(
    @Root() user: User,
    @Ctx() ctx: RequestContext,
    @Arg('recipient', () => String, { nullable: true, description: 'Only purposes with this recipient, e.g. "facebook".' })
    recipient?: string | null,
    @Arg('purpose', () => String, { nullable: true, description: 'Only this purpose key.' })
    purpose?: string | null,
    @Arg('dataCategory', () => String, {
      nullable: true,
      description: 'Decide each purpose for this category: one it does not use is NOT_IN_POLICY, a prohibited one PROHIBITED.',
    })
    dataCategory?: string | null,
  ): Promise<DataSharingPurpose[]> {
    const view = await this.view(user, ctx);
    const decisions = decideAll(view.policies, view.state, { recipient, purpose, dataCategory });
    ctx.tally.countDecisions(decisions);
    return decisions;
  }

  @FieldResolver(() => DataSharingDecision, {
    description:
      "May this category of the user's data go to this recipient at all (optionally: for this purpose)? Answers questions no purpose lists, e.g. phone_number to advertisers.",
  })
  async dataSharingDecision(
    @Root() user: User,
    @Ctx() ctx: RequestContext,
    @Arg('recipient', () => String, { description: 'The recipient, e.g. "advertisers".' }) recipient: string,
    @Arg('dataCategory', () => String, { description: 'The data category, e.g. "phone_number".' }) dataCategory: string,
    @Arg('purpose', () => String, { nullable: true, description: 'Only this purpose key.' }) purpose?: string | null,
  ): Promise<DataSharingDecision> {
    const view = await this.view(user, ctx);
    const decision = decideSharing(view.policies, view.state, recipient, dataCategory, purpose);
    ctx.tally.countDecision(decision);
    return decision;
  }
}
