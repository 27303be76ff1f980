/**
 * All Federation 2 plumbing, in one place: the `@link` to the federation
 * spec, printing the type-graphql schema with its directives, the reference
 * resolver for `User`, and `buildSubgraphSchema`. The rest of the code only
 * says `@Directive('@key(fields: "id")')`.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, getMetadataStorage, type ContainerType, type NonEmptyArray } from 'type-graphql';
import { userIdProblem } from '../auth/user-id.js';
import { badUserInput } from '../errors.js';
import type { RequestContext } from './context.js';
import { readConsentsBeforeReferences, resolveUserReference } from './resolvers/user.reference.js';
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

  const subgraph = buildSubgraphSchema({ typeDefs, resolvers: resolverMap as never });
  wrapEntities(subgraph);
  return subgraph;
}

/** Why a representation cannot name a User, or null when it can. */
function representationProblem(representation: unknown): string | null {
  if (typeof representation !== 'object' || representation === null) return 'is not an object';
  const { __typename, id } = representation as { __typename?: unknown; id?: unknown };
  if (__typename !== 'User') return '__typename must be "User", the one entity this subgraph resolves';
  const problem = userIdProblem(id);
  return problem === null ? null : `id ${problem}`;
}

/**
 * @apollo/subgraph resolves `_entities` in one `map`, so one malformed
 * representation (an unknown typename, an id PostgreSQL cannot store) would
 * fail the whole batch, and with it every other user the gateway asked
 * about. Malformed ones become their own errors, in place; the rest resolve
 * (batched) as usual, once their consent is read if the operation asks for
 * it (see `readConsentsBeforeReferences`).
 */
function wrapEntities(schema: GraphQLSchema): void {
  const field = schema.getQueryType()?.getFields()._entities;
  if (!field?.resolve) throw new Error('A subgraph schema must have Query._entities');
  const resolveEntities = field.resolve as GraphQLFieldResolver<unknown, unknown, { representations: readonly unknown[] }>;
  field.resolve = (source, args: { representations: readonly unknown[] }, context, info) => {
    const problems = args.representations.map(representationProblem);
    const valid = problems.every((p) => p === null) ? args.representations : args.representations.filter((_, i) => problems[i] === null);
    const resolve = () => {
      if (valid === args.representations) return resolveEntities(source, args, context, info);
      const resolved = resolveEntities(source, { representations: valid }, context, info) as readonly unknown[];
      let next = 0;
      return problems.map((problem, i): unknown => (problem === null ? resolved[next++] : badUserInput(`Representation ${i} ${problem}.`)));
    };
    const ready = readConsentsBeforeReferences(valid as readonly { id: string }[], context as RequestContext, info);
    return ready ? ready.then(resolve) : resolve();
  };
}
