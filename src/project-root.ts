import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

/** The folder holding package.json, whether this runs from src/ (tsx, vitest) or dist/ (built). */
export const projectRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** True when running the TypeScript sources directly rather than the build. */
export const runningFromSource = fileURLToPath(import.meta.url).endsWith('.ts');
