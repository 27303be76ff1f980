import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import {
  LEGAL_BASES,
  PURPOSE_CONTROLS,
  type LegalBasis as LegalBasisValue,
  type PurposeControl as PurposeControlValue,
} from '../../domain/policy.js';
import { DateTimeScalar } from '../scalars.js';

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const LegalBasis = enumOf(LEGAL_BASES);
registerEnumType(LegalBasis, {
  name: 'LegalBasis',
  description: 'Why the controller may process data for a purpose (GDPR Art. 6).',
  valuesConfig: {
    CONSENT: { description: 'The user agreed; they can withdraw.' },
    LEGITIMATE_INTEREST: { description: 'The controller’s legitimate interest, balanced against the user’s.' },
    CONTRACT: { description: 'Needed to perform a contract the user is party to.' },
    LEGAL_OBLIGATION: { description: 'Required by law.' },
  },
});

export const PurposeControl = enumOf(PURPOSE_CONTROLS);
registerEnumType(PurposeControl, {
  name: 'PurposeControl',
  description: 'What the user can do about a purpose.',
  valuesConfig: {
    WITHDRAW: { description: 'Grant or withdraw consent.' },
    OBJECT: { description: 'Object to processing based on legitimate interest.' },
    NONE: { description: 'Essential: the user cannot switch it off.' },
  },
});

export const PolicyStatus = { SCHEDULED: 'SCHEDULED', LIVE: 'LIVE', SUPERSEDED: 'SUPERSEDED' } as const;
export type PolicyStatusValue = keyof typeof PolicyStatus;
registerEnumType(PolicyStatus, {
  name: 'PolicyStatus',
  description: 'Where a version stands now.',
  valuesConfig: {
    SCHEDULED: { description: 'Published; goes live at effectiveAt.' },
    LIVE: { description: 'The version users accept now.' },
    SUPERSEDED: { description: 'Was live; a newer version is. It still governs users who have not re-accepted.' },
  },
});

@ObjectType({ description: 'Why data goes to a recipient, under one policy version.', simpleResolvers: true })
export class Purpose {
  @Field(() => String, { description: 'Stable dotted key, e.g. "facebook.ads"; it means something only within its policy version.' })
  key!: string;

  @Field(() => String, { description: 'Short title written for users.' })
  title!: string;

  @Field(() => String, { description: 'What the purpose is, written for users.' })
  description!: string;

  @Field(() => String, { description: 'Who receives the data, e.g. "facebook" or "businesses".' })
  recipient!: string;

  @Field(() => [String], { description: 'The data categories the purpose uses, e.g. ["phone_number", "account_info"].' })
  dataCategories!: readonly string[];

  @Field(() => LegalBasis, { description: 'The legal basis of the processing.' })
  legalBasis!: LegalBasisValue;

  @Field(() => PurposeControl, { description: 'What the user can do about it.' })
  control!: PurposeControlValue;

  @Field(() => Boolean, { description: 'Whether it applies when the user has not chosen (a pre-ticked box).' })
  defaultGranted!: boolean;

  @Field(() => Int, {
    nullable: true,
    description:
      'Days after acceptance during which the choice may change; 0: decided at acceptance only; null: any time (or never, for NONE).',
  })
  changeWindowDays!: number | null;

  @Field(() => String, { nullable: true, description: 'Purposes sharing this key are controlled by one checkbox together.' })
  choiceGroup!: string | null;
}

@ObjectType({ description: 'A data category the policy promises never to share with a recipient (or with anyone).', simpleResolvers: true })
export class Prohibition {
  @Field(() => String, { nullable: true, description: 'The recipient that never receives the category; null: no one does.' })
  recipient!: string | null;

  @Field(() => String, { description: 'The data category, e.g. "message_content".' })
  dataCategory!: string;
}

@ObjectType({ description: 'An immutable version of the privacy policy and its catalog of purposes.', simpleResolvers: true })
export class PrivacyPolicy {
  @Field(() => String, { description: 'The version id, e.g. "2016-08-25".' })
  version!: string;

  @Field(() => String, { nullable: true, description: 'Where the full text of this version is published.' })
  url!: string | null;

  @Field(() => DateTimeScalar, { description: 'When this version was published.' })
  publishedAt!: Date;

  @Field(() => DateTimeScalar, { description: 'When it goes (or went) live; the live version is the newest whose effectiveAt has passed.' })
  effectiveAt!: Date;

  @Field(() => [Purpose], { description: 'Every purpose of this version, in the order users see them.' })
  purposes!: readonly Purpose[];

  @Field(() => [Prohibition], {
    description: 'What this version promises never to share. Every later version keeps every prohibition of the versions before it.',
  })
  prohibitions!: readonly Prohibition[];

  @Field(() => [String], {
    description:
      'The recipients this version declares, e.g. ["whatsapp", "facebook", "businesses", "advertisers"]: the only names its purposes and prohibitions use. A later version keeps them all and may add more.',
  })
  recipients!: readonly string[];

  @Field(() => [String], {
    description:
      'The data categories this version declares, e.g. ["phone_number", "account_info", "device_info", "usage_data", "message_content"]: the only names its purposes and prohibitions use. A later version keeps them all and may add more.',
  })
  dataCategories!: readonly string[];
}
