import type { User } from '../types/user.type.js';

/**
 * Resolves a `User` representation from the gateway. No I/O and no check
 * here: any id is a valid data subject, and the fields load (batched) and
 * authorize themselves.
 */
export function resolveUserReference(reference: { id: string }): User {
  return { id: reference.id };
}
