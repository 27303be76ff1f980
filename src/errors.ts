/**
 * Every error code this API can return, in one place, with the rule that
 * decides what a client may see.
 *
 * - User errors are the caller's to fix: they come back in a mutation
 *   payload's `userErrors`, and nothing was changed.
 * - Request errors are GraphQL errors with `extensions.code`: ours (thrown by
 *   resolvers and the HTTP front) and those Apollo Server assigns itself
 *   before execution.
 * - The masking rule: an error whose code is in this catalogue reaches the
 *   client as written. Anything else is unexpected: it is logged, and the
 *   client sees only INTERNAL_SERVER_ERROR (with a generic message in
 *   production, so no SQL, stack or driver text leaks).
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

export const USER_ERROR_CODES = {
  INVALID_INPUT: 'The input is malformed or inconsistent; `field` points at it.',
  UNKNOWN_PURPOSE: 'No purpose or choice group of that key exists in the policy version that governs the user.',
  PURPOSE_NOT_OPTIONAL: 'The purpose is essential (control NONE): it cannot be granted or withdrawn.',
  CHANGE_WINDOW_CLOSED: 'The window for changing this choice has closed; `deadline` says when it did.',
  POLICY_NOT_ACCEPTED: 'The user has accepted no policy version, so there is nothing to change yet.',
  UNKNOWN_POLICY_VERSION: 'No policy version of that name exists.',
  POLICY_NOT_LIVE: 'The policy version exists but is not the live one; only the live version can be accepted.',
  POLICY_VERSION_EXISTS: 'A policy version of that name was already published; versions are immutable.',
  CONTRADICTORY_POLICY: 'A purpose would send a data category to a recipient that a prohibition of the same policy forbids.',
  IDEMPOTENCY_KEY_REUSED: 'The idempotency key was already used for a different request.',
} as const;

export type UserErrorCode = keyof typeof USER_ERROR_CODES;

/** Request errors this service raises itself. */
export const REQUEST_ERROR_CODES = {
  UNAUTHENTICATED: 'No valid bearer token was presented.',
  FORBIDDEN: 'The token is valid but may not read or change this data.',
  BAD_REQUEST: 'The HTTP request itself is malformed or too large.',
  BAD_USER_INPUT: 'An argument is out of range or malformed, such as a page size or a cursor this API did not issue.',
  INTERNAL_SERVER_ERROR: 'Something failed on our side; nothing was changed.',
} as const;

export type RequestErrorCode = keyof typeof REQUEST_ERROR_CODES;

/** Request errors Apollo Server assigns before execution; their messages are written for clients. */
export const PROTOCOL_ERROR_CODES = {
  GRAPHQL_PARSE_FAILED: 'The document is not valid GraphQL syntax.',
  GRAPHQL_VALIDATION_FAILED: 'The document does not match the schema.',
  PERSISTED_QUERY_NOT_FOUND: 'An automatic persisted query hash is not known; send the full document.',
  PERSISTED_QUERY_NOT_SUPPORTED: 'Persisted queries are not accepted by this server.',
  OPERATION_RESOLUTION_FAILURE: 'The operation to run could not be chosen (missing or unknown operationName).',
} as const;

const CLIENT_FACING: ReadonlySet<string> = new Set([
  ...Object.keys(REQUEST_ERROR_CODES).filter((code) => code !== 'INTERNAL_SERVER_ERROR'),
  ...Object.keys(PROTOCOL_ERROR_CODES),
]);

export function requestError(code: RequestErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

export const unauthenticated = (): GraphQLError =>
  requestError('UNAUTHENTICATED', 'Sign in: send a valid bearer token in the Authorization header.');

export const forbidden = (what: string): GraphQLError => requestError('FORBIDDEN', `Not allowed: ${what}.`);

/**
 * The masking rule, applied to every error of every response. Returns the
 * error itself when its code is client-facing, otherwise a masked copy (a
 * different object, so the caller knows to log the original).
 */
export function maskUnexpected(formatted: GraphQLFormattedError, production: boolean): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_FACING.has(code)) return formatted;
  return {
    message: production ? 'Internal server error.' : formatted.message,
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
