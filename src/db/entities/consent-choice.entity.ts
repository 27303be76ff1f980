import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * A user's current explicit choice on one purpose of the version they
 * accepted (a projection of the ledger). Accepting a new version replaces
 * them: a purpose key means something only within its version.
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
  }),
});
export type ConsentChoiceRow = InferEntity<typeof ConsentChoiceEntity>;
