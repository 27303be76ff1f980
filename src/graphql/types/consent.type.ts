import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type {
  BusinessMessageCategory as CategoryValue,
  ChoiceSource as ChoiceSourceValue,
  DecisionReason as DecisionReasonValue,
} from '../../domain/decision.js';
import { DateTimeScalar } from '../scalars.js';
import { DecisionReason } from './decision.type.js';
import { Purpose } from './policy.type.js';

export const ChoiceSource = { DEFAULT: 'DEFAULT', USER: 'USER' } as const satisfies Record<ChoiceSourceValue, ChoiceSourceValue>;
registerEnumType(ChoiceSource, {
  name: 'ChoiceSource',
  description: 'Where an effective choice comes from. More sources (e.g. ADMIN, IMPORT) may be added.',
  valuesConfig: {
    DEFAULT: { description: 'The policy default: the user has not chosen.' },
    USER: { description: 'The user’s own explicit choice.' },
  },
});

export const BusinessMessageCategory = { TRANSACTIONAL: 'TRANSACTIONAL', MARKETING: 'MARKETING' } as const satisfies Record<
  CategoryValue,
  CategoryValue
>;
registerEnumType(BusinessMessageCategory, {
  name: 'BusinessMessageCategory',
  description: 'What kind of message a business sends.',
  valuesConfig: {
    TRANSACTIONAL: { description: 'Orders, transactions, appointments, delivery and shipping, flight status, receipts.' },
    MARKETING: { description: 'Product and service updates, offers.' },
  },
});

@ObjectType({ description: 'The user’s effective choice on one optional purpose of the policy they accepted.', simpleResolvers: true })
export class ConsentChoice {
  @Field(() => Purpose, { description: 'The purpose.' })
  purpose!: Purpose;

  @Field(() => Boolean, { description: 'The effective value: the user’s choice, else the default.' })
  granted!: boolean;

  @Field(() => ChoiceSource, { description: 'Whether the user chose or the default applies.' })
  source!: ChoiceSourceValue;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'When the user chose (a carried choice keeps its original date); null for defaults.',
  })
  decidedAt!: Date | null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'When the window to change it closes (counted from the acceptance of the version that governs); null if it never does.',
  })
  changeableUntil!: Date | null;

  @Field(() => String, {
    nullable: true,
    description: 'For a choice carried over from an earlier policy version: the version it was originally made under.',
  })
  carriedFrom!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'An earlier grant that was NOT carried into this version because the purpose changed materially (recipient, legal basis or data categories): the version it was made under. The default applies; ask the user again.',
  })
  grantNotCarriedFrom!: string | null;
}

@ObjectType({ description: 'What one business may send the user, with the user’s settings applied.', simpleResolvers: true })
export class BusinessMessagingPreference {
  @Field(() => ID, { description: 'The business.' })
  businessId!: string;

  @Field(() => Boolean, { description: 'Whether the user blocked this business entirely.' })
  blocked!: boolean;

  @Field(() => Boolean, { description: 'Effective: may this business send transactional messages?' })
  transactional!: boolean;

  @Field(() => DecisionReason, { description: 'Why transactional messages are allowed or not.' })
  transactionalReason!: DecisionReasonValue;

  @Field(() => Boolean, { description: 'Effective: may this business send marketing?' })
  marketing!: boolean;

  @Field(() => DecisionReason, { description: 'Why marketing is allowed or not.' })
  marketingReason!: DecisionReasonValue;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the user last changed a setting for this business; null if never.' })
  updatedAt!: Date | null;
}

@ObjectType({ description: 'A user’s consent: the policy they accepted, their choices and their history.', simpleResolvers: true })
export class Consent {
  @Field(() => Int, { description: 'Rises by one with every write that changed something (a group change is one).' })
  version!: number;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the user accepted the policy version that governs them.' })
  acceptedAt!: Date | null;

  @Field(() => Boolean, { description: 'A newer version is live and the user has not accepted it (true too if they accepted none).' })
  needsReconsent!: boolean;
}
