/**
 * All Federation 2 plumbing, in one place: the `@link` to the federation
 * spec, printing the type-graphql schema with its directives, the reference
 * resolver for `User`, and `buildSubgraphSchema`. The rest of the code only
 * says `@Directive('@key(fields: "id")')`.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, getMetadataStorage, type ContainerType, type NonEmptyArray } from 'type-graphql';
import { resolveUserReference } from './resolvers/user.reference.js';
import { DateTimeScalar } from './scalars.js';

/** v2.7 is within what @apollo/composition and @apollo/gateway 2.14 accept. */
export const FEDERATION_SPEC = 'https://specs.apollo.dev/federation/v2.7';
export const FEDERATION_IMPORTS = ['@key'] as const;

// biome-ignore lint/complexity/noBannedTypes: type-graphql names resolver classes as Function.
export async function buildFederatedSchema(resolvers: NonEmptyArray<Function>, container: ContainerType): Promise<GraphQLSchema> {
  // Parameter decorators run last-to-first, and type-graphql only sorts them
  // (in place) when a resolver first runs, so argument order would depend on
  // whether a query ran before the build. Sort first: the contract's order, always.
  getMetadataStorage().params.sort((a, b) => a.index - b.index);
  // Every @ObjectType declares simpleResolvers: plain fields resolve with
  // graphql-js's default resolver instead of type-graphql's middleware chain
  // (this service uses no middleware), and they are most of an _entities answer.
  const schema = await buildSchema({
    resolvers,
    container,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: false,
  });
  const link = `extend schema @link(url: "${FEDERATION_SPEC}", import: [${FEDERATION_IMPORTS.map((d) => `"${d}"`).join(', ')}])`;
  const typeDefs = parse(`${link}\n\n${printSchemaWithDirectives(schema)}`);

  const resolverMap = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  const user = resolverMap.User;
  if (!user || '__resolveReference' in user) throw new Error('User must exist and have exactly one reference resolver');
  user.__resolveReference = resolveUserReference;

  return buildSubgraphSchema({ typeDefs, resolvers: resolverMap as never });
}
