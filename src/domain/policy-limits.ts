/**
 * The documented bounds of a policy version: lengths, character sets, ranges.
 * Validation enforces them, the GraphQL descriptions and the docs quote them,
 * and every database column is at least as wide, so a publish that passes
 * validation always fits (and one that does not is refused before any I/O).
 */

/** Version ids: 1-64 letters, digits and ". _ -", starting with a letter or digit. */
export const MAX_VERSION_LENGTH = 64;
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Purpose keys and choice-group keys: dotted lower-case segments, e.g. "facebook.ads". */
export const MAX_PURPOSE_KEY_LENGTH = 128;
export const PURPOSE_KEY_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** Recipients and data categories: one lower-case snake_case word, e.g. "phone_number". */
export const MAX_NAME_LENGTH = 64;
export const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

/** Titles: one line of text. Descriptions: text that may hold line breaks and tabs. Lengths in characters. */
export const MAX_TITLE_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 4000;

/** The policy's full text lives at an https URL of at most this many characters. */
export const MAX_URL_LENGTH = 2048;

export const MAX_CHANGE_WINDOW_DAYS = 3650;

/** How far ahead a version may be scheduled, in calendar years. */
export const MAX_EFFECTIVE_AT_YEARS_AHEAD = 5;

/** Clock skew tolerated between the publisher and this service for an effectiveAt of "now". */
export const EFFECTIVE_AT_SKEW_MS = 5_000;

/** Per version: purposes, prohibitions, and names in each vocabulary list. */
export const MAX_PURPOSES = 100;
export const MAX_PROHIBITIONS = 100;
export const MAX_VOCABULARY_NAMES = 100;

/** Characters never accepted in any text: control characters (NUL included) and unpaired surrogates. */
const CONTROL = /[\p{Cc}\p{Cs}]/u;
/** Descriptions may also hold line feeds, carriage returns and tabs. */
const CONTROL_EXCEPT_LAYOUT = /(?![\t\n\r])\p{Cc}|\p{Cs}/u;

/** Length in characters (code points), as PostgreSQL counts a varchar's length. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

export function hasControlCharacters(text: string, options: { allowLayout?: boolean } = {}): boolean {
  return (options.allowLayout ? CONTROL_EXCEPT_LAYOUT : CONTROL).test(text);
}
