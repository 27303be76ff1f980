/**
 * What makes a policy version publishable. A published version is immutable
 * and decides real data flows, so everything inconsistent is refused here,
 * before it can be stored: values outside the documented bounds
 * (policy-limits.ts), names outside the declared vocabulary, contradictions
 * with its own prohibitions, controls that do not fit the legal basis, choice
 * groups whose members disagree, and any promise an earlier version made that
 * this one would break.
 */
import type { PlannedError } from './consent-change.js';
import { compareByEffectiveAt, covers, type Policy, type Prohibition, type Purpose } from './policy.js';
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
  NAME_PATTERN,
  PURPOSE_KEY_PATTERN,
  VERSION_PATTERN,
  characterCount,
  hasControlCharacters,
} from './policy-limits.js';

export interface PolicyDraft {
  readonly version: string;
  readonly effectiveAt: Date;
  readonly url: string | null;
  readonly purposes: readonly Purpose[];
  readonly prohibitions: readonly Prohibition[];
  /** null: the vocabulary of the version before it (by effectiveAt). */
  readonly recipients: readonly string[] | null;
  readonly dataCategories: readonly string[] | null;
}

type Field = (string | number)[];

const ALLOWED_CONTROLS: Record<Purpose['legalBasis'], readonly Purpose['control'][]> = {
  CONSENT: ['WITHDRAW'],
  LEGITIMATE_INTEREST: ['OBJECT', 'NONE'],
  CONTRACT: ['NONE'],
  LEGAL_OBLIGATION: ['NONE'],
};

const describeProhibition = (p: Prohibition) => `${p.dataCategory} to ${p.recipient ?? 'anyone'}`;

/** The versions that take effect before and after an instant, in effect order. */
function neighbours(existing: readonly Policy[], draft: Pick<PolicyDraft, 'version' | 'effectiveAt'>) {
  const sorted = [...existing].filter((p) => p.version !== draft.version).sort(compareByEffectiveAt);
  const at = draft.effectiveAt.getTime();
  return {
    earlier: sorted.filter((p) => p.effectiveAt.getTime() < at),
    // A version at the very same instant is refused anyway; counting it as later too keeps the checks strict.
    later: sorted.filter((p) => p.effectiveAt.getTime() >= at),
  };
}

/** The draft's vocabulary: as declared, else inherited from the version before it; null when there is none to inherit. */
export function resolveVocabulary(
  draft: PolicyDraft,
  existing: readonly Policy[],
): { recipients: readonly string[]; dataCategories: readonly string[] } | null {
  const previous = neighbours(existing, draft).earlier.at(-1);
  const recipients = draft.recipients ?? previous?.recipients;
  const dataCategories = draft.dataCategories ?? previous?.dataCategories;
  if (recipients === undefined || dataCategories === undefined) return null;
  return { recipients, dataCategories };
}

/** The policy a valid draft becomes: its vocabulary resolved, stamped with its publication time. */
export function policyFromDraft(draft: PolicyDraft, existing: readonly Policy[], publishedAt: Date): Policy {
  const vocabulary = resolveVocabulary(draft, existing);
  if (vocabulary === null) throw new Error(`Policy draft ${draft.version} has no vocabulary; validate it first.`);
  return {
    version: draft.version,
    url: draft.url,
    effectiveAt: draft.effectiveAt,
    publishedAt,
    purposes: draft.purposes,
    prohibitions: draft.prohibitions,
    recipients: vocabulary.recipients,
    dataCategories: vocabulary.dataCategories,
  };
}

export function validatePolicyDraft(
  draft: PolicyDraft,
  existing: readonly Policy[],
  now: Date,
  options: { allowPastEffectiveAt?: boolean } = {},
): PlannedError[] {
  const errors: PlannedError[] = [];
  const invalid = (message: string, ...field: Field) => errors.push({ code: 'INVALID_INPUT', message, field: ['input', ...field] });

  /** Checks one text field; true when it is well-formed (so later checks may rely on it). */
  const text = (value: string, max: number, what: string, field: Field, allowLayout = false): boolean => {
    if (characterCount(value) > max) {
      invalid(`${what} is at most ${max} characters.`, ...field);
      return false;
    }
    if (hasControlCharacters(value, { allowLayout })) {
      invalid(`${what} contains control characters${allowLayout ? ' other than line breaks and tabs' : ''}.`, ...field);
      return false;
    }
    return true;
  };
  const name = (value: string, what: string, field: Field): boolean => {
    if (!text(value, MAX_NAME_LENGTH, what, field)) return false;
    if (NAME_PATTERN.test(value)) return true;
    invalid(`"${value}" is not a lower-case ${what} name such as "phone_number".`, ...field);
    return false;
  };
  const groupKey = (value: string, what: string, field: Field): boolean => {
    if (!text(value, MAX_PURPOSE_KEY_LENGTH, what, field)) return false;
    if (PURPOSE_KEY_PATTERN.test(value) || NAME_PATTERN.test(value)) return true;
    invalid(`"${value}" is not a valid ${what}.`, ...field);
    return false;
  };

  // Identity and timing.
  if (text(draft.version, MAX_VERSION_LENGTH, 'version', ['version']) && !VERSION_PATTERN.test(draft.version)) {
    invalid(`version must be 1-${MAX_VERSION_LENGTH} letters, digits or ". _ -", starting with a letter or digit.`, 'version');
  } else if (existing.some((p) => p.version === draft.version)) {
    errors.push({
      code: 'POLICY_VERSION_EXISTS',
      message: `Policy version "${draft.version}" already exists; publish a new version instead.`,
      field: ['input', 'version'],
    });
  }
  const effectiveAt = draft.effectiveAt.getTime();
  const latest = new Date(now.getTime());
  latest.setUTCFullYear(latest.getUTCFullYear() + MAX_EFFECTIVE_AT_YEARS_AHEAD);
  if (Number.isNaN(effectiveAt)) {
    invalid('effectiveAt is not a valid instant.', 'effectiveAt');
  } else if (!options.allowPastEffectiveAt && effectiveAt < now.getTime() - EFFECTIVE_AT_SKEW_MS) {
    invalid('effectiveAt is in the past: a policy can only go live now or later, so history is never rewritten.', 'effectiveAt');
  } else if (effectiveAt > latest.getTime()) {
    invalid(`effectiveAt is at most ${MAX_EFFECTIVE_AT_YEARS_AHEAD} years ahead (${latest.toISOString()}).`, 'effectiveAt');
  }
  const twin = existing.find((p) => p.version !== draft.version && p.effectiveAt.getTime() === effectiveAt);
  if (twin) invalid(`Version "${twin.version}" already goes live at this instant; which one is live would be ambiguous.`, 'effectiveAt');
  if (draft.url !== null && text(draft.url, MAX_URL_LENGTH, 'url', ['url']) && !isHttpsUrl(draft.url)) {
    invalid('url must be an absolute https URL without credentials.', 'url');
  }

  // The vocabulary: well-formed, unique, and growing only.
  const vocabulary = resolveVocabulary(draft, existing);
  if (vocabulary === null) {
    invalid(
      'The first policy version declares its recipients and data categories.',
      draft.recipients === null ? 'recipients' : 'dataCategories',
    );
  }
  const { earlier, later } = neighbours(existing, draft);
  for (const [list, kind, what] of [
    [draft.recipients, 'recipients', 'recipient'],
    [draft.dataCategories, 'dataCategories', 'data category'],
  ] as const) {
    if (list === null) continue;
    if (list.length > MAX_VOCABULARY_NAMES) invalid(`At most ${MAX_VOCABULARY_NAMES} ${kind} per version.`, kind);
    const seen = new Set<string>();
    list.forEach((n, i) => {
      if (!name(n, what, [kind, i])) return;
      if (seen.has(n)) invalid(`"${n}" is declared twice.`, kind, i);
      seen.add(n);
    });
  }
  if (vocabulary !== null) {
    for (const kind of ['recipients', 'dataCategories'] as const) {
      const declared = new Set(vocabulary[kind]);
      const dropped = new Map<string, string>();
      for (const p of earlier) for (const n of p[kind]) if (!declared.has(n) && !dropped.has(n)) dropped.set(n, p.version);
      for (const [n, version] of dropped) {
        invalid(`"${n}" (declared by version "${version}") is missing: a vocabulary only grows, so every later version keeps it.`, kind);
      }
      for (const p of later) {
        const lacking = vocabulary[kind].filter((n) => !p[kind].includes(n));
        if (lacking.length > 0) {
          invalid(
            `Version "${p.version}" goes live later and does not declare ${lacking.map((n) => `"${n}"`).join(', ')}; a version scheduled before it cannot declare more than it.`,
            kind,
          );
        }
      }
    }
  }
  const recipients = new Set(vocabulary?.recipients ?? []);
  const dataCategories = new Set(vocabulary?.dataCategories ?? []);
  const declaredRecipient = (n: string, field: Field) => {
    if (vocabulary !== null && name(n, 'recipient', field) && !recipients.has(n)) {
      invalid(`"${n}" is not a declared recipient (declared: ${[...recipients].join(', ')}).`, ...field);
    }
  };
  const declaredCategory = (n: string, field: Field) => {
    if (vocabulary !== null && name(n, 'data category', field) && !dataCategories.has(n)) {
      invalid(`"${n}" is not a declared data category (declared: ${[...dataCategories].join(', ')}).`, ...field);
    }
  };

  // Purposes.
  if (draft.purposes.length === 0) invalid('A policy needs at least one purpose.', 'purposes');
  if (draft.purposes.length > MAX_PURPOSES) invalid(`A policy has at most ${MAX_PURPOSES} purposes.`, 'purposes');
  const keys = new Set<string>();
  draft.purposes.forEach((p, i) => {
    if (text(p.key, MAX_PURPOSE_KEY_LENGTH, 'key', ['purposes', i, 'key']) && !PURPOSE_KEY_PATTERN.test(p.key)) {
      invalid(`"${p.key}" is not a dotted lower-case key such as "facebook.ads".`, 'purposes', i, 'key');
    }
    if (keys.has(p.key)) invalid(`Purpose "${p.key}" appears twice.`, 'purposes', i, 'key');
    keys.add(p.key);
    if (text(p.title, MAX_TITLE_LENGTH, 'title', ['purposes', i, 'title']) && p.title.trim() === '') {
      invalid('Every purpose needs a title users can read.', 'purposes', i, 'title');
    }
    if (text(p.description, MAX_DESCRIPTION_LENGTH, 'description', ['purposes', i, 'description'], true) && p.description.trim() === '') {
      invalid('Every purpose needs a description users can read.', 'purposes', i, 'description');
    }
    declaredRecipient(p.recipient, ['purposes', i, 'recipient']);
    if (p.dataCategories.length === 0) invalid('A purpose uses at least one data category.', 'purposes', i, 'dataCategories');
    if (new Set(p.dataCategories).size !== p.dataCategories.length) invalid('Data categories repeat.', 'purposes', i, 'dataCategories');
    for (const [j, c] of p.dataCategories.entries()) declaredCategory(c, ['purposes', i, 'dataCategories', j]);
    if (!ALLOWED_CONTROLS[p.legalBasis].includes(p.control)) {
      invalid(
        `Control ${p.control} does not fit legal basis ${p.legalBasis} (allowed: ${ALLOWED_CONTROLS[p.legalBasis].join(', ')}).`,
        'purposes',
        i,
        'control',
      );
    }
    if (
      p.changeWindowDays !== null &&
      !(Number.isInteger(p.changeWindowDays) && p.changeWindowDays >= 0 && p.changeWindowDays <= MAX_CHANGE_WINDOW_DAYS)
    ) {
      invalid(
        `changeWindowDays is a whole number of days from 0 to ${MAX_CHANGE_WINDOW_DAYS}, or null.`,
        'purposes',
        i,
        'changeWindowDays',
      );
    }
    if (p.control === 'NONE' && (p.changeWindowDays !== null || p.choiceGroup !== null)) {
      invalid('An essential purpose (control NONE) has no change window and no choice group.', 'purposes', i);
    }
    if (p.control === 'NONE' && !p.defaultGranted) {
      invalid('An essential purpose (control NONE) always applies, so defaultGranted must be true.', 'purposes', i, 'defaultGranted');
    }
    if (p.choiceGroup !== null) groupKey(p.choiceGroup, 'choice group key', ['purposes', i, 'choiceGroup']);
  });

  const groups = new Map<string, Purpose>();
  draft.purposes.forEach((p, i) => {
    if (p.choiceGroup === null) return;
    if (keys.has(p.choiceGroup)) invalid(`Choice group "${p.choiceGroup}" has the same key as a purpose.`, 'purposes', i, 'choiceGroup');
    const first = groups.get(p.choiceGroup);
    if (!first) {
      groups.set(p.choiceGroup, p);
    } else if (first.control !== p.control || first.defaultGranted !== p.defaultGranted || first.changeWindowDays !== p.changeWindowDays) {
      invalid(
        `Purposes of choice group "${p.choiceGroup}" share one checkbox, so they need the same control, default and window.`,
        'purposes',
        i,
        'choiceGroup',
      );
    }
  });

  // Prohibitions: declared names, no contradiction, and never fewer promises than before.
  if (draft.prohibitions.length > MAX_PROHIBITIONS) invalid(`A policy has at most ${MAX_PROHIBITIONS} prohibitions.`, 'prohibitions');
  const seen = new Set<string>();
  draft.prohibitions.forEach((ban, i) => {
    if (ban.recipient !== null) declaredRecipient(ban.recipient, ['prohibitions', i, 'recipient']);
    declaredCategory(ban.dataCategory, ['prohibitions', i, 'dataCategory']);
    const id = `${ban.recipient ?? '*'}/${ban.dataCategory}`;
    if (seen.has(id)) invalid('This prohibition appears twice.', 'prohibitions', i);
    seen.add(id);
    draft.purposes.forEach((p, j) => {
      if ((ban.recipient === null || ban.recipient === p.recipient) && p.dataCategories.includes(ban.dataCategory)) {
        errors.push({
          code: 'CONTRADICTORY_POLICY',
          message: `Purpose "${p.key}" sends ${ban.dataCategory} to ${p.recipient}, which prohibition ${i} forbids.`,
          field: ['input', 'purposes', j, 'dataCategories'],
        });
      }
    });
    for (const p of later) {
      if (!p.prohibitions.some((q) => covers(q, ban))) {
        invalid(
          `Version "${p.version}" goes live later without the promise "never ${describeProhibition(ban)}"; a version scheduled before it cannot promise more than it keeps.`,
          'prohibitions',
          i,
        );
      }
    }
  });
  const dropped = new Set<string>();
  for (const p of earlier) {
    for (const promise of p.prohibitions) {
      const id = `${promise.recipient ?? '*'}/${promise.dataCategory}`;
      if (dropped.has(id) || draft.prohibitions.some((ban) => covers(ban, promise))) continue;
      dropped.add(id);
      invalid(
        `Drops the promise "never ${describeProhibition(promise)}" of version "${p.version}": every later version keeps every prohibition of the versions before it.`,
        'prohibitions',
      );
    }
  }
  return errors;
}

function isHttpsUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '' && !/\s/.test(value);
}
