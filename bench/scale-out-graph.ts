/**
 * The federated graph of the scale-out bench: the consent subgraph's
 * committed SDL beside a directory subgraph that owns nothing but
 * `usersById(ids)`. A client asking the gateway for those users' consent
 * makes the gateway send the consent subgraph one `_entities` request with
 * exactly those representations, as the ads graph's batch does.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { projectRoot } from '../src/project-root.js';

export const DIRECTORY_SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { usersById(ids: [ID!]!): [User!]! }
type User @key(fields: "id") { id: ID! }
`;

/** The ads graph's selection (bench/dataset.ts ENTITIES_QUERY), asked through the gateway. */
export const USERS_QUERY =
  'query ConsentForAds($ids: [ID!]!) { usersById(ids: $ids) { id consent { version needsReconsent choices { purpose { key } granted source } } dataSharingPurposes { purpose { key } allowed reason } } }';

/** The supergraph with both subgraphs at these URLs; the gateway may move the consent one (round robin). */
export function composeBenchSupergraph(urls: { consent: string; directory: string }): string {
  const consentSdl = readFileSync(path.join(projectRoot, 'schema', 'consent.graphql'), 'utf8');
  const result = composeServices([
    { name: 'consent', url: urls.consent, typeDefs: parse(consentSdl) },
    { name: 'directory', url: urls.directory, typeDefs: parse(DIRECTORY_SDL) },
  ]);
  if (result.errors) throw new Error(`The bench supergraph does not compose:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  return result.supergraphSdl;
}
