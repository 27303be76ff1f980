import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EFFECTIVE_AT_SKEW_MS,
  MAX_CHANGE_WINDOW_DAYS,
  MAX_DESCRIPTION_LENGTH,
  MAX_EFFECTIVE_AT_YEARS_AHEAD,
  MAX_NAME_LENGTH,
  MAX_PROHIBITIONS,
  MAX_PURPOSE_KEY_LENGTH,
  MAX_PURPOSES,
  MAX_TITLE_LENGTH,
  MAX_URL_LENGTH,
  MAX_VERSION_LENGTH,
  MAX_VOCABULARY_NAMES,
  characterCount,
  hasControlCharacters,
} from '../../src/domain/policy-limits.js';

const domainDoc = readFileSync(new URL('../../docs/domain.md', import.meta.url), 'utf8');
const publishing = domainDoc.slice(domainDoc.indexOf('## Publishing a version'));
/** The table row of docs/domain.md "Publishing a version" for `field`. */
const row = (field: string) => publishing.split('\n').find((line) => line.startsWith(`| ${field} |`)) ?? '';

describe('the documented bounds of a policy version', () => {
  it('are the ones validation enforces (docs/domain.md says the same numbers)', () => {
    expect(row('version')).toContain(`1–${MAX_VERSION_LENGTH} `);
    expect(row('url')).toContain(`${MAX_URL_LENGTH} characters`);
    expect(row('effectiveAt')).toContain(`−${EFFECTIVE_AT_SKEW_MS / 1000} s) to ${MAX_EFFECTIVE_AT_YEARS_AHEAD} years ahead`);
    expect(row('purpose key')).toContain(`at most ${MAX_PURPOSE_KEY_LENGTH} characters`);
    expect(row('choice group')).toContain(`at most ${MAX_PURPOSE_KEY_LENGTH} characters`);
    expect(row('recipient, data category')).toContain(`at most ${MAX_NAME_LENGTH} characters`);
    expect(row('title')).toContain(`1–${MAX_TITLE_LENGTH} characters`);
    expect(row('description')).toContain(`1–${MAX_DESCRIPTION_LENGTH} characters`);
    expect(row('changeWindowDays')).toContain(`0–${MAX_CHANGE_WINDOW_DAYS}`);
    expect(row('per version')).toContain(
      `1–${MAX_PURPOSES} purposes, at most ${MAX_PROHIBITIONS} prohibitions, at most ${MAX_VOCABULARY_NAMES} names`,
    );
  });

  it('count characters as PostgreSQL does: an emoji is one, not two', () => {
    expect(characterCount('😀😀')).toBe(2);
    expect(characterCount('phone_number')).toBe(12);
  });

  it('find NUL, other control characters and unpaired surrogates, and allow layout only where asked', () => {
    for (const text of ['a\u0000b', 'a\u0007b', 'a\u007fb', 'a\u0085b', 'a\ud800b']) {
      expect(hasControlCharacters(text)).toBe(true);
      expect(hasControlCharacters(text, { allowLayout: true })).toBe(true);
    }
    for (const text of ['a\nb', 'a\r\nb', 'a\tb']) {
      expect(hasControlCharacters(text)).toBe(true);
      expect(hasControlCharacters(text, { allowLayout: true })).toBe(false);
    }
    expect(hasControlCharacters('Plain text, with émoji 😀 and “quotes”.')).toBe(false);
  });
});
