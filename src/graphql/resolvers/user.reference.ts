import { type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import { mayReadConsent } from '../../auth/principal.js';
import type { RequestContext } from '../context.js';
import type { User } from '../types/user.type.js';
import { FIELDS_READING_CONSENT } from './user-consent.resolver.js';

/**
 * Resolves a `User` representation from the gateway. No I/O and no check
 * here: any id is a valid data subject, and the fields load (batched) and
 * authorize themselves.
 */
export function resolveUserReference(reference: { id: string }): User {
  return { id: reference.id };
}

/** Whether an entity selection asks for a field that reads the user's consent; once per parsed document. */
const asksForConsent = new WeakMap<FieldNode, boolean>();

function selects(
  selectionSet: SelectionSetNode | undefined,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  seen: Set<string>,
): boolean {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      if (FIELDS_READING_CONSENT.has(selection.name.value)) return true;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (selects(selection.selectionSet, fragments, seen)) return true;
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      if (selects(fragments[selection.name.value]?.selectionSet, fragments, seen)) return true;
    }
  }
  return false;
}

/**
 * Before a batch of User representations resolves: when the operation asks
 * for their consent, the users the caller may read are read now, in the one
 * statement their fields would have batched into, and the batch resolves
 * once it is read. Under load, a request waiting for its database then holds
 * only the ids, instead of a pending resolver for every field of every user
 * (which outlived the young generation and cost PostgreSQL a third of its
 * time in the garbage collector). Users the caller may not read are not read:
 * their fields refuse as before. A failed read fails the fields that need it,
 * as before: the loader keeps the failure for the request.
 */
export function readConsentsBeforeReferences(
  references: readonly { readonly id: string }[],
  ctx: RequestContext,
  info: GraphQLResolveInfo,
): Promise<void> | null {
  const principal = ctx.principal;
  if (principal === null || references.length === 0) return null;
  const node = info.fieldNodes[0]!;
  let asks = asksForConsent.get(node);
  if (asks === undefined) {
    asks = info.fieldNodes.some((field) => selects(field.selectionSet, info.fragments, new Set()));
    asksForConsent.set(node, asks);
  }
  if (!asks) return null;
  const readable = references.filter((r) => mayReadConsent(principal, r.id)).map((r) => r.id);
  if (readable.length === 0) return null;
  return ctx.loaders.consentByUserId.loadMany(readable).then(() => undefined);
}
