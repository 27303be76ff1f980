import type { EntityManager } from '@mikro-orm/core';
import { PostgreSqlPlatform } from '@mikro-orm/postgresql';
import type { LegalBasis, Policy, PurposeControl } from '../domain/policy.js';
import { PolicyProhibitionEntity } from './entities/policy-prohibition.entity.js';
import { PolicyPurposeEntity } from './entities/policy-purpose.entity.js';
import { PolicyVersionEntity } from './entities/policy-version.entity.js';

/**
 * Makes publishers take turns until the end of the caller's transaction, so
 * each one validates against every version committed before it: the rules
 * that relate versions to each other (promises only grow, vocabularies only
 * grow, one version per instant) cannot be raced. SQLite already runs one
 * write transaction at a time.
 */
export async function lockPolicyPublishing(em: EntityManager): Promise<void> {
  if (!(em.getPlatform() instanceof PostgreSqlPlatform)) return;
  await em
    .getConnection()
    .execute(`select pg_advisory_xact_lock(hashtext('consent.policy_publishing'))`, [], 'all', em.getTransactionContext());
}

export async function listPolicyVersions(em: EntityManager): Promise<string[]> {
  const rows = await em.find(PolicyVersionEntity, {}, { fields: ['version'], disableIdentityMap: true });
  return rows.map((r) => r.version);
}

/** Loads whole policies (version, catalog, prohibitions): three statements for any number of versions. */
export async function loadPolicies(em: EntityManager, versions: readonly string[]): Promise<Policy[]> {
  if (versions.length === 0) return [];
  const where = { $in: [...versions] };
  const options = { disableIdentityMap: true } as const;
  const [heads, purposes, prohibitions] = [
    await em.find(PolicyVersionEntity, { version: where }, options),
    await em.find(PolicyPurposeEntity, { policyVersion: where }, { ...options, orderBy: { position: 'asc' } }),
    await em.find(PolicyProhibitionEntity, { policyVersion: where }, { ...options, orderBy: { position: 'asc' } }),
  ];
  return heads.map((head) => ({
    version: head.version,
    url: head.url ?? null,
    publishedAt: head.publishedAt,
    effectiveAt: head.effectiveAt,
    recipients: head.recipients,
    dataCategories: head.dataCategories,
    purposes: purposes
      .filter((p) => p.policyVersion === head.version)
      .map((p) => ({
        key: p.key,
        title: p.title,
        description: p.description,
        recipient: p.recipient,
        dataCategories: p.dataCategories,
        legalBasis: p.legalBasis as LegalBasis,
        control: p.control as PurposeControl,
        defaultGranted: p.defaultGranted,
        changeWindowDays: p.changeWindowDays ?? null,
        choiceGroup: p.choiceGroup ?? null,
      })),
    prohibitions: prohibitions
      .filter((p) => p.policyVersion === head.version)
      .map((p) => ({ recipient: p.recipient ?? null, dataCategory: p.dataCategory })),
  }));
}

/**
 * Stores a new version in the caller's transaction (native inserts). The
 * primary key refuses a second copy, the unique effectiveAt a second version
 * going live at the same instant.
 */
export async function insertPolicy(em: EntityManager, policy: Policy, publishedBy: string): Promise<void> {
  await em.insert(PolicyVersionEntity, {
    version: policy.version,
    url: policy.url,
    publishedAt: policy.publishedAt,
    effectiveAt: policy.effectiveAt,
    publishedBy,
    recipients: [...policy.recipients],
    dataCategories: [...policy.dataCategories],
  });
  await em.insertMany(
    PolicyPurposeEntity,
    policy.purposes.map((p, position) => ({
      policyVersion: policy.version,
      key: p.key,
      position,
      title: p.title,
      description: p.description,
      recipient: p.recipient,
      dataCategories: [...p.dataCategories],
      legalBasis: p.legalBasis,
      control: p.control,
      defaultGranted: p.defaultGranted,
      changeWindowDays: p.changeWindowDays,
      choiceGroup: p.choiceGroup,
    })),
  );
  if (policy.prohibitions.length > 0) {
    await em.insertMany(
      PolicyProhibitionEntity,
      policy.prohibitions.map((p, position) => ({
        policyVersion: policy.version,
        position,
        recipient: p.recipient,
        dataCategory: p.dataCategory,
      })),
    );
  }
}
