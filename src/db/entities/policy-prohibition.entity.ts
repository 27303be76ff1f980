import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** A (recipient, data category) pair a policy version promises never to share; null recipient: anyone. */
export const PolicyProhibitionEntity = defineEntity({
  name: 'PolicyProhibitionEntity',
  tableName: 'policy_prohibition',
  properties: (p) => ({
    policyVersion: p.string().length(64).primary(),
    position: p.integer().primary(),
    recipient: p.string().length(64).nullable(),
    dataCategory: p.string().length(64),
  }),
});
export type PolicyProhibitionRow = InferEntity<typeof PolicyProhibitionEntity>;
