/**
 * The floors' GraphQL: a hand-written SDL of the same shape as the consent
 * subgraph's `User { consent dataSharingPurposes }`, resolved over the bench
 * data set held in memory.
 *
 * The floors decide with their own few lines below, not with src/domain:
 * a floor must not move when the code under test changes (a slow object
 * spread once added to src/domain halved L2 and hid the regression in the
 * ratios). The runner checks that every server's answer equals L2's, so the
 * rules here cannot drift from the service's unnoticed.
 */
import DataLoader from 'dataloader';
import { buildSchema, type GraphQLFieldResolver, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import type { Policy, Purpose } from '../src/domain/policy.js';
import { BENCH_POLICY, type BenchChoice, type BenchUser } from './dataset.js';

const OBJECT_TYPES = `
type User @key(fields: "id") {
  id: ID!
  consent: Consent!
  dataSharingPurposes: [DataSharingPurpose!]!
}
type Consent {
  version: Int!
  needsReconsent: Boolean!
  choices: [ConsentChoice!]!
}
type ConsentChoice {
  purpose: Purpose!
  granted: Boolean!
  source: ChoiceSource!
}
enum ChoiceSource { DEFAULT USER }
type Purpose {
  key: String!
  recipient: String!
  dataCategories: [String!]!
}
type DataSharingPurpose {
  purpose: Purpose!
  allowed: Boolean!
  reason: DecisionReason!
}
enum DecisionReason {
  PROHIBITED POLICY_NOT_ACCEPTED NOT_IN_POLICY ESSENTIAL USER_GRANTED USER_WITHDRAWN DEFAULT_GRANTED DEFAULT_DENIED BUSINESS_BLOCKED
}
`;

/** For @apollo/subgraph: it adds `_entities`, `_service` and the federation types itself. */
export const FEDERATED_SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n${OBJECT_TYPES}`;

/** For plain graphql-js: `_entities` written out the way @apollo/subgraph defines it. */
export const PLAIN_SDL = `
directive @key(fields: String!) repeatable on OBJECT | INTERFACE
scalar _Any
union _Entity = User
type Query { _entities(representations: [_Any!]!): [_Entity]! }
${OBJECT_TYPES}`;

interface StoredUser {
  readonly version: number;
  readonly accepted: boolean;
  readonly choices: readonly BenchChoice[];
}

interface ConsentView {
  readonly version: number;
  readonly needsReconsent: boolean;
  readonly user: StoredUser;
}

export interface FloorContext {
  readonly consentByUserId: DataLoader<string, StoredUser>;
  readonly now: Date;
}

const NEVER_SEEN: StoredUser = { version: 0, accepted: false, choices: [] };

/** The in-memory store and the per-request context factory (a fresh DataLoader each time, as in production). */
export function createFloorData(users: readonly BenchUser[]): { context: () => FloorContext } {
  const store = new Map<string, StoredUser>(users.map((u) => [u.id, { version: u.version, accepted: true, choices: u.choices }]));
  return {
    context: () => ({
      consentByUserId: new DataLoader<string, StoredUser>(async (ids) => ids.map((id) => store.get(id) ?? NEVER_SEEN)),
      now: new Date(),
    }),
  };
}

/**
 * The decision rules for the one policy every bench user accepted (it is
 * also the live one), in the service's order: prohibition, no acceptance,
 * essential, the user's choice, the default.
 */
function isProhibited(policy: Policy, purpose: Purpose): boolean {
  return purpose.dataCategories.some((c) =>
    policy.prohibitions.some((p) => p.dataCategory === c && (p.recipient === null || p.recipient === purpose.recipient)),
  );
}
const PROHIBITED = new Set(BENCH_POLICY.purposes.filter((p) => isProhibited(BENCH_POLICY, p)).map((p) => p.key));
const OPTIONAL = BENCH_POLICY.purposes.filter((p) => p.control !== 'NONE');

function choiceOf(user: StoredUser, key: string): BenchChoice | undefined {
  for (const choice of user.choices) if (choice.purposeKey === key) return choice;
  return undefined;
}

function decisions(user: StoredUser) {
  return BENCH_POLICY.purposes.map((purpose) => {
    if (PROHIBITED.has(purpose.key)) return { purpose, allowed: false, reason: 'PROHIBITED' };
    if (!user.accepted) return { purpose, allowed: false, reason: 'POLICY_NOT_ACCEPTED' };
    if (purpose.control === 'NONE') return { purpose, allowed: true, reason: 'ESSENTIAL' };
    const choice = choiceOf(user, purpose.key);
    if (choice) return { purpose, allowed: choice.granted, reason: choice.granted ? 'USER_GRANTED' : 'USER_WITHDRAWN' };
    return { purpose, allowed: purpose.defaultGranted, reason: purpose.defaultGranted ? 'DEFAULT_GRANTED' : 'DEFAULT_DENIED' };
  });
}

function choices(user: StoredUser) {
  return OPTIONAL.map((purpose) => {
    const choice = choiceOf(user, purpose.key);
    return choice ? { purpose, granted: choice.granted, source: 'USER' } : { purpose, granted: purpose.defaultGranted, source: 'DEFAULT' };
  });
}

async function view(userId: string, ctx: FloorContext): Promise<ConsentView> {
  const user = await ctx.consentByUserId.load(userId);
  // Accepted the live version: nothing to re-consent; never seen: must accept it.
  return { version: user.version, needsReconsent: !user.accepted, user };
}

type Resolver = GraphQLFieldResolver<unknown, FloorContext>;

/** Field resolvers shared by L2 and L4. */
export const floorResolvers = {
  User: {
    consent: ((user: { id: string }, _args, ctx) => view(user.id, ctx)) as Resolver,
    dataSharingPurposes: (async (user: { id: string }, _args, ctx) => decisions(await ctx.consentByUserId.load(user.id))) as Resolver,
  },
  Consent: {
    choices: ((v: ConsentView) => (v.user.accepted ? choices(v.user) : [])) as Resolver,
  },
};

/** L2's executable schema: graphql-js only, resolvers attached to the built types. */
export function buildPlainSchema(): GraphQLSchema {
  const schema = buildSchema(PLAIN_SDL);
  const query = schema.getQueryType()!;
  query.getFields()._entities!.resolve = (_root, args: { representations: { __typename: string; id: string }[] }) =>
    args.representations.map((r) => ({ __typename: r.__typename, id: r.id }));
  const entity = schema.getType('_Entity') as unknown as { resolveType: (value: { __typename: string }) => string };
  entity.resolveType = (value) => value.__typename;
  for (const [typeName, fields] of Object.entries(floorResolvers)) {
    const type = schema.getType(typeName) as GraphQLObjectType;
    for (const [fieldName, resolve] of Object.entries(fields)) type.getFields()[fieldName]!.resolve = resolve;
  }
  return schema;
}
