// Runs before `npm start`. A development checkout (TypeScript installed) is
// built from its sources first; a production install (`npm ci --omit=dev`
// of a built tree) runs the dist/ it was shipped with.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc = null;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  // A production install: no compiler, by design.
}

if (tsc !== null) {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
} else if (!existsSync('dist/src/main.js')) {
  console.error('dist/src/main.js is missing and TypeScript is not installed: run `npm ci && npm run build` first.');
  process.exit(1);
}
