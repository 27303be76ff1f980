/**
 * Who is asking, and what they may do. A pure module: the rules of
 * docs/contract.md, "Who may ask", in one place, tested on their own.
 */

export const SCOPE_READ = 'consent:read';
export const SCOPE_ADMIN = 'consent:admin';

export interface Principal {
  /** The token's `sub`: a user id, or a service's name for service tokens. */
  readonly subject: string;
  readonly scopes: ReadonlySet<string>;
}

const isService = (p: Principal) => p.scopes.has(SCOPE_READ) || p.scopes.has(SCOPE_ADMIN);

/** Decisions and choices: the user themself, or a reading/admin service. */
export function mayReadConsent(p: Principal, userId: string): boolean {
  return p.subject === userId || isService(p);
}

/** The ledger: the user themself, or an admin (auditors, support). */
export function mayReadLedger(p: Principal, userId: string): boolean {
  return p.subject === userId || p.scopes.has(SCOPE_ADMIN);
}

/**
 * The change feed and acknowledgements of it: the systems that act on data
 * (reading or admin services). Users read their own history instead.
 */
export function mayFollowChanges(p: Principal): boolean {
  return isService(p);
}

/** Consent is changed only by the user it belongs to; services and operators never decide for users. */
export function mayWriteConsent(p: Principal): boolean {
  return !isService(p);
}

export function mayPublishPolicy(p: Principal): boolean {
  return p.scopes.has(SCOPE_ADMIN);
}

export type PrincipalKind = 'anonymous' | 'user' | 'service' | 'admin';

/** What kind of caller this is, for logs and metrics: never who (a user id is personal data). */
export function principalKind(p: Principal | null): PrincipalKind {
  if (p === null) return 'anonymous';
  if (p.scopes.has(SCOPE_ADMIN)) return 'admin';
  return p.scopes.has(SCOPE_READ) ? 'service' : 'user';
}
