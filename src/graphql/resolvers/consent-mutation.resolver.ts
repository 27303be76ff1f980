import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { ConsentService, ConsentWriteOutcome, ConsentWriteRequest } from '../../services/consent.service.js';
import type { PolicyCatalog } from '../../services/policy-catalog.js';
import { requireConsentWriter } from '../authorization.js';
import { toConsentView } from '../consent-view.js';
import type { RequestContext } from '../context.js';
import { AcceptPrivacyPolicyInput, SetBusinessMessagingPreferenceInput, UpdateConsentInput } from '../types/inputs.js';
import { ConsentPayload, toUserErrors } from '../types/payload.type.js';

/** The three writes a user makes to their own consent, adapted to the consent service. */
@Resolver()
export class ConsentMutationResolver {
  constructor(
    private readonly catalog: PolicyCatalog,
    private readonly consents: ConsentService,
  ) {}

  /** Consent is written only for the token's own subject. */
  private writeRequest(ctx: RequestContext): ConsentWriteRequest {
    const { subject } = requireConsentWriter(ctx);
    return { userId: subject, actor: subject, requestId: ctx.requestId, now: ctx.now };
  }

  private async payload(ctx: RequestContext, request: ConsentWriteRequest, outcome: ConsentWriteOutcome): Promise<ConsentPayload> {
    // The write ran in its own transaction, outside this request's loaders: what it committed replaces anything
    // loaded before, and needs no second read (a refusal before the transaction is read afresh).
    ctx.loaders.consentByUserId.clear(request.userId);
    ctx.loaders.businessPreferencesByUserId.clear(request.userId);
    if (outcome.after) {
      ctx.loaders.consentByUserId.prime(request.userId, outcome.after.consent);
      ctx.loaders.businessPreferencesByUserId.prime(request.userId, outcome.after.businessPreferences);
    }
    const consent = toConsentView(await ctx.loaders.consentByUserId.load(request.userId), this.catalog, ctx.now);
    return {
      consent,
      userErrors: toUserErrors(outcome.userErrors),
      consentVersion: outcome.consentVersion,
      replayed: outcome.replayed,
    };
  }

  /** Runs one use case, counting its outcome for the request's metrics and log line. */
  private async counted(ctx: RequestContext, operation: string, write: Promise<ConsentWriteOutcome>): Promise<ConsentWriteOutcome> {
    try {
      const outcome = await write;
      ctx.tally.recordWrite(operation, outcome.outcome);
      return outcome;
    } catch (error) {
      ctx.tally.recordWrite(operation, 'failed');
      throw error;
    }
  }

  @Mutation(() => ConsentPayload, {
    description: 'Accept the live policy version as the signed-in user, with the choices made on the acceptance screen.',
  })
  async acceptPrivacyPolicy(
    @Arg('input', () => AcceptPrivacyPolicyInput) input: AcceptPrivacyPolicyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ConsentPayload> {
    const request = this.writeRequest(ctx);
    return this.payload(
      ctx,
      request,
      await this.counted(ctx, 'acceptPrivacyPolicy', this.consents.acceptPrivacyPolicy(ctx.em(), request, input)),
    );
  }

  @Mutation(() => ConsentPayload, {
    description: "Change the signed-in user's choices under the version they accepted; all or none are applied.",
  })
  async updateConsent(
    @Arg('input', () => UpdateConsentInput) input: UpdateConsentInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ConsentPayload> {
    const request = this.writeRequest(ctx);
    return this.payload(ctx, request, await this.counted(ctx, 'updateConsent', this.consents.updateConsent(ctx.em(), request, input)));
  }

  @Mutation(() => ConsentPayload, {
    description: 'Allow or refuse a category of messages from one business, or block or unblock it entirely.',
  })
  async setBusinessMessagingPreference(
    @Arg('input', () => SetBusinessMessagingPreferenceInput) input: SetBusinessMessagingPreferenceInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ConsentPayload> {
    const request = this.writeRequest(ctx);
    return this.payload(
      ctx,
      request,
      await this.counted(ctx, 'setBusinessMessagingPreference', this.consents.setBusinessMessagingPreference(ctx.em(), request, input)),
    );
  }
}
