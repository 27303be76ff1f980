import type { ConsentState, PolicyContext } from '../domain/decision.js';
import { needsReconsent } from '../domain/decision.js';
import type { StoredConsent } from '../db/consent.repository.js';
import type { PolicyCatalog } from '../services/policy-catalog.js';

/** What `User.consent` resolves to: the stored state with the policies that govern it. */
export interface ConsentView {
  readonly userId: string;
  readonly version: number;
  readonly acceptedAt: Date | null;
  readonly needsReconsent: boolean;
  readonly state: ConsentState;
  readonly policies: PolicyContext;
}

export function policyContextFor(state: ConsentState, catalog: PolicyCatalog, now: Date): PolicyContext {
  const accepted = state.acceptance ? (catalog.get(state.acceptance.policyVersion) ?? null) : null;
  return { accepted, live: catalog.live(now) ?? null };
}

export function toConsentView(stored: StoredConsent, catalog: PolicyCatalog, now: Date): ConsentView {
  const policies = policyContextFor(stored.state, catalog, now);
  return {
    userId: stored.userId,
    version: stored.version,
    acceptedAt: stored.state.acceptance?.acceptedAt ?? null,
    needsReconsent: needsReconsent(policies),
    state: stored.state,
    policies,
  };
}
