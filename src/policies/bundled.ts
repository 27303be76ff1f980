/** The policy documents shipped with the service, as the decision engine sees them. Pure data, no I/O. */
import type { Policy } from '../domain/policy.js';
import whatsapp2016 from './2016-08-25.json' with { type: 'json' };

/** Parses a policy document of the shape of src/policies/*.json. */
export function policyFromDocument(doc: typeof whatsapp2016): Policy {
  return {
    version: doc.version,
    url: doc.url,
    publishedAt: new Date(doc.publishedAt),
    effectiveAt: new Date(doc.effectiveAt),
    purposes: doc.purposes.map((p) => ({
      ...p,
      legalBasis: p.legalBasis as Policy['purposes'][number]['legalBasis'],
      control: p.control as Policy['purposes'][number]['control'],
    })),
    prohibitions: doc.prohibitions,
  };
}

/** August 2016: the first policy, loaded into an empty database. */
export const WHATSAPP_2016: Policy = policyFromDocument(whatsapp2016);
