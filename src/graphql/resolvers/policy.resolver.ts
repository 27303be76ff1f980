import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Policy } from '../../domain/policy.js';
import type { PolicyDraft } from '../../domain/policy-validation.js';
import type { PolicyCatalog } from '../../services/policy-catalog.js';
import type { PolicyService } from '../../services/policy.service.js';
import { requirePolicyPublisher } from '../authorization.js';
import type { RequestContext } from '../context.js';
import { PublishPrivacyPolicyInput } from '../types/inputs.js';
import { PublishPrivacyPolicyPayload, toUserErrors } from '../types/payload.type.js';
import { PolicyStatus, type PolicyStatusValue, PrivacyPolicy } from '../types/policy.type.js';

function toDraft(input: PublishPrivacyPolicyInput): PolicyDraft {
  return {
    version: input.version,
    url: input.url ?? null,
    effectiveAt: input.effectiveAt,
    purposes: input.purposes.map((p) => ({
      key: p.key,
      title: p.title,
      description: p.description,
      recipient: p.recipient,
      dataCategories: [...p.dataCategories],
      legalBasis: p.legalBasis,
      control: p.control,
      defaultGranted: p.defaultGranted,
      changeWindowDays: p.changeWindowDays ?? null,
      choiceGroup: p.choiceGroup ?? null,
    })),
    prohibitions: (input.prohibitions ?? []).map((p) => ({ recipient: p.recipient ?? null, dataCategory: p.dataCategory })),
    recipients: input.recipients ?? null,
    dataCategories: input.dataCategories ?? null,
  };
}

@Resolver(() => PrivacyPolicy)
export class PolicyResolver {
  constructor(
    private readonly catalog: PolicyCatalog,
    private readonly policies: PolicyService,
  ) {}

  @Query(() => PrivacyPolicy, { nullable: true, description: 'A policy version; the one live now when version is omitted.' })
  async privacyPolicy(
    @Ctx() ctx: RequestContext,
    @Arg('version', () => String, { nullable: true, description: 'The version id.' }) version?: string | null,
  ): Promise<Policy | null> {
    if (version == null) return this.catalog.live(ctx.now) ?? null;
    if (!this.catalog.get(version)) await this.catalog.refresh();
    return this.catalog.get(version) ?? null;
  }

  @Query(() => [PrivacyPolicy], { description: 'Every published version, oldest first, scheduled ones included.' })
  privacyPolicies(): readonly Policy[] {
    return this.catalog.all();
  }

  @FieldResolver(() => PolicyStatus, { description: 'Whether this version is scheduled, live or superseded now.' })
  status(@Root() policy: Policy, @Ctx() ctx: RequestContext): PolicyStatusValue {
    if (policy.effectiveAt.getTime() > ctx.now.getTime()) return 'SCHEDULED';
    return this.catalog.live(ctx.now)?.version === policy.version ? 'LIVE' : 'SUPERSEDED';
  }

  @Mutation(() => PublishPrivacyPolicyPayload, {
    description:
      'Publish a new, immutable policy version (consent:admin). Users then need to re-consent once it is live. Repeating an identical publish returns the stored version.',
  })
  async publishPrivacyPolicy(
    @Arg('input', () => PublishPrivacyPolicyInput) input: PublishPrivacyPolicyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<PublishPrivacyPolicyPayload> {
    const { subject } = requirePolicyPublisher(ctx);
    const outcome = await this.policies.publish(ctx.em(), subject, toDraft(input), ctx.now);
    return { policy: outcome.policy, userErrors: toUserErrors(outcome.userErrors) };
  }
}
