import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import type { ConsentFeed } from '../services/consent-feed.js';
import type { ConsentService } from '../services/consent.service.js';
import type { PolicyCatalog } from '../services/policy-catalog.js';
import type { PolicyService } from '../services/policy.service.js';
import { buildFederatedSchema } from './federation.js';
import { ConsentChangeResolver } from './resolvers/consent-change.resolver.js';
import { ConsentMutationResolver } from './resolvers/consent-mutation.resolver.js';
import { ConsentPropagationResolver } from './resolvers/consent-propagation.resolver.js';
import { ConsentResolver } from './resolvers/consent.resolver.js';
import { DataSubjectResolver } from './resolvers/data-subject.resolver.js';
import { PolicyResolver } from './resolvers/policy.resolver.js';
import { UserConsentResolver } from './resolvers/user-consent.resolver.js';

export interface SchemaServices {
  readonly catalog: PolicyCatalog;
  readonly consents: ConsentService;
  readonly policies: PolicyService;
  readonly feed: ConsentFeed;
}

/** The subgraph schema, its resolvers bound to this app's services (not to module singletons). */
export function buildConsentSchema(services: SchemaServices | null): Promise<GraphQLSchema> {
  const instances = new Map<unknown, unknown>(
    services
      ? [
          [UserConsentResolver, new UserConsentResolver(services.catalog)],
          [ConsentResolver, new ConsentResolver()],
          [DataSubjectResolver, new DataSubjectResolver()],
          [PolicyResolver, new PolicyResolver(services.catalog, services.policies)],
          [ConsentMutationResolver, new ConsentMutationResolver(services.catalog, services.consents)],
          [ConsentChangeResolver, new ConsentChangeResolver(services.catalog, services.feed)],
          [ConsentPropagationResolver, new ConsentPropagationResolver()],
        ]
      : [],
  );
  return buildFederatedSchema(
    [
      UserConsentResolver,
      ConsentResolver,
      DataSubjectResolver,
      PolicyResolver,
      ConsentMutationResolver,
      ConsentChangeResolver,
      ConsentPropagationResolver,
    ],
    {
      get: (cls) => instances.get(cls),
    },
  );
}

/** The SDL as `_service { sdl }` serves it: what schema/ commits and composition reads. */
export async function buildSubgraphSdl(): Promise<string> {
  return `${printSubgraphSchema(await buildConsentSchema(null)).trimEnd()}\n`;
}
