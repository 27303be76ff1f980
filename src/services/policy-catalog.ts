import type { MikroORM } from '@mikro-orm/core';
import { livePolicy, type Policy } from '../domain/policy.js';
import { listPolicyVersions, loadPolicies } from '../db/policy.repository.js';

/**
 * Every published policy version, held in memory. Versions are immutable, so
 * a loaded one never goes stale; only new versions (published by another
 * instance) must be discovered, by `refresh()` on a timer and on demand.
 * This keeps policy reads off the per-request path entirely.
 */
export class PolicyCatalog {
  private readonly byVersion = new Map<string, Policy>();
  private sorted: readonly Policy[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;

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
    this.sorted = [...this.byVersion.values()].sort((a, b) => a.effectiveAt.getTime() - b.effectiveAt.getTime());
  }

  /** Loads versions this instance has not seen yet; concurrent callers share one load. */
  refresh(): Promise<void> {
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async load(): Promise<void> {
    const em = this.orm.em.fork();
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
