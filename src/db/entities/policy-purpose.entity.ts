import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** A purpose of one policy version's catalog; the key means something only within its version. */
export const PolicyPurposeEntity = defineEntity({
  name: 'PolicyPurposeEntity',
  tableName: 'policy_purpose',
  properties: (p) => ({
    policyVersion: p.string().length(64).primary(),
    key: p.string().length(128).primary(),
    position: p.integer(),
    title: p.string().length(255),
    description: p.text(),
    recipient: p.string().length(64),
    dataCategories: p.json<string[]>(),
    // Plain strings, not database enums: MikroORM 6.6 misreads SQLite enum checks.
    legalBasis: p.string().length(32),
    control: p.string().length(16),
    defaultGranted: p.boolean(),
    changeWindowDays: p.integer().nullable(),
    choiceGroup: p.string().length(128).nullable(),
  }),
});
export type PolicyPurposeRow = InferEntity<typeof PolicyPurposeEntity>;
