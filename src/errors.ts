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
  UNAUTHENTICATED:
    'No valid bearer token was presented (HTTP 401 when an Authorization header was sent but is malformed, forged, expired or too long-lived).',
  AUTHENTICATION_UNAVAILABLE:
    "The identity provider's keys (JWKS_URL) could not be fetched, so the token could not be checked (HTTP 503; retry).",
  FORBIDDEN: 'The token is valid but may not read or change this data.',
  GATEWAY_SECRET_REQUIRED: 'The shared gateway secret header is missing or wrong: this subgraph answers only its gateway (HTTP 403).',
  BAD_REQUEST: 'The HTTP request itself is malformed or too large.',
  BAD_USER_INPUT:
    'An argument, variable or representation is malformed: an id with control characters or over its length, a NUL character, a foreign cursor.',
  TOO_MANY_REPRESENTATIONS: 'More `_entities` representations in one request than MAX_REPRESENTATIONS allows.',
  TOO_MANY_ALIASES: 'More aliases than MAX_ALIASES (MAX_ALIASES_ANONYMOUS without a token) allows.',
  QUERY_TOO_DEEP: 'Fields nested deeper than MAX_DEPTH allows.',
  TOO_MANY_DIRECTIVES: 'More directives than MAX_DIRECTIVES allows.',
  TOO_MANY_TOKENS: 'The document has more lexical tokens than MAX_TOKENS allows.',
  QUERY_TOO_COSTLY: 'The estimated cost exceeds MAX_COST (MAX_COST_ANONYMOUS without a token).',
  OPERATION_NOT_SAFELISTED: 'Only the persisted documents of PERSISTED_DOCUMENTS are served, by their id.',
  DATABASE_UNAVAILABLE:
    'The database cannot be reached or written right now; retry later, and retry a change with the same idempotency key (it may or may not have been recorded).',
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

export function requestError(code: RequestErrorCode, message: string, httpStatus?: number): GraphQLError {
  return new GraphQLError(message, { extensions: httpStatus ? { code, http: { status: httpStatus } } : { code } });
}

export const badUserInput = (message: string): GraphQLError => requestError('BAD_USER_INPUT', message);

export const unauthenticated = (): GraphQLError =>
  requestError('UNAUTHENTICATED', 'Sign in: send a valid bearer token in the Authorization header.');

export const forbidden = (what: string): GraphQLError => requestError('FORBIDDEN', `Not allowed: ${what}.`);

/** Whether a code is one clients are meant to see; anything else is an unexpected failure. */
export function isClientFacing(code: unknown): boolean {
  return typeof code === 'string' && CLIENT_FACING.has(code);
}

/**
 * Apollo files every validation rule's error under GRAPHQL_VALIDATION_FAILED,
 * and graphql-js's token limit (enforced while parsing) under
 * GRAPHQL_PARSE_FAILED; the limits and input checks carry codes of their own.
 */
export function withCatalogueCode(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  const own =
    error instanceof GraphQLError && error.originalError instanceof GraphQLError ? error.originalError.extensions.code : undefined;
  if (code === 'GRAPHQL_VALIDATION_FAILED' && typeof own === 'string' && own in REQUEST_ERROR_CODES) {
    return { ...formatted, extensions: { ...formatted.extensions, code: own } };
  }
  const tokens =
    code === 'GRAPHQL_PARSE_FAILED' ? /^Syntax Error: Document contains more tha[nt] (\d+) tokens/.exec(formatted.message) : null;
  if (tokens)
    return {
      ...formatted,
      message: `Token limit of ${tokens[1]} exceeded.`,
      extensions: { ...formatted.extensions, code: 'TOO_MANY_TOKENS' },
    };
  return formatted;
}

/**
 * The masking rule, applied to every error of every response. Returns the
 * error itself when its code is client-facing, otherwise a masked copy (a
 * different object, so the caller knows to log the original).
 */
export function maskUnexpected(formatted: GraphQLFormattedError, production: boolean): GraphQLFormattedError {
  if (isClientFacing(formatted.extensions?.code)) return formatted;
  return {
    message: production ? 'Internal server error.' : formatted.message,
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/**
 * A request refused at the HTTP front, before any GraphQL runs: its status,
 * the headers that explain it (WWW-Authenticate, Retry-After) and one typed error.
 */
export class RefusedRequest extends Error {
  constructor(
    readonly code: RequestErrorCode,
    message: string,
    readonly status: number,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'RefusedRequest';
  }

  /** The GraphQL response body: one error with its code, no data. */
  toBody(): { errors: { message: string; extensions: { code: RequestErrorCode } }[] } {
    return { errors: [{ message: this.message, extensions: { code: this.code } }] };
  }
}
