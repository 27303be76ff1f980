import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { PlannedError, Plan } from '../../domain/consent-change.js';
import { planAcceptance, planBusinessPreference, planChoiceUpdate } from '../../domain/consent-change.js';
import type { ConsentWriter, LockedState } from '../../consent/consent-writer.js';
import type { PolicyCatalog } from '../../policy/policy-catalog.js';
import { requireConsentWriter } from '../authorization.js';
import { toConsentView } from '../consent-view.js';
import type { RequestContext } from '../context.js';
import type { ConsentChannelValue } from '../types/consent-event.type.js';
import { AcceptPrivacyPolicyInput, SetBusinessMessagingPreferenceInput, UpdateConsentInput } from '../types/inputs.js';
import { ConsentPayload, type UserError } from '../types/payload.type.js';

const IDEMPOTENCY_KEY_MAX = 255;

export function toUserErrors(errors: readonly PlannedError[]): UserError[] {
  return errors.map((e) => ({
    code: e.code,
    message: e.message,
    field: e.field.map(String),
    deadline: e.deadline ?? null,
  }));
}

/** The three writes a user makes to their own consent. Each is one recorded transaction or nothing. */
@Resolver()
export class ConsentMutationResolver {
  constructor(
    private readonly catalog: PolicyCatalog,
    private readonly writer: ConsentWriter,
  ) {}

  private async write(
    ctx: RequestContext,
    operation: string,
    channel: ConsentChannelValue,
    input: { idempotencyKey?: string | null },
    plan: (locked: LockedState) => Plan,
    withBusinessPreferences = false,
  ): Promise<ConsentPayload> {
    const principal = requireConsentWriter(ctx);
    const userId = principal.subject;
    const key = input.idempotencyKey ?? null;
    let userErrors: UserError[];
    if (key !== null && (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX)) {
      userErrors = toUserErrors([
        {
          code: 'INVALID_INPUT',
          message: `idempotencyKey must be 1 to ${IDEMPOTENCY_KEY_MAX} characters.`,
          field: ['input', 'idempotencyKey'],
        },
      ]);
    } else {
      const result = await this.writer.write(
        ctx.em,
        { userId, actor: principal.subject, channel, requestId: ctx.requestId, idempotencyKey: key, now: ctx.now },
        operation,
        input,
        plan,
        { withBusinessPreferences },
      );
      userErrors = toUserErrors(result.userErrors);
    }
    // The write happened outside this request's loaders: read the state afresh.
    ctx.loaders.consentByUserId.clear(userId);
    ctx.loaders.businessPreferencesByUserId.clear(userId);
    const consent = toConsentView(await ctx.loaders.consentByUserId.load(userId), this.catalog, ctx.now);
    return { consent, userErrors };
  }

  @Mutation(() => ConsentPayload, {
    description: 'Accept the live policy version as the signed-in user, with the choices made on the acceptance screen.',
  })
  async acceptPrivacyPolicy(
    @Arg('input', () => AcceptPrivacyPolicyInput) input: AcceptPrivacyPolicyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ConsentPayload> {
    // A version published on another instance may not have reached this one yet.
    if (!this.catalog.get(input.version)) await this.catalog.refresh();
    return this.write(ctx, 'acceptPrivacyPolicy', 'ACCEPTANCE', input, ({ state }) =>
      planAcceptance(this.catalog.all(), state, input.version, input.choices ?? [], ctx.now),
    );
  }

  @Mutation(() => ConsentPayload, {
    description: "Change the signed-in user's choices under the version they accepted; all or none are applied.",
  })
  updateConsent(@Arg('input', () => UpdateConsentInput) input: UpdateConsentInput, @Ctx() ctx: RequestContext): Promise<ConsentPayload> {
    return this.write(ctx, 'updateConsent', 'SETTINGS', input, ({ state }) =>
      planChoiceUpdate(state.acceptance ? (this.catalog.get(state.acceptance.policyVersion) ?? null) : null, state, input.choices, ctx.now),
    );
  }

  @Mutation(() => ConsentPayload, {
    description: 'Allow or refuse a category of messages from one business, or block or unblock it entirely.',
  })
  setBusinessMessagingPreference(
    @Arg('input', () => SetBusinessMessagingPreferenceInput) input: SetBusinessMessagingPreferenceInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ConsentPayload> {
    return this.write(
      ctx,
      'setBusinessMessagingPreference',
      'SETTINGS',
      input,
      ({ businessPreferences }) =>
        planBusinessPreference(businessPreferences.find((p) => p.businessId === input.businessId) ?? null, input),
      true,
    );
  }
}
