/**
 * A consent change as the subgraph publishes it on the NATS JetStream stream
 * CONSENT_CHANGES: the flat JSON body of docs/contract.md, "Following
 * changes". This consumer depends on that contract only, never on the
 * subgraph's code.
 */

export interface ChangeDecision {
  readonly purposeKey: string;
  readonly recipient: string;
  readonly allowed: boolean;
  readonly reason: string;
}

export interface ConsentChangeMessage {
  /** The ledger event's id: stable across redeliveries, the key for discarding duplicates. */
  readonly id: string;
  /** Where this change sits in the feed; what the consumer acknowledges. */
  readonly cursor: string;
  readonly userId: string;
  /** One user's changes arrive in this order. */
  readonly consentVersion: number;
  readonly type: string;
  readonly purposeKey: string | null;
  readonly choiceGroup: string | null;
  readonly businessId: string | null;
  readonly setting: string | null;
  readonly previousValue: string | null;
  readonly newValue: string;
  readonly policyVersion: string | null;
  readonly actor: string;
  readonly channel: string;
  readonly occurredAt: string;
  /** The user's decisions right after this change, for every purpose it touched (all of them for an acceptance). */
  readonly decisions: readonly ChangeDecision[];
  readonly businessMessaging: {
    readonly businessId: string;
    readonly blocked: boolean;
    readonly transactional: boolean;
    readonly marketing: boolean;
  } | null;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isTextOrNull = (v: unknown) => v === null || typeof v === 'string';

const isDecision = (d: unknown): d is ChangeDecision =>
  isObject(d) && isText(d.purposeKey) && typeof d.recipient === 'string' && typeof d.allowed === 'boolean' && typeof d.reason === 'string';

/**
 * Checks what this consumer relies on and returns the change, or throws. A
 * body it cannot read must stop the pipeline rather than be skipped: the
 * skipped change might be an opt-out.
 */
export function parseConsentChange(body: unknown): ConsentChangeMessage {
  const problems: string[] = [];
  if (!isObject(body)) throw new Error('a consent change must be a JSON object');
  for (const field of ['id', 'cursor', 'userId', 'type', 'newValue', 'actor', 'channel', 'occurredAt'] as const) {
    if (!isText(body[field])) problems.push(`${field} must be a non-empty string`);
  }
  for (const field of ['purposeKey', 'choiceGroup', 'businessId', 'setting', 'previousValue', 'policyVersion'] as const) {
    if (!isTextOrNull(body[field])) problems.push(`${field} must be a string or null`);
  }
  if (!Number.isSafeInteger(body.consentVersion) || (body.consentVersion as number) < 1) {
    problems.push('consentVersion must be a positive whole number');
  }
  if (!Array.isArray(body.decisions) || !body.decisions.every(isDecision)) {
    problems.push('decisions must be a list of { purposeKey recipient allowed reason }');
  }
  if (body.businessMessaging !== null && !isObject(body.businessMessaging)) problems.push('businessMessaging must be an object or null');
  if (problems.length > 0) throw new Error(`unreadable consent change ${String(body.id)}: ${problems.join('; ')}`);
  return body as unknown as ConsentChangeMessage;
}
