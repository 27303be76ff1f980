/**
 * Authorization at the fields themselves: `_entities` reaches User fields
 * without passing any root resolver, so the checks cannot live anywhere else.
 */
import { mayFollowChanges, mayPublishPolicy, mayReadConsent, mayReadLedger, mayWriteConsent, type Principal } from '../auth/principal.js';
import { forbidden, unauthenticated } from '../errors.js';
import type { RequestContext } from './context.js';

export function requirePrincipal(ctx: RequestContext): Principal {
  if (ctx.principal === null) throw unauthenticated();
  return ctx.principal;
}

export function requireConsentReader(ctx: RequestContext, userId: string): void {
  if (!mayReadConsent(requirePrincipal(ctx), userId)) throw forbidden("reading another user's consent");
}

export function requireLedgerReader(ctx: RequestContext, userId: string): void {
  if (!mayReadLedger(requirePrincipal(ctx), userId)) throw forbidden("reading another user's consent history");
}

/** Returns the principal whose consent is written: always the token's own subject. */
export function requireConsentWriter(ctx: RequestContext): Principal {
  const principal = requirePrincipal(ctx);
  if (!mayWriteConsent(principal)) throw forbidden('service and admin tokens cannot decide consent for users');
  return principal;
}

export function requirePolicyPublisher(ctx: RequestContext): Principal {
  const principal = requirePrincipal(ctx);
  if (!mayPublishPolicy(principal)) throw forbidden('publishing a policy needs the consent:admin scope');
  return principal;
}

export function requireChangeFollower(ctx: RequestContext): Principal {
  const principal = requirePrincipal(ctx);
  if (!mayFollowChanges(principal)) throw forbidden('following consent changes needs the consent:read or consent:admin scope');
  return principal;
}
