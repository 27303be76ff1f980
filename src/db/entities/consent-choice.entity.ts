import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * A user's current choice on one purpose of the version they accepted (a
 * projection of the ledger). Accepting a new version rewrites them: each
 * row is bound to the accepted version, carried from an earlier one or not.
 * `source` USER is an explicit choice; DEFAULT rows only remember a grant
 * that did not carry (`grantNotCarriedFrom`), the default deciding.
 */
export const ConsentChoiceEntity = defineEntity({
  name: 'ConsentChoiceEntity',
  tableName: 'consent_choice',
  properties: (p) => ({
    userId: p.string().length(255).primary(),
    purposeKey: p.string().length(128).primary(),
    policyVersion: p.string().length(64),
    granted: p.boolean(),
    source: p.string().length(16),
    decidedAt: p.datetime(),
    /** For a carried choice: the version it was originally made under. */
    carriedFrom: p.string().length(64).nullable(),
    /** For a DEFAULT row: the version of the earlier grant that did not carry. */
    grantNotCarriedFrom: p.string().length(64).nullable(),
  }),
});
export type ConsentChoiceRow = InferEntity<typeof ConsentChoiceEntity>;
