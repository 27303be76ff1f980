import { Field, Int, ObjectType } from 'type-graphql';
import type { PlannedError } from '../../domain/consent-change.js';
import { USER_ERROR_CODES } from '../../errors.js';
import { DateTimeScalar } from '../scalars.js';
import { Consent } from './consent.type.js';
import { PrivacyPolicy } from './policy.type.js';

@ObjectType({ description: 'A problem with the request that the caller can fix. Nothing was changed.', simpleResolvers: true })
export class UserError {
  @Field(() => String, {
    description: `Stable code: ${Object.keys(USER_ERROR_CODES).join(', ')}.`,
  })
  code!: string;

  @Field(() => String, { description: 'What is wrong, for people.' })
  message!: string;

  @Field(() => [String], { nullable: true, description: 'Path to the input field at fault, e.g. ["input", "choices", "0", "purpose"].' })
  field!: string[] | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'For CHANGE_WINDOW_CLOSED: when the window closed.' })
  deadline!: Date | null;
}

@ObjectType({ description: 'The result of a consent write.', simpleResolvers: true })
export class ConsentPayload {
  @Field(() => Consent, { nullable: true, description: 'The user’s consent after the write (unchanged when there are userErrors).' })
  consent!: unknown;

  @Field(() => [UserError], { description: 'Why the write was refused; empty when it succeeded.' })
  userErrors!: UserError[];

  @Field(() => Int, {
    nullable: true,
    description:
      'The Consent.version this request produced (the unchanged version when it changed nothing or was refused); on a replay, the first request’s. Null when the input was refused before anything was read.',
  })
  consentVersion!: number | null;

  @Field(() => Boolean, {
    description:
      'True when the idempotency key repeated an earlier request: userErrors and consentVersion are that first outcome, and nothing was recorded. `consent` is the current state either way.',
  })
  replayed!: boolean;
}

@ObjectType({ description: 'The result of publishing a policy version.', simpleResolvers: true })
export class PublishPrivacyPolicyPayload {
  @Field(() => PrivacyPolicy, { nullable: true, description: 'The published version; null when refused.' })
  policy!: PrivacyPolicy | null;

  @Field(() => [UserError], { description: 'Why publishing was refused; empty when it succeeded.' })
  userErrors!: UserError[];
}

export function toUserErrors(errors: readonly PlannedError[]): UserError[] {
  return errors.map((e) => ({ code: e.code, message: e.message, field: e.field.map(String), deadline: e.deadline ?? null }));
}
