/**
 * L2, the GraphQL floor: node:http and graphql-js `execute` on the
 * hand-written SDL over in-memory data, with a per-request DataLoader.
 * Parsed and validated documents are cached, as Apollo Server does.
 */
import { createServer } from 'node:http';
import { execute, parse, validate, type DocumentNode } from 'graphql';
import { generateUsers } from '../dataset.js';
import { buildPlainSchema, createFloorData } from '../floor-schema.js';
import { benchDataSetParameters, listenOnLoopback, readBody, reportToParent } from './child.js';

const { users, seed } = benchDataSetParameters();
const data = createFloorData(generateUsers(users, seed));
const schema = buildPlainSchema();
const documents = new Map<string, DocumentNode>();

function documentFor(query: string): DocumentNode {
  let document = documents.get(query);
  if (!document) {
    document = parse(query);
    const errors = validate(schema, document);
    if (errors.length > 0) throw errors[0];
    documents.set(query, document);
  }
  return document;
}

const server = createServer((req, res) => {
  readBody(req)
    .then(async (raw) => {
      const body = JSON.parse(raw) as { query: string; variables?: Record<string, unknown> };
      const result = await execute({
        schema,
        document: documentFor(body.query),
        variableValues: body.variables,
        contextValue: data.context(),
      });
      const text = JSON.stringify(result);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    })
    .catch((error: unknown) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: String(error) }] }));
    });
});

reportToParent(await listenOnLoopback(server));
