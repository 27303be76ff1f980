import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import {
  CONSENT_CHANNELS,
  CONSENT_EVENT_TYPES,
  type ConsentChannel as ConsentChannelValue,
  type ConsentEventType as ConsentEventTypeValue,
} from '../../domain/consent-change.js';
import { DateTimeScalar } from '../scalars.js';

export const ConsentEventType = Object.fromEntries(CONSENT_EVENT_TYPES.map((t) => [t, t])) as {
  [K in ConsentEventTypeValue]: K;
};
registerEnumType(ConsentEventType, {
  name: 'ConsentEventType',
  description: 'What a ledger event records.',
  valuesConfig: {
    POLICY_ACCEPTED: { description: 'The user accepted a policy version.' },
    CHOICE_CHANGED: { description: 'A choice on a purpose changed.' },
    CHOICE_CARRIED: { description: 'On accepting a newer version, a choice was carried to the purpose of the same key.' },
    GRANT_NOT_CARRIED: {
      description: 'On accepting a newer version, a grant was not carried because the purpose changed materially; the default applies.',
    },
    BUSINESS_PREFERENCE_CHANGED: { description: 'A setting for one business changed (newValue "unset": cleared).' },
    BUSINESS_PREFERENCE_CARRIED: { description: 'On accepting a newer version, a setting for one business was carried.' },
    BUSINESS_GRANT_NOT_CARRIED: {
      description: 'On accepting a newer version, a per-business grant was not carried because business.K changed materially.',
    },
  },
});

export const ConsentChannel = Object.fromEntries(CONSENT_CHANNELS.map((t) => [t, t])) as { [K in ConsentChannelValue]: K };
registerEnumType(ConsentChannel, {
  name: 'ConsentChannel',
  description: 'How a change was made. More channels (e.g. ADMIN, IMPORT) may be added.',
  valuesConfig: {
    ACCEPTANCE: { description: 'On the policy acceptance screen.' },
    SETTINGS: { description: 'Later, in the user’s settings.' },
  },
});

@ObjectType({ description: 'One entry of the append-only consent ledger.', simpleResolvers: true })
export class ConsentEvent {
  @Field(() => String, { description: 'Stable id of the event.' })
  id!: string;

  @Field(() => ConsentEventType, { description: 'What happened.' })
  type!: ConsentEventTypeValue;

  @Field(() => String, { nullable: true, description: 'The purpose, for CHOICE_CHANGED, CHOICE_CARRIED and GRANT_NOT_CARRIED.' })
  purposeKey!: string | null;

  @Field(() => String, { nullable: true, description: 'The choice group the change was made through, if any.' })
  choiceGroup!: string | null;

  @Field(() => String, { nullable: true, description: 'The business, for the BUSINESS_ events.' })
  businessId!: string | null;

  @Field(() => String, { nullable: true, description: 'The business setting changed: BLOCKED, TRANSACTIONAL or MARKETING.' })
  setting!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The value before: "granted"/"withdrawn" (prefixed "default:" when it was the default), "true"/"false", or the previous policy version. For a carry: the value under the earlier version.',
  })
  previousValue!: string | null;

  @Field(() => String, { description: 'The value after, in the same form; "unset" for a business setting that was cleared.' })
  newValue!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'For CHOICE_CARRIED and GRANT_NOT_CARRIED: the version the choice was originally made under; for business carries: the version the setting was bound to.',
  })
  carriedFrom!: string | null;

  @Field(() => String, { nullable: true, description: 'The policy version the change was made under.' })
  policyVersion!: string | null;

  @Field(() => String, { description: 'Who made the change: the token subject.' })
  actor!: string;

  @Field(() => ConsentChannel, { description: 'How the change was made.' })
  channel!: ConsentChannelValue;

  @Field(() => DateTimeScalar, { description: 'When it was recorded.' })
  occurredAt!: Date;

  @Field(() => String, { description: 'The request that made it (x-request-id, or one assigned by the service).' })
  requestId!: string;

  @Field(() => String, { nullable: true, description: 'The idempotency key the request carried.' })
  idempotencyKey!: string | null;

  @Field(() => Int, { description: 'The Consent.version this change produced; events of one write share it.' })
  consentVersion!: number;
}

@ObjectType({ description: 'A ledger event and its cursor.', simpleResolvers: true })
export class ConsentEventEdge {
  @Field(() => String, { description: 'Opaque cursor: pass it as `after` to continue after this event.' })
  cursor!: string;

  @Field(() => ConsentEvent, { description: 'The event.' })
  node!: ConsentEvent;
}

@ObjectType({ description: 'Relay page information.', simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean, { description: 'Whether older events follow.' })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge of this page.' })
  endCursor!: string | null;
}

@ObjectType({ description: 'A page of the consent ledger, newest first.', simpleResolvers: true })
export class ConsentEventConnection {
  @Field(() => [ConsentEventEdge], { description: 'The events of this page.' })
  edges!: ConsentEventEdge[];

  @Field(() => PageInfo, { description: 'Whether and where the ledger continues.' })
  pageInfo!: PageInfo;
}
