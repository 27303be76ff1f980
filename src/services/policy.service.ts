/**
 * Publishing a policy version: validated by the pure rules first, stored in
 * one transaction, then made known to this instance's catalog. Versions are
 * immutable; repeating an identical publish returns the stored version.
 */
import { isDeepStrictEqual } from 'node:util';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { PlannedError } from '../domain/consent-change.js';
import type { Policy } from '../domain/policy.js';
import { validatePolicyDraft, type PolicyDraft } from '../domain/policy-validation.js';
import { insertPolicy } from '../db/policy.repository.js';
import { announcePolicyPublished } from '../db/policy-publications.js';
import { inTransaction } from '../db/transaction.js';
import type { PolicyCatalog } from './policy-catalog.js';

export interface PublishOutcome {
  readonly policy: Policy | null;
  readonly userErrors: readonly PlannedError[];
}

const sameContent = (a: PolicyDraft, b: Policy) =>
  isDeepStrictEqual(
    { ...a, effectiveAt: a.effectiveAt.getTime() },
    { version: b.version, url: b.url, effectiveAt: b.effectiveAt.getTime(), purposes: b.purposes, prohibitions: b.prohibitions },
  );

export class PolicyService {
  constructor(private readonly catalog: PolicyCatalog) {}

  async publish(em: EntityManager, publisher: string, draft: PolicyDraft, now: Date): Promise<PublishOutcome> {
    await this.catalog.refresh();
    const existing = this.catalog.get(draft.version);
    if (existing && sameContent(draft, existing)) return { policy: existing, userErrors: [] };

    const errors = validatePolicyDraft(draft, this.catalog.all(), now);
    if (errors.length > 0) return { policy: null, userErrors: errors };
    const policy: Policy = { ...draft, publishedAt: now };
    try {
      await inTransaction(em, async (tx) => {
        await insertPolicy(tx, policy, publisher);
        await announcePolicyPublished(tx, policy.version);
      });
    } catch (error) {
      // Another instance published the same version name between our refresh and this insert.
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      return {
        policy: null,
        userErrors: [
          { code: 'POLICY_VERSION_EXISTS', message: `Policy version "${draft.version}" already exists.`, field: ['input', 'version'] },
        ],
      };
    }
    this.catalog.add(policy);
    return { policy, userErrors: [] };
  }
}
