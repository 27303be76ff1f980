import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { compareByEffectiveAt, livePolicy, type Policy } from '../domain/policy.js';
import { listPolicyVersions, loadPolicies } from '../db/policy.repository.js';

/**
 * Every published policy version, held in memory. Versions are immutable, so
 * a loaded one never goes stale; only new versions (published by another
 * instance) must be discovered: announced on PostgreSQL (see
 * db/policy-publications.ts), on demand when a row names a version not seen
 * yet (`ensureKnown`), and by `refresh()` on a timer as the fallback.
 * This keeps policy reads off the per-request path entirely.
 */
export class PolicyCatalog {
  private readonly byVersion = new Map<string, Policy>();
  private sorted: readonly Policy[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private readonly waiting = new Map<string, ((policy: Policy) => void)[]>();

  constructor(private readonly orm: MikroORM) {}

  all(): readonly Policy[] {
    return this.sorted;
  }

  get(version: string): Policy | undefined {
    return this.byVersion.get(version);
  }

  live(now: Date): Policy | undefined {
    return livePolicy(this.sorted, now);
  }

  add(policy: Policy): void {
    this.byVersion.set(policy.version, policy);
    this.sorted = [...this.byVersion.values()].sort(compareByEffectiveAt);
    for (const resolve of this.waiting.get(policy.version) ?? []) resolve(policy);
    this.waiting.delete(policy.version);
  }

  /** Resolves once this catalog holds `version`: at once if it already does. */
  whenKnown(version: string): Promise<Policy> {
    const known = this.byVersion.get(version);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      this.waiting.set(version, [...(this.waiting.get(version) ?? []), resolve]);
    });
  }

  /**
   * Loads the named versions if any is missing, so that a reader never
   * answers `policy: null` for a version a stored row names. A row naming a
   * version was committed after that version, so a load that starts after
   * the row was read finds it; a load already in flight may have started
   * before, hence at most one more. Known versions cost a map lookup.
   */
  async ensureKnown(versions: readonly string[]): Promise<void> {
    for (let loads = 0; loads < 2 && versions.some((v) => !this.byVersion.has(v)); loads++) await this.refresh();
  }

  /** Loads versions this instance has not seen yet; concurrent callers share one load. */
  refresh(): Promise<void> {
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /**
   * Loads the versions this instance has not seen through `em` (a publisher's
   * transaction), without joining a refresh that may have started earlier.
   */
  catchUp(em: EntityManager): Promise<void> {
    return this.load(em);
  }

  private async load(em: EntityManager = this.orm.em.fork()): Promise<void> {
    const missing = (await listPolicyVersions(em)).filter((v) => !this.byVersion.has(v));
    for (const policy of await loadPolicies(em, missing)) this.add(policy);
  }

  startRefreshing(seconds: number, onError: (error: unknown) => void): void {
    if (seconds <= 0) return;
    this.timer = setInterval(() => this.refresh().catch(onError), seconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
