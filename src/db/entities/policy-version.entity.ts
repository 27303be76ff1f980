import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * One published privacy policy version. Rows are inserted once and never
 * updated. effectiveAt is unique: two versions going live at one instant
 * would leave instances to disagree about which one is live.
 */
export const PolicyVersionEntity = defineEntity({
  name: 'PolicyVersionEntity',
  tableName: 'policy_version',
  properties: (p) => ({
    version: p.string().length(64).primary(),
    url: p.string().length(2048).nullable(),
    publishedAt: p.datetime(),
    effectiveAt: p.datetime().unique(),
    publishedBy: p.string().length(255),
    /** The declared vocabulary, in declaration order. */
    recipients: p.json<string[]>(),
    dataCategories: p.json<string[]>(),
  }),
});
export type PolicyVersionRow = InferEntity<typeof PolicyVersionEntity>;
