/**
 * What one request did, gathered while it runs and reported once when it
 * ends (one log line, a few metric increments). Resolvers and the ORM logger
 * only add to plain fields here: the hot path never touches a metric or a
 * logger directly.
 */
import { randomUUID } from 'node:crypto';
import type { Span } from '@opentelemetry/api';
import type { PrincipalKind } from '../auth/principal.js';

export type WriteOutcome = 'changed' | 'unchanged' | 'refused' | 'replayed' | 'failed';

// Stored with every ledger event and echoed in logs: visible ASCII only, the column's length.
export const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The caller's id (gateways send their own) or a fresh one. The HTTP front
 * refuses a malformed one with 400; that answer still carries a fresh id.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

export class RequestTally {
  sqlStatements = 0;
  operationName: string | null = null;
  operationType: string | null = null;
  principal: PrincipalKind = 'anonymous';
  /** A service token's subject (a service's name, never a person's id). */
  service: string | null = null;
  readonly errorCodes: string[] = [];
  /** Decisions answered, by reason. */
  readonly decisions = new Map<string, number>();
  readonly writes: { operation: string; outcome: WriteOutcome }[] = [];
  /** The operation's span when tracing is on: the ORM logger hangs statement spans under it. */
  span: Span | null = null;

  constructor(
    readonly requestId: string,
    readonly startedAt: bigint = process.hrtime.bigint(),
  ) {}

  countDecisions(decisions: readonly { readonly reason: string }[]): void {
    for (const d of decisions) this.decisions.set(d.reason, (this.decisions.get(d.reason) ?? 0) + 1);
  }

  countDecision(decision: { readonly reason: string }): void {
    this.decisions.set(decision.reason, (this.decisions.get(decision.reason) ?? 0) + 1);
  }

  recordWrite(operation: string, outcome: WriteOutcome): void {
    this.writes.push({ operation, outcome });
  }
}
