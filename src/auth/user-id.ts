/**
 * What a user id may be, wherever one arrives (a token's `sub`,
 * `dataSubject(id)`, an `_entities` representation): checked at the edge so
 * no odd id reaches a query. The bound is the database column (255); the
 * charset refuses control, format and separator characters, which no
 * identity provider issues and which PostgreSQL (NUL) or a log reader
 * (bidi overrides, newlines) would mishandle.
 */
export const USER_ID_MAX_LENGTH = 255;

const PRINTABLE_WITHOUT_SPACES = /^[^\p{C}\p{Z}\s]+$/u;

/** Why `id` is not a valid user id, or null when it is. */
export function userIdProblem(id: unknown): string | null {
  if (typeof id !== 'string' || id.length === 0) return 'must be a non-empty string';
  if (id.length > USER_ID_MAX_LENGTH) return `must be at most ${USER_ID_MAX_LENGTH} characters`;
  if (!PRINTABLE_WITHOUT_SPACES.test(id)) return 'must not contain control characters or spaces';
  return null;
}
