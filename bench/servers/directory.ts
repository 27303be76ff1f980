/**
 * The directory subgraph of the scale-out bench (bench/scale-out-graph.ts):
 * `usersById(ids)` answers `{ id }` for each id, with no I/O, on the same
 * graphql-js server as the L2 floor, so what it adds to the gateway's plan
 * is small and measured apart.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { DIRECTORY_SDL } from '../scale-out-graph.js';
import { graphqlServer, listenOnLoopback, reportToParent } from './child.js';

const schema = buildSubgraphSchema({
  typeDefs: parse(DIRECTORY_SDL),
  resolvers: {
    Query: { usersById: (_: unknown, args: { ids: string[] }) => args.ids.map((id) => ({ id })) },
    User: { __resolveReference: (reference: { id: string }) => ({ id: reference.id }) },
  } as never,
});

reportToParent(await listenOnLoopback(graphqlServer(schema)));
