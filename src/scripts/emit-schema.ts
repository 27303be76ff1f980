/**
 * Writes the subgraph SDL (the `_service { sdl }` form, with @link and @key)
 * to schema/consent.graphql. With --check, fails instead when the committed
 * file differs from what the code builds: the contract must not drift unseen.
 */
import 'reflect-metadata';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildSubgraphSdl } from '../graphql/schema.js';
import { projectRoot } from '../project-root.js';

export const SCHEMA_FILE = path.join(projectRoot, 'schema', 'consent.graphql');

const sdl = await buildSubgraphSdl();
if (process.argv.includes('--check')) {
  const committed = await readFile(SCHEMA_FILE, 'utf8').catch(() => '');
  if (committed !== sdl) {
    console.error('schema/consent.graphql is stale: run `npm run schema:emit` and commit the result.');
    process.exit(1);
  }
  console.log('schema/consent.graphql is up to date.');
} else {
  await writeFile(SCHEMA_FILE, sdl);
  console.log(`Wrote ${path.relative(projectRoot, SCHEMA_FILE)}`);
}
