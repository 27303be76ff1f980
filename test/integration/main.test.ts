import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';
import { createTestDatabase } from '../support/database.js';

describe('the entry point', () => {
  it('serves, then on SIGTERM drains, closes the database and exits with 0', async () => {
    const database = await createTestDatabase();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src', 'main.ts')], {
      cwd: projectRoot,
      env: { ...process.env, ...database.env, PORT: '0', NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const match = /ready at (\S+)/.exec(output);
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited early (${code}): ${output}`)));
      });
      const answer = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ privacyPolicy { version } }"}',
      });
      expect(await answer.json()).toEqual({ data: { privacyPolicy: { version: '2016-08-25' } } });

      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(output).toContain('SIGTERM: draining requests and closing the database');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await database.drop();
    }
  }, 60_000);
});
