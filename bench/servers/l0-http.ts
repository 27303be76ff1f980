/**
 * L0, the physical floor: node:http answering each known request body with
 * its answer computed once at start-up (by L2's schema, so the bytes are the
 * same answer). Per request it only reads the body and writes the bytes.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { execute, parse } from 'graphql';
import { generateUsers } from '../dataset.js';
import { buildPlainSchema, createFloorData } from '../floor-schema.js';
import { benchDataSetParameters, listenOnLoopback, readBody, reportToParent } from './child.js';

const workloadPath = process.env.BENCH_WORKLOAD;
if (!workloadPath) throw new Error('BENCH_WORKLOAD is set by the bench runner');
const workload = JSON.parse(readFileSync(workloadPath, 'utf8')) as { bodies: Record<string, string[]> };

const { users, seed } = benchDataSetParameters();
const data = createFloorData(generateUsers(users, seed));
const schema = buildPlainSchema();
const answers = new Map<string, Buffer>();
for (const raw of Object.values(workload.bodies).flat()) {
  const body = JSON.parse(raw) as { query: string; variables?: Record<string, unknown> };
  const result = await execute({ schema, document: parse(body.query), variableValues: body.variables, contextValue: data.context() });
  answers.set(raw, Buffer.from(JSON.stringify(result)));
}

const server = createServer((req, res) => {
  readBody(req).then((raw) => {
    const answer = answers.get(raw);
    if (!answer) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"errors":[{"message":"not a precomputed request"}]}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': answer.length });
    res.end(answer);
  });
});

reportToParent(await listenOnLoopback(server));
