import DataLoader from 'dataloader';
import type { BusinessPreference } from '../domain/decision.js';
import {
  type HistoryPage,
  type HistoryPageKey,
  NEVER_SEEN,
  loadBusinessPreferences,
  loadConsents,
  loadHistoryPages,
  type StoredConsent,
} from '../db/consent.repository.js';
import { loadPropagation, type Propagation } from '../db/consent-feed.repository.js';
import type { SqlReader } from '../db/prepared-reads.js';
import type { PolicyCatalog } from '../services/policy-catalog.js';

/** The request's loaders. Made fresh for every request: a cache must never outlive it. */
export interface Loaders {
  readonly consentByUserId: DataLoader<string, StoredConsent>;
  readonly businessPreferencesByUserId: DataLoader<string, readonly BusinessPreference[]>;
  readonly historyPageByUserId: DataLoader<HistoryPageKey, HistoryPage, string>;
  readonly propagationByUserId: DataLoader<string, readonly Propagation[]>;
}

export function createLoaders(em: SqlReader, catalog: PolicyCatalog): Loaders {
  return {
    // A user this subgraph has never seen is not an error: they have accepted nothing.
    consentByUserId: new DataLoader(async (ids) => {
      try {
        const found = await loadConsents(em, ids);
        // Another instance's publication may not have reached this one yet; read it rather than answer `policy: null`.
        await catalog.ensureKnown([...found.values()].flatMap((c) => (c.state.acceptance ? [c.state.acceptance.policyVersion] : [])));
        return ids.map((id) => found.get(id) ?? NEVER_SEEN(id));
      } catch (error) {
        // Failed per key, not as a batch (which DataLoader forgets): a batch read ahead of the fields
        // (see user.reference.ts) fails them with its error instead of being read again for them.
        const failure = error instanceof Error ? error : new Error(String(error));
        return ids.map(() => failure);
      }
    }),
    businessPreferencesByUserId: new DataLoader(async (ids) => {
      const found = await loadBusinessPreferences(em, ids);
      return ids.map((id) => found.get(id) ?? []);
    }),
    // Aliases of the same page of the same ledger are one key; any number of users is one statement per page shape.
    historyPageByUserId: new DataLoader((keys) => loadHistoryPages(em, keys), {
      cacheKeyFn: (key) => JSON.stringify([key.userId, key.first, key.beforeId]),
    }),
    propagationByUserId: new DataLoader(async (ids) => {
      const found = await loadPropagation(em, ids);
      return ids.map((id) => found.get(id) ?? []);
    }),
  };
}
