import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** One published privacy policy version. Rows are inserted once and never updated. */
export const PolicyVersionEntity = defineEntity({
  name: 'PolicyVersionEntity',
  tableName: 'policy_version',
  properties: (p) => ({
    version: p.string().length(64).primary(),
    url: p.string().length(2048).nullable(),
    publishedAt: p.datetime(),
    effectiveAt: p.datetime().index(),
    publishedBy: p.string().length(255),
  }),
});
export type PolicyVersionRow = InferEntity<typeof PolicyVersionEntity>;
