/**
 * The Node flags production runs with are written once, in package.json's
 * config.nodeFlags: `npm start` passes them, and the Dockerfile, which
 * starts node itself, must name the same ones (the bench runs every server
 * with them, so a flag that drifted would be measured but not shipped).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';

const read = (file: string) => readFileSync(path.join(projectRoot, file), 'utf8');
const manifest = JSON.parse(read('package.json')) as { config: { nodeFlags: string }; scripts: Record<string, string> };
const flags = manifest.config.nodeFlags.split(/\s+/).filter(Boolean);

describe('the Node flags production ships with', () => {
  it('size the young generation for a server whose requests wait on a database', () => {
    expect(flags).toContain('--max-semi-space-size=64');
  });

  it('are what npm start passes to node', () => {
    expect(manifest.scripts.start).toBe('exec node $npm_package_config_nodeFlags dist/src/main.js');
  });

  it('are what the container image starts node with', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    expect(cmd).toBeDefined();
    expect(JSON.parse(cmd as string)).toEqual(['node', ...flags, 'dist/src/main.js']);
  });
});
