/**
 * L4: Apollo Server and @apollo/subgraph with the floors' hand-written SDL
 * over in-memory data, behind the same minimal node:http front as the
 * production server (no auth, no ORM, no type-graphql).
 */
import { createServer } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { generateUsers } from '../dataset.js';
import { createFloorData, FEDERATED_SDL, type FloorContext, floorResolvers } from '../floor-schema.js';
import { benchDataSetParameters, listenOnLoopback, readBody, reportToParent } from './child.js';

const { users, seed } = benchDataSetParameters();
const data = createFloorData(generateUsers(users, seed));
const schema = buildSubgraphSchema({
  typeDefs: parse(FEDERATED_SDL),
  resolvers: {
    User: { __resolveReference: (reference: { id: string }) => ({ id: reference.id }), ...floorResolvers.User },
    Consent: floorResolvers.Consent,
  } as never,
});
const apollo = new ApolloServer<FloorContext>({ schema });
await apollo.start();

const server = createServer((req, res) => {
  readBody(req)
    .then(async (raw) => {
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'POST', headers, search: '', body: JSON.parse(raw) },
        context: async () => data.context(),
      });
      for (const [name, value] of response.headers) res.setHeader(name, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') {
        res.end(response.body.string);
        return;
      }
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    })
    .catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: String(error) }] }));
    });
});

reportToParent(await listenOnLoopback(server), { stop: () => apollo.stop() });
