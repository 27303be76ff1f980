import { Field, ID, InputType, Int } from 'type-graphql';
import type { BusinessMessageCategory as CategoryValue } from '../../domain/decision.js';
import type { LegalBasis as LegalBasisValue, PurposeControl as PurposeControlValue } from '../../domain/policy.js';
import {
  MAX_CHANGE_WINDOW_DAYS,
  MAX_DESCRIPTION_LENGTH,
  MAX_EFFECTIVE_AT_YEARS_AHEAD,
  MAX_NAME_LENGTH,
  MAX_PROHIBITIONS,
  MAX_PURPOSE_KEY_LENGTH,
  MAX_PURPOSES,
  MAX_TITLE_LENGTH,
  MAX_URL_LENGTH,
  MAX_VERSION_LENGTH,
  MAX_VOCABULARY_NAMES,
} from '../../domain/policy-limits.js';
import { DateTimeScalar } from '../scalars.js';
import { BusinessMessageCategory } from './consent.type.js';
import { LegalBasis, PurposeControl } from './policy.type.js';

const IDEMPOTENCY_KEY = 'Makes retries safe: a repeat with the same key returns the first result and records nothing. Unique per user.';

@InputType({ description: 'A choice on one purpose, or on a choice group (then it applies to every member).' })
export class ConsentChoiceInput {
  @Field(() => String, { description: 'A purpose key ("facebook.ads") or a choice-group key ("facebook.account_sharing").' })
  purpose!: string;

  @Field(() => Boolean, { description: 'true grants, false withdraws (unticks the box).' })
  granted!: boolean;
}

@InputType({ description: 'Accept the live policy version, optionally with the choices on its acceptance screen.' })
export class AcceptPrivacyPolicyInput {
  @Field(() => String, { description: 'The version being accepted; it must be the live one.' })
  version!: string;

  @Field(() => [ConsentChoiceInput], { nullable: true, description: 'Choices made while accepting (e.g. the unticked box).' })
  choices?: ConsentChoiceInput[] | null;

  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY })
  idempotencyKey?: string | null;
}

@InputType({ description: 'Change choices under the accepted policy version.' })
export class UpdateConsentInput {
  @Field(() => [ConsentChoiceInput], { description: 'The choices to make; all are applied or none.' })
  choices!: ConsentChoiceInput[];

  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY })
  idempotencyKey?: string | null;
}

@InputType({ description: 'Change what one business may send: a category with `allowed`, `blocked`, or both.' })
export class SetBusinessMessagingPreferenceInput {
  @Field(() => ID, { description: 'The business.' })
  businessId!: string;

  @Field(() => BusinessMessageCategory, { nullable: true, description: 'The category to allow or refuse (with `allowed`).' })
  category?: CategoryValue | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether that category is allowed from this business.' })
  allowed?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Block (true) or unblock (false) the business entirely.' })
  blocked?: boolean | null;

  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY })
  idempotencyKey?: string | null;
}

const NAME_RULES = `A declared name: lower-case letters, digits and "_", starting with a letter, at most ${MAX_NAME_LENGTH} characters.`;

@InputType({ description: 'A purpose of a new policy version.' })
export class PurposeInput {
  @Field(() => String, {
    description: `Dotted lower-case key, e.g. "facebook.ads": segments of letters, digits and "_", at most ${MAX_PURPOSE_KEY_LENGTH} characters.`,
  })
  key!: string;

  @Field(() => String, { description: `Short title for users: one line, at most ${MAX_TITLE_LENGTH} characters, no control characters.` })
  title!: string;

  @Field(() => String, {
    description: `Description for users, at most ${MAX_DESCRIPTION_LENGTH} characters. Line breaks and tabs allowed; no other control characters.`,
  })
  description!: string;

  @Field(() => String, { description: `Recipient, e.g. "facebook". ${NAME_RULES}` })
  recipient!: string;

  @Field(() => [String], { description: `Data categories used, each declared in the version's dataCategories.` })
  dataCategories!: string[];

  @Field(() => LegalBasis, { description: 'Legal basis.' })
  legalBasis!: LegalBasisValue;

  @Field(() => PurposeControl, { description: 'What the user can do; must fit the legal basis.' })
  control!: PurposeControlValue;

  @Field(() => Boolean, { description: 'Whether it applies when the user has not chosen.' })
  defaultGranted!: boolean;

  @Field(() => Int, {
    nullable: true,
    description: `Days after acceptance the choice may change, 0 to ${MAX_CHANGE_WINDOW_DAYS}; 0: at acceptance only; null: any time.`,
  })
  changeWindowDays?: number | null;

  @Field(() => String, {
    nullable: true,
    description: `Purposes sharing this key are one checkbox. A purpose-style key or a single name, at most ${MAX_PURPOSE_KEY_LENGTH} characters.`,
  })
  choiceGroup?: string | null;
}

@InputType({ description: 'A data category never to share, with one recipient or (recipient null) with anyone.' })
export class ProhibitionInput {
  @Field(() => String, { nullable: true, description: 'The recipient, a declared name; null for everyone.' })
  recipient?: string | null;

  @Field(() => String, { description: 'The data category, a declared name.' })
  dataCategory!: string;
}

@InputType({
  description:
    'A new, immutable policy version. Publishing is idempotent by version id: repeating an identical publish returns the stored version and stores nothing; the same id with different content is POLICY_VERSION_EXISTS.',
})
export class PublishPrivacyPolicyInput {
  @Field(() => String, {
    description: `The new version id: 1 to ${MAX_VERSION_LENGTH} letters, digits or ". _ -", starting with a letter or digit; it must not exist yet.`,
  })
  version!: string;

  @Field(() => String, {
    nullable: true,
    description: `Where the full text is published: an https URL of at most ${MAX_URL_LENGTH} characters.`,
  })
  url?: string | null;

  @Field(() => DateTimeScalar, {
    description: `When it goes live: now or later (never in the past), at most ${MAX_EFFECTIVE_AT_YEARS_AHEAD} years ahead, and not the same instant as another version.`,
  })
  effectiveAt!: Date;

  @Field(() => [PurposeInput], { description: `The catalog of purposes: 1 to ${MAX_PURPOSES}.` })
  purposes!: PurposeInput[];

  @Field(() => [ProhibitionInput], {
    nullable: true,
    description: `What the version promises never to share (at most ${MAX_PROHIBITIONS}); it must keep every earlier version's prohibitions.`,
  })
  prohibitions?: ProhibitionInput[] | null;

  @Field(() => [String], {
    nullable: true,
    description: `The declared recipients (at most ${MAX_VOCABULARY_NAMES}); omitted: the previous version's. Only grows: every earlier name stays. ${NAME_RULES}`,
  })
  recipients?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description: `The declared data categories (at most ${MAX_VOCABULARY_NAMES}); omitted: the previous version's. Only grows: every earlier name stays. ${NAME_RULES}`,
  })
  dataCategories?: string[] | null;
}
