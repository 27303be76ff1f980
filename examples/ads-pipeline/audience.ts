/**
 * The ads pipeline's own copy of what it needs from consent: for each user
 * it has heard about, whether Facebook ads may use their data. It is built
 * from changes alone (each carries the decisions right after it), so the
 * pipeline never queries per user.
 *
 * Delivery is at least once, and the pipeline may read the same change twice
 * from two sources (the GraphQL feed when catching up, then the stream).
 * Two guards make applying a change safe to repeat:
 * - a change id seen recently is a duplicate and is dropped;
 * - a change older (by `consentVersion`) than the one that set a user's
 *   current answer is stale and is dropped, so an old change replayed late
 *   never undoes a newer opt-out.
 */
import type { ConsentChangeMessage } from './consent-change.js';

export const ADS_PURPOSE = 'facebook.ads';

export type ApplyOutcome =
  /** The user's answer now reflects this change. */
  | 'applied'
  /** The change did not touch ads (another purpose, a business preference). */
  | 'unrelated'
  /** Already seen: the same id. */
  | 'duplicate'
  /** Older than what the user's answer already reflects. */
  | 'stale';

interface AdsAnswer {
  readonly allowed: boolean;
  readonly consentVersion: number;
}

/**
 * What a change says about ads: the decision it carries for the purpose, or
 * for an acceptance (which reports every purpose of the accepted version) a
 * version without the purpose, which allows nothing. Undefined when the
 * change did not touch ads.
 */
export function adsAllowedAfter(change: ConsentChangeMessage): boolean | undefined {
  const decision = change.decisions.find((d) => d.purposeKey === ADS_PURPOSE);
  if (decision) return decision.allowed;
  return change.type === 'POLICY_ACCEPTED' ? false : undefined;
}

export class AdsAudience {
  private readonly answers = new Map<string, AdsAnswer>();
  private readonly recentIds = new Set<string>();

  /** `recentIdCapacity`: how many change ids to remember for dropping redeliveries. */
  constructor(private readonly recentIdCapacity = 100_000) {}

  apply(change: ConsentChangeMessage): ApplyOutcome {
    if (this.recentIds.has(change.id)) return 'duplicate';
    this.remember(change.id);
    const allowed = adsAllowedAfter(change);
    if (allowed === undefined) return 'unrelated';
    const current = this.answers.get(change.userId);
    if (current && change.consentVersion < current.consentVersion) return 'stale';
    this.answers.set(change.userId, { allowed, consentVersion: change.consentVersion });
    return 'applied';
  }

  /** Only users a change said yes for: a user never heard of is not targeted. */
  mayTarget(userId: string): boolean {
    return this.answers.get(userId)?.allowed === true;
  }

  /** Users whose latest change says ads may not use their data. */
  isOptedOut(userId: string): boolean {
    return this.answers.get(userId)?.allowed === false;
  }

  optedOut(): string[] {
    return [...this.answers].filter(([, answer]) => !answer.allowed).map(([userId]) => userId);
  }

  private remember(id: string): void {
    this.recentIds.add(id);
    // A Set iterates in insertion order: the first id is the oldest.
    if (this.recentIds.size > this.recentIdCapacity) this.recentIds.delete(this.recentIds.values().next().value as string);
  }
}
