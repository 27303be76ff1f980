/**
 * The consent write use cases: accept the live policy version, change
 * choices, set a business preference. Each runs as one transaction of the
 * writer, planned by the pure planner against the state locked inside it, so
 * every write is recorded completely (state and ledger) or not at all.
 * Callers have already decided that the actor may write for `userId`.
 */
import type { EntityManager } from '@mikro-orm/knex';
import type { BusinessMessageCategory, ConsentState } from '../domain/decision.js';
import type { Policy } from '../domain/policy.js';
import {
  planAcceptance,
  planBusinessPreference,
  planChoiceUpdate,
  type ChoiceRequest,
  type ConsentChannel,
  type Plan,
  type PlannedError,
} from '../domain/consent-change.js';
import type { ConsentWriter, LockedState, WriteResult } from './consent-writer.js';
import type { PolicyCatalog } from './policy-catalog.js';

export const IDEMPOTENCY_KEY_MAX = 255;

/** Who writes, for whom, and when: one request's facts. */
export interface ConsentWriteRequest {
  readonly userId: string;
  /** Who acted: the token subject (the user themself, for consent writes). */
  readonly actor: string;
  readonly requestId: string;
  readonly now: Date;
}

export interface ConsentWriteOutcome {
  readonly userErrors: readonly PlannedError[];
  /**
   * The Consent.version this request produced (unchanged if it changed
   * nothing); on a replay, the first request's; null when the input was
   * refused before the transaction.
   */
  readonly consentVersion: number | null;
  /** An idempotency key repeated an earlier request: this is its outcome, and nothing was recorded. */
  readonly replayed: boolean;
  /** For metrics and the request log: changes recorded, a no-op, a refusal, or the stored outcome of a retried key. */
  readonly outcome: 'changed' | 'unchanged' | 'refused' | 'replayed';
  /** The user's state as the write's transaction left it; null when the input was refused before any transaction. */
  readonly after: WriteResult['after'] | null;
}

interface Idempotent {
  readonly idempotencyKey?: string | null;
}

export interface AcceptPolicyCommand extends Idempotent {
  readonly version: string;
  readonly choices?: readonly ChoiceRequest[] | null;
}

export interface UpdateChoicesCommand extends Idempotent {
  readonly choices: readonly ChoiceRequest[];
}

export interface SetBusinessPreferenceCommand extends Idempotent {
  readonly businessId: string;
  readonly category?: BusinessMessageCategory | null;
  readonly allowed?: boolean | null;
  readonly blocked?: boolean | null;
}

/** Thrown inside a write's transaction, rolling it back: see `withAcceptedPolicyLoaded`. */
class AcceptedPolicyNotLoaded extends Error {
  constructor(readonly version: string) {
    super(`Policy version "${version}" is not loaded on this instance yet.`);
  }
}

export class ConsentService {
  constructor(
    private readonly catalog: PolicyCatalog,
    private readonly writer: ConsentWriter,
  ) {}

  async acceptPrivacyPolicy(em: EntityManager, request: ConsentWriteRequest, command: AcceptPolicyCommand): Promise<ConsentWriteOutcome> {
    // A version published on another instance may not have reached this one yet.
    if (!this.catalog.get(command.version)) await this.catalog.refresh();
    return this.withAcceptedPolicyLoaded(() =>
      this.write(em, request, 'acceptPrivacyPolicy', 'ACCEPTANCE', command, ({ state, businessPreferences }) => {
        // Carrying choices over compares purposes with the versions they are bound to.
        this.acceptedPolicy(state);
        for (const preference of businessPreferences) {
          if (preference.policyVersion !== null) this.loadedPolicy(preference.policyVersion);
        }
        return planAcceptance(this.catalog.all(), state, command.version, command.choices ?? [], request.now, businessPreferences);
      }),
    );
  }

  updateConsent(em: EntityManager, request: ConsentWriteRequest, command: UpdateChoicesCommand): Promise<ConsentWriteOutcome> {
    return this.withAcceptedPolicyLoaded(() =>
      this.write(em, request, 'updateConsent', 'SETTINGS', command, ({ state, businessPreferences }) =>
        planChoiceUpdate(this.acceptedPolicy(state), state, command.choices, request.now, businessPreferences),
      ),
    );
  }

  private acceptedPolicy(state: ConsentState): Policy | null {
    return state.acceptance ? this.loadedPolicy(state.acceptance.policyVersion) : null;
  }

  private loadedPolicy(version: string): Policy {
    const policy = this.catalog.get(version);
    if (!policy) throw new AcceptedPolicyNotLoaded(version);
    return policy;
  }

  /**
   * A user may have accepted a version published on another instance that
   * this one has not loaded yet. Planning without it would refuse the write
   * and record that refusal under the idempotency key, so the transaction is
   * abandoned instead, the version loaded, and the write run once more.
   */
  private async withAcceptedPolicyLoaded<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof AcceptedPolicyNotLoaded)) throw error;
      await this.catalog.ensureKnown([error.version]);
      return write();
    }
  }

  setBusinessMessagingPreference(
    em: EntityManager,
    request: ConsentWriteRequest,
    command: SetBusinessPreferenceCommand,
  ): Promise<ConsentWriteOutcome> {
    return this.write(em, request, 'setBusinessMessagingPreference', 'SETTINGS', command, ({ state, businessPreferences }) =>
      planBusinessPreference(
        businessPreferences.find((p) => p.businessId === command.businessId) ?? null,
        command,
        state.acceptance?.policyVersion ?? null,
      ),
    );
  }

  private async write(
    em: EntityManager,
    request: ConsentWriteRequest,
    operation: string,
    channel: ConsentChannel,
    command: Idempotent,
    plan: (locked: LockedState) => Plan,
  ): Promise<ConsentWriteOutcome> {
    const key = command.idempotencyKey ?? null;
    // Control characters: PostgreSQL refuses NUL, and the key is echoed into logs and the ledger.
    if (key !== null && (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX || /\p{Cc}/u.test(key))) {
      return {
        userErrors: [
          {
            code: 'INVALID_INPUT',
            message: `idempotencyKey must be 1 to ${IDEMPOTENCY_KEY_MAX} characters, none of them control characters.`,
            field: ['input', 'idempotencyKey'],
          },
        ],
        consentVersion: null,
        replayed: false,
        outcome: 'refused',
        after: null,
      };
    }
    return this.writer.write(
      em,
      { userId: request.userId, actor: request.actor, channel, requestId: request.requestId, idempotencyKey: key, now: request.now },
      operation,
      command,
      plan,
    );
  }
}
