import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '../scalars.js';
import { BusinessMessagingPreference } from './consent.type.js';
import { ConsentEvent, PageInfo } from './consent-event.type.js';
import { DataSharingPurpose } from './decision.type.js';
import { UserError } from './payload.type.js';

@ObjectType({ description: 'One recorded change, with what it means for the data right after it.', simpleResolvers: true })
export class ConsentChange {
  @Field(() => ID, { description: "The ledger event's id: stable, the consumer's key for discarding duplicates." })
  id!: string;

  @Field(() => ID, { description: 'The user whose consent changed.' })
  userId!: string;

  @Field(() => Int, { description: "The user's Consent.version this change produced; one user's changes arrive in this order." })
  consentVersion!: number;

  @Field(() => ConsentEvent, { description: 'The ledger event, as recorded.' })
  event!: ConsentEvent;

  @Field(() => [DataSharingPurpose], {
    description:
      'The decisions right after this change, for every purpose it touched: the purpose it names, or every purpose for an acceptance; none for a business setting.',
  })
  decisions!: DataSharingPurpose[];

  @Field(() => BusinessMessagingPreference, {
    nullable: true,
    description: "For a business setting: that business's effective preference right after the change; null otherwise.",
  })
  businessMessaging!: BusinessMessagingPreference | null;

  @Field(() => DateTimeScalar, { description: 'When the change was recorded.' })
  occurredAt!: Date;
}

@ObjectType({ description: 'A change and its cursor.', simpleResolvers: true })
export class ConsentChangeEdge {
  @Field(() => String, { description: 'Opaque cursor: pass it as `after` to continue after this change, or acknowledge it.' })
  cursor!: string;

  @Field(() => ConsentChange, { description: 'The change.' })
  node!: ConsentChange;
}

@ObjectType({ description: 'A page of the change feed, oldest first.', simpleResolvers: true })
export class ConsentChangeConnection {
  @Field(() => [ConsentChangeEdge], { description: 'The changes of this page, in feed order.' })
  edges!: ConsentChangeEdge[];

  @Field(() => PageInfo, {
    description:
      'hasNextPage: more changes can be read now. endCursor: where to continue; with no edges, the cursor that was passed, so a follower can keep polling with it.',
  })
  pageInfo!: PageInfo;
}

@InputType({ description: 'How far a consumer has applied the change feed.' })
export class AcknowledgeConsentChangesInput {
  @Field(() => String, {
    description: 'The consumer, e.g. "ads-pipeline": 1 to 64 of a-z 0-9 . _ -. The name belongs to the principal that first uses it.',
  })
  consumer!: string;

  @Field(() => String, { description: 'A cursor consentChanges served: every change up to and including it has been applied.' })
  cursor!: string;
}

@ObjectType({ description: 'The result of an acknowledgement.', simpleResolvers: true })
export class AcknowledgeConsentChangesPayload {
  @Field(() => String, { nullable: true, description: 'The consumer; null when refused.' })
  consumer!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The consumer's position now: acknowledgements only move forward, so an older cursor leaves it where it was.",
  })
  cursor!: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the consumer reached that position.' })
  acknowledgedAt!: Date | null;

  @Field(() => [UserError], { description: 'Why the acknowledgement was refused; empty when it was recorded.' })
  userErrors!: UserError[];
}

@ObjectType({ description: "Whether one consumer of the change feed has applied a user's latest change.", simpleResolvers: true })
export class PropagationStatus {
  @Field(() => String, { description: 'The consumer, as it acknowledges, e.g. "ads-pipeline".' })
  consumer!: string;

  @Field(() => Boolean, {
    description: "It has acknowledged a cursor at or past the user's latest change (true when the user has no change to apply).",
  })
  upToDate!: boolean;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: "When it first acknowledged a cursor at or past the user's latest change; null when it has not, or there is none.",
  })
  acknowledgedAt!: Date | null;
}
