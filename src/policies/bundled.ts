/** The policy documents shipped with the service, as the decision engine sees them. Pure data, no I/O. */
import { LEGAL_BASES, PURPOSE_CONTROLS, type Policy } from '../domain/policy.js';
import { validatePolicyDraft } from '../domain/policy-validation.js';
import whatsapp2016 from './2016-08-25.json' with { type: 'json' };

/** The JSON shape of src/policies/*.json: the fields of Policy, dates as ISO strings. */
export type PolicyDocument = typeof whatsapp2016;

function oneOf<T extends string>(values: readonly T[], value: string, what: string): T {
  const found = values.find((v) => v === value);
  if (found === undefined) throw new Error(`${what} "${value}" is not one of ${values.join(', ')}`);
  return found;
}

function isoDate(value: string, what: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`${what} is not an ISO date: "${value}"`);
  return date;
}

/**
 * Parses a policy document, refusing a misspelt legal basis, control, date or
 * name (anything a publish would refuse) at load time rather than letting it
 * decide data flows. Bundled documents are history, so a past effectiveAt is fine.
 */
export function policyFromDocument(doc: PolicyDocument): Policy {
  const policy = parse(doc);
  const errors = validatePolicyDraft(policy, [], policy.publishedAt, { allowPastEffectiveAt: true });
  if (errors.length > 0)
    throw new Error(`${doc.version} is not a valid policy: ${errors.map((e) => `${e.field.join('.')}: ${e.message}`).join('; ')}`);
  return policy;
}

function parse(doc: PolicyDocument): Policy {
  return {
    version: doc.version,
    url: doc.url,
    publishedAt: isoDate(doc.publishedAt, `${doc.version} publishedAt`),
    effectiveAt: isoDate(doc.effectiveAt, `${doc.version} effectiveAt`),
    purposes: doc.purposes.map((p) => ({
      ...p,
      legalBasis: oneOf(LEGAL_BASES, p.legalBasis, `${p.key} legalBasis`),
      control: oneOf(PURPOSE_CONTROLS, p.control, `${p.key} control`),
    })),
    prohibitions: doc.prohibitions.map((p) => ({ recipient: p.recipient, dataCategory: p.dataCategory })),
    recipients: [...doc.recipients],
    dataCategories: [...doc.dataCategories],
  };
}

/** August 2016: the first policy, loaded into an empty database. */
export const WHATSAPP_2016: Policy = policyFromDocument(whatsapp2016);

export { whatsapp2016 as WHATSAPP_2016_DOCUMENT };
