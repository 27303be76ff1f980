/**
 * L2, the GraphQL floor: node:http and graphql-js `execute` on the
 * hand-written SDL over in-memory data, with a per-request DataLoader.
 * Parsed and validated documents are cached, as Apollo Server does.
 */
import { generateUsers } from '../dataset.js';
import { buildPlainSchema, createFloorData } from '../floor-schema.js';
import { benchDataSetParameters, graphqlServer, listenOnLoopback, reportToParent } from './child.js';

const { users, seed } = benchDataSetParameters();
const data = createFloorData(generateUsers(users, seed));

reportToParent(await listenOnLoopback(graphqlServer(buildPlainSchema(), () => data.context())));
