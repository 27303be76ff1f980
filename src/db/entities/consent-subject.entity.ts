import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * The subject row: one per data subject (user) this service has written
 * for, holding the version they accepted, when, and the write counter behind
 * `Consent.version`. Every write locks this row first, so concurrent writes
 * for one user are serialised.
 */
export const ConsentSubjectEntity = defineEntity({
  name: 'ConsentSubjectEntity',
  tableName: 'consent_subject',
  properties: (p) => ({
    userId: p.string().length(255).primary(),
    version: p.integer(),
    policyVersion: p.string().length(64).nullable(),
    acceptedAt: p.datetime().nullable(),
    updatedAt: p.datetime(),
  }),
});
export type ConsentSubjectRow = InferEntity<typeof ConsentSubjectEntity>;
