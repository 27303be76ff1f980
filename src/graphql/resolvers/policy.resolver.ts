import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { isDeepStrictEqual } from 'node:util';
import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Policy } from '../../domain/policy.js';
import { validatePolicyDraft, type PolicyDraft } from '../../domain/policy-validation.js';
import { insertPolicy } from '../../db/policy.repository.js';
import { inTransaction } from '../../db/transaction.js';
import type { PolicyCatalog } from '../../policy/policy-catalog.js';
import { requirePolicyPublisher } from '../authorization.js';
import type { RequestContext } from '../context.js';
import { PublishPrivacyPolicyInput } from '../types/inputs.js';
import { PublishPrivacyPolicyPayload } from '../types/payload.type.js';
import { PolicyStatus, type PolicyStatusValue, PrivacyPolicy } from '../types/policy.type.js';
import { toUserErrors } from './consent-mutation.resolver.js';

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
  };
}

const sameContent = (a: PolicyDraft, b: Policy) =>
  isDeepStrictEqual(
    { ...a, effectiveAt: a.effectiveAt.getTime() },
    { version: b.version, url: b.url, effectiveAt: b.effectiveAt.getTime(), purposes: b.purposes, prohibitions: b.prohibitions },
  );

@Resolver(() => PrivacyPolicy)
export class PolicyResolver {
  constructor(private readonly catalog: PolicyCatalog) {}

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
    const principal = requirePolicyPublisher(ctx);
    await this.catalog.refresh();
    const draft = toDraft(input);
    const existing = this.catalog.get(draft.version);
    if (existing && sameContent(draft, existing)) return { policy: existing, userErrors: [] };

    const errors = validatePolicyDraft(draft, this.catalog.all(), ctx.now);
    if (errors.length > 0) return { policy: null, userErrors: toUserErrors(errors) };
    const policy: Policy = { ...draft, publishedAt: ctx.now };
    try {
      await inTransaction(ctx.em, (tx) => insertPolicy(tx, policy, principal.subject));
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      return {
        policy: null,
        userErrors: toUserErrors([
          { code: 'POLICY_VERSION_EXISTS', message: `Policy version "${draft.version}" already exists.`, field: ['input', 'version'] },
        ]),
      };
    }
    this.catalog.add(policy);
    return { policy, userErrors: [] };
  }
}
