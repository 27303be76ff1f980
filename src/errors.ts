/**
 * Every error code this API can return, in one place. User errors are the
 * caller's to fix and come back in the payload's `userErrors`; request errors
 * are not and come back as GraphQL errors with `extensions.code`.
 */
import { GraphQLError } from 'graphql';

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

export const REQUEST_ERROR_CODES = {
  UNAUTHENTICATED: 'No valid bearer token was presented.',
  FORBIDDEN: 'The token is valid but may not read or change this data.',
  BAD_REQUEST: 'The HTTP request itself is malformed or too large.',
  INTERNAL_SERVER_ERROR: 'Something failed on our side; nothing was changed.',
} as const;

export type RequestErrorCode = keyof typeof REQUEST_ERROR_CODES;

export function requestError(code: RequestErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

export const unauthenticated = (): GraphQLError =>
  requestError('UNAUTHENTICATED', 'Sign in: send a valid bearer token in the Authorization header.');

export const forbidden = (what: string): GraphQLError => requestError('FORBIDDEN', `Not allowed: ${what}.`);
