import { Field, ObjectType, registerEnumType } from 'type-graphql';
import type { DecisionReason as DecisionReasonValue } from '../../domain/decision.js';
import { DateTimeScalar } from '../scalars.js';
import { Purpose } from './policy.type.js';

export const DecisionReason = {
  PROHIBITED: 'PROHIBITED',
  POLICY_NOT_ACCEPTED: 'POLICY_NOT_ACCEPTED',
  NOT_IN_POLICY: 'NOT_IN_POLICY',
  ESSENTIAL: 'ESSENTIAL',
  USER_GRANTED: 'USER_GRANTED',
  USER_WITHDRAWN: 'USER_WITHDRAWN',
  DEFAULT_GRANTED: 'DEFAULT_GRANTED',
  DEFAULT_DENIED: 'DEFAULT_DENIED',
  BUSINESS_BLOCKED: 'BUSINESS_BLOCKED',
} as const satisfies Record<DecisionReasonValue, DecisionReasonValue>;

registerEnumType(DecisionReason, {
  name: 'DecisionReason',
  description: 'Which rule decided a data flow, checked in this order.',
  valuesConfig: {
    PROHIBITED: { description: 'The policy promises never to share this category with this recipient. Denied.' },
    POLICY_NOT_ACCEPTED: { description: 'The user has accepted no policy version. Denied.' },
    NOT_IN_POLICY: { description: 'The accepted policy has no such purpose, or the purpose does not use this category. Denied.' },
    ESSENTIAL: { description: 'An essential purpose (control NONE) that continues regardless of choices. Allowed.' },
    USER_GRANTED: { description: 'The user explicitly granted it. Allowed.' },
    USER_WITHDRAWN: { description: 'The user explicitly withdrew or refused it. Denied.' },
    DEFAULT_GRANTED: { description: 'The user did not choose; the policy default grants it. Allowed.' },
    DEFAULT_DENIED: { description: 'The user did not choose; the policy default denies it. Denied.' },
    BUSINESS_BLOCKED: { description: 'The user blocked this business: nothing from it. Denied.' },
  },
});

@ObjectType({ description: 'The decision on one purpose of the policy that governs the user.', simpleResolvers: true })
export class DataSharingPurpose {
  @Field(() => Purpose, { description: 'The purpose decided.' })
  purpose!: Purpose;

  @Field(() => String, { description: 'Who would receive the data.' })
  recipient!: string;

  @Field(() => [String], { description: 'The categories decided: the purpose’s own, or the one asked about.' })
  dataCategories!: readonly string[];

  @Field(() => Boolean, { description: 'Whether the data may go to the recipient for this purpose now.' })
  allowed!: boolean;

  @Field(() => DecisionReason, { description: 'The rule that decided.' })
  reason!: DecisionReasonValue;

  @Field(() => String, { nullable: true, description: 'The policy version that decided it.' })
  policyVersion!: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the deciding choice was made; null for defaults and rules.' })
  decidedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the window to change this choice closes; null if none applies.' })
  changeableUntil!: Date | null;
}

@ObjectType({
  description: 'Whether one data category may go to one recipient at all (optionally for one purpose).',
  simpleResolvers: true,
})
export class DataSharingDecision {
  @Field(() => Purpose, { nullable: true, description: 'The purpose that decided, if one did.' })
  purpose!: Purpose | null;

  @Field(() => String, { description: 'The recipient asked about.' })
  recipient!: string;

  @Field(() => String, { description: 'The data category asked about.' })
  dataCategory!: string;

  @Field(() => Boolean, { description: 'Whether the data may go there now.' })
  allowed!: boolean;

  @Field(() => DecisionReason, { description: 'The rule that decided.' })
  reason!: DecisionReasonValue;

  @Field(() => String, { nullable: true, description: 'The policy version that decided it.' })
  policyVersion!: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the deciding choice was made; null for defaults and rules.' })
  decidedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the window to change the deciding choice closes.' })
  changeableUntil!: Date | null;
}
