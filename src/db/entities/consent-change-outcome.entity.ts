import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { StoredBusinessOutcome, StoredDecision } from '../../domain/change-feed.js';

/**
 * What one write left behind, as the feed reports it: the decisions right
 * after the write for the purposes it touched, and the effective preference
 * of each business it touched. Written in the write's own transaction; every
 * event of the write (same user, same consent version) reads it.
 */
export const ConsentChangeOutcomeEntity = defineEntity({
  name: 'ConsentChangeOutcomeEntity',
  tableName: 'consent_change_outcome',
  properties: (p) => ({
    userId: p.string().length(255).primary(),
    consentVersion: p.integer().primary(),
    decisions: p.json<StoredDecision[]>(),
    businesses: p.json<StoredBusinessOutcome[]>(),
  }),
});
export type ConsentChangeOutcomeRow = InferEntity<typeof ConsentChangeOutcomeEntity>;
