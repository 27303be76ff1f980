/**
 * Publishing a policy version: checked by the pure rules first, then checked
 * again and stored in one transaction that publishers take in turns, then made
 * known to this instance's catalog. Versions are immutable, and publishing is
 * idempotent by version id: repeating an identical publish returns the stored
 * version and stores nothing.
 */
import { isDeepStrictEqual } from 'node:util';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { PlannedError } from '../domain/consent-change.js';
import type { Policy } from '../domain/policy.js';
import { policyFromDraft, resolveVocabulary, validatePolicyDraft, type PolicyDraft } from '../domain/policy-validation.js';
import { insertPolicy, lockPolicyPublishing } from '../db/policy.repository.js';
import { announcePolicyPublished } from '../db/policy-publications.js';
import { inTransaction } from '../db/transaction.js';
import type { PolicyCatalog } from './policy-catalog.js';

export interface PublishOutcome {
  readonly policy: Policy | null;
  readonly userErrors: readonly PlannedError[];
}

/** True when `draft`, its vocabulary resolved as it was at publication, is exactly the stored `policy`. */
function isIdenticalRepeat(draft: PolicyDraft, policy: Policy, all: readonly Policy[]): boolean {
  const vocabulary = resolveVocabulary(draft, all);
  const content = (p: Omit<PolicyDraft, 'effectiveAt'> & { effectiveAt: Date }) => ({
    version: p.version,
    url: p.url,
    effectiveAt: p.effectiveAt.getTime(),
    purposes: p.purposes,
    prohibitions: p.prohibitions,
    recipients: p.recipients,
    dataCategories: p.dataCategories,
  });
  return vocabulary !== null && isDeepStrictEqual(content({ ...draft, ...vocabulary }), content(policy));
}

export class PolicyService {
  constructor(private readonly catalog: PolicyCatalog) {}

  async publish(em: EntityManager, publisher: string, draft: PolicyDraft, now: Date): Promise<PublishOutcome> {
    await this.catalog.refresh();
    const replayed = this.identicalRepeat(draft);
    if (replayed) return { policy: replayed, userErrors: [] };
    // Refused before any lock or write; most bad input stops here.
    const errors = validatePolicyDraft(draft, this.catalog.all(), now);
    if (errors.length > 0) return { policy: null, userErrors: errors };

    try {
      const outcome = await inTransaction(em, async (tx): Promise<PublishOutcome> => {
        await lockPolicyPublishing(tx);
        await this.catalog.catchUp(tx);
        const replay = this.identicalRepeat(draft);
        if (replay) return { policy: replay, userErrors: [] };
        const all = this.catalog.all();
        const userErrors = validatePolicyDraft(draft, all, now);
        if (userErrors.length > 0) return { policy: null, userErrors };
        const policy = policyFromDraft(draft, all, now);
        await insertPolicy(tx, policy, publisher);
        await announcePolicyPublished(tx, policy.version);
        return { policy, userErrors: [] };
      });
      if (outcome.policy && outcome.userErrors.length === 0) this.catalog.add(outcome.policy);
      return outcome;
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      return { policy: null, userErrors: await this.explainConflict(draft, now, error) };
    }
  }

  private identicalRepeat(draft: PolicyDraft): Policy | undefined {
    const stored = this.catalog.get(draft.version);
    return stored && isIdenticalRepeat(draft, stored, this.catalog.all()) ? stored : undefined;
  }

  /**
   * The constraints (version id, effectiveAt) are the last line should a
   * publisher ever skip the lock: the rows that won are committed, so
   * validating again names the field; the constraint's own name is the fallback.
   */
  private async explainConflict(draft: PolicyDraft, now: Date, error: UniqueConstraintViolationException): Promise<PlannedError[]> {
    await this.catalog.refresh();
    const errors = validatePolicyDraft(draft, this.catalog.all(), now);
    if (errors.length > 0) return errors;
    return /effective_at/.test(error.message)
      ? [{ code: 'INVALID_INPUT', message: 'Another version goes live at this very instant.', field: ['input', 'effectiveAt'] }]
      : [{ code: 'POLICY_VERSION_EXISTS', message: `Policy version "${draft.version}" already exists.`, field: ['input', 'version'] }];
  }
}
