import { BusinessPreferenceEntity } from './business-preference.entity.js';
import { ChangeAcknowledgementEntity } from './change-acknowledgement.entity.js';
import { ChangeConsumerEntity } from './change-consumer.entity.js';
import { ChangeRelayEntity } from './change-relay.entity.js';
import { ConsentChangeOutcomeEntity } from './consent-change-outcome.entity.js';
import { ConsentChangeEntity } from './consent-change.entity.js';
import { ConsentChoiceEntity } from './consent-choice.entity.js';
import { ConsentEventEntity } from './consent-event.entity.js';
import { ConsentSubjectEntity } from './consent-subject.entity.js';
import { IdempotencyRecordEntity } from './idempotency-record.entity.js';
import { PolicyProhibitionEntity } from './policy-prohibition.entity.js';
import { PolicyPurposeEntity } from './policy-purpose.entity.js';
import { PolicyVersionEntity } from './policy-version.entity.js';

export const entities = [
  PolicyVersionEntity,
  PolicyPurposeEntity,
  PolicyProhibitionEntity,
  ConsentSubjectEntity,
  ConsentChoiceEntity,
  BusinessPreferenceEntity,
  ConsentEventEntity,
  IdempotencyRecordEntity,
  ConsentChangeEntity,
  ConsentChangeOutcomeEntity,
  ChangeConsumerEntity,
  ChangeAcknowledgementEntity,
  ChangeRelayEntity,
];
