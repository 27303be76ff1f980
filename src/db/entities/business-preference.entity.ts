import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** A user's settings for one business; a null category was never set (the policy decides). */
export const BusinessPreferenceEntity = defineEntity({
  name: 'BusinessPreferenceEntity',
  tableName: 'business_messaging_preference',
  properties: (p) => ({
    userId: p.string().length(255).primary(),
    businessId: p.string().length(128).primary(),
    blocked: p.boolean(),
    transactional: p.boolean().nullable(),
    marketing: p.boolean().nullable(),
    updatedAt: p.datetime(),
    /** The version the settings are bound to (made under or carried into); null before any acceptance. */
    policyVersion: p.string().length(64).nullable(),
  }),
});
export type BusinessPreferenceRow = InferEntity<typeof BusinessPreferenceEntity>;
