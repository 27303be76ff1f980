/**
 * What makes a policy version publishable. A published version is immutable
 * and decides real data flows, so everything inconsistent is refused here,
 * before it can be stored: contradictions with its own prohibitions, controls
 * that do not fit the legal basis, choice groups whose members disagree.
 */
import type { PlannedError } from './consent-change.js';
import type { Policy, Prohibition, Purpose } from './policy.js';

/** Clock skew tolerated between the publisher and this service. */
export const EFFECTIVE_AT_SKEW_MS = 5_000;

const KEY_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface PolicyDraft {
  readonly version: string;
  readonly effectiveAt: Date;
  readonly url: string | null;
  readonly purposes: readonly Purpose[];
  readonly prohibitions: readonly Prohibition[];
}

const ALLOWED_CONTROLS: Record<Purpose['legalBasis'], readonly Purpose['control'][]> = {
  CONSENT: ['WITHDRAW'],
  LEGITIMATE_INTEREST: ['OBJECT', 'NONE'],
  CONTRACT: ['NONE'],
  LEGAL_OBLIGATION: ['NONE'],
};

export function validatePolicyDraft(
  draft: PolicyDraft,
  existing: readonly Pick<Policy, 'version' | 'effectiveAt'>[],
  now: Date,
  options: { allowPastEffectiveAt?: boolean } = {},
): PlannedError[] {
  const errors: PlannedError[] = [];
  const invalid = (message: string, ...field: (string | number)[]) =>
    errors.push({ code: 'INVALID_INPUT', message, field: ['input', ...field] });

  if (!VERSION_PATTERN.test(draft.version)) {
    invalid('version must be 1-64 letters, digits or ". _ -", starting with a letter or digit.', 'version');
  } else if (existing.some((p) => p.version === draft.version)) {
    errors.push({
      code: 'POLICY_VERSION_EXISTS',
      message: `Policy version "${draft.version}" already exists; publish a new version instead.`,
      field: ['input', 'version'],
    });
  }
  if (!options.allowPastEffectiveAt && draft.effectiveAt.getTime() < now.getTime() - EFFECTIVE_AT_SKEW_MS) {
    invalid('effectiveAt is in the past: a policy can only go live now or later, so history is never rewritten.', 'effectiveAt');
  }
  if (existing.some((p) => p.version !== draft.version && p.effectiveAt.getTime() === draft.effectiveAt.getTime())) {
    invalid('Another version goes live at the same instant; which one is live would be ambiguous.', 'effectiveAt');
  }
  if (draft.purposes.length === 0) invalid('A policy needs at least one purpose.', 'purposes');

  const keys = new Set<string>();
  draft.purposes.forEach((p, i) => {
    if (!KEY_PATTERN.test(p.key)) invalid(`"${p.key}" is not a dotted lower-case key such as "facebook.ads".`, 'purposes', i, 'key');
    if (keys.has(p.key)) invalid(`Purpose "${p.key}" appears twice.`, 'purposes', i, 'key');
    keys.add(p.key);
    if (p.title.trim() === '') invalid('Every purpose needs a title users can read.', 'purposes', i, 'title');
    if (p.description.trim() === '') invalid('Every purpose needs a description users can read.', 'purposes', i, 'description');
    if (!NAME_PATTERN.test(p.recipient)) invalid(`"${p.recipient}" is not a lower-case recipient name.`, 'purposes', i, 'recipient');
    if (p.dataCategories.length === 0) invalid('A purpose uses at least one data category.', 'purposes', i, 'dataCategories');
    if (new Set(p.dataCategories).size !== p.dataCategories.length) invalid('Data categories repeat.', 'purposes', i, 'dataCategories');
    p.dataCategories.forEach((c, j) => {
      if (!NAME_PATTERN.test(c)) invalid(`"${c}" is not a lower-case data category.`, 'purposes', i, 'dataCategories', j);
    });
    if (!ALLOWED_CONTROLS[p.legalBasis].includes(p.control)) {
      invalid(
        `Control ${p.control} does not fit legal basis ${p.legalBasis} (allowed: ${ALLOWED_CONTROLS[p.legalBasis].join(', ')}).`,
        'purposes',
        i,
        'control',
      );
    }
    if (p.changeWindowDays !== null && (!Number.isInteger(p.changeWindowDays) || p.changeWindowDays < 0)) {
      invalid('changeWindowDays is a whole number of days, 0 or more, or null.', 'purposes', i, 'changeWindowDays');
    }
    if (p.control === 'NONE' && (p.changeWindowDays !== null || p.choiceGroup !== null)) {
      invalid('An essential purpose (control NONE) has no change window and no choice group.', 'purposes', i);
    }
    if (p.control === 'NONE' && !p.defaultGranted) {
      invalid('An essential purpose (control NONE) always applies, so defaultGranted must be true.', 'purposes', i, 'defaultGranted');
    }
    if (p.choiceGroup !== null && !KEY_PATTERN.test(p.choiceGroup) && !NAME_PATTERN.test(p.choiceGroup)) {
      invalid(`"${p.choiceGroup}" is not a valid choice group key.`, 'purposes', i, 'choiceGroup');
    }
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

  const seen = new Set<string>();
  draft.prohibitions.forEach((ban, i) => {
    if (ban.recipient !== null && !NAME_PATTERN.test(ban.recipient))
      invalid(`"${ban.recipient}" is not a lower-case recipient name.`, 'prohibitions', i, 'recipient');
    if (!NAME_PATTERN.test(ban.dataCategory))
      invalid(`"${ban.dataCategory}" is not a lower-case data category.`, 'prohibitions', i, 'dataCategory');
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
  });
  return errors;
}
