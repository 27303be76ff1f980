/**
 * What the container's runtime stage does, without a container engine:
 * build, copy only the runtime files, install production dependencies, and
 * run `npm start` there. Then SIGTERM to npm with a request in flight.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';
import { TEST_JWT_SECRET } from '../support/harness.js';
import { nothingListensOn, signalWithRequestInFlight } from '../support/in-flight.js';
import { startServerProcess } from '../support/server-process.js';

const run = promisify(execFile);
// The files the Dockerfile's runtime stage copies besides node_modules.
const RUNTIME_FILES = ['package.json', 'package-lock.json', 'scripts', 'dist'];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a production install of a built tree', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'consent-install-'));
    const tsc = path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', path.join(dir, 'dist')], { cwd: projectRoot });
    for (const file of RUNTIME_FILES.filter((f) => f !== 'dist')) {
      await cp(path.join(projectRoot, file), path.join(dir, file), { recursive: true });
    }
    await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('has no development dependencies, and carries the migrations and the bundled policy in dist/', async () => {
    expect(existsSync(path.join(dir, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(path.join(dir, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(path.join(dir, 'dist', 'src', 'policies', '2016-08-25.json'))).toBe(true);
    for (const dialect of ['sqlite', 'postgresql']) {
      const built = await readdir(path.join(dir, 'dist', 'migrations', dialect));
      expect(built.filter((f) => f.endsWith('.js')).length).toBeGreaterThan(0);
    }
  });

  it('starts with npm start, answers, and on SIGTERM to npm drains and leaves nothing running', async () => {
    const server = startServerProcess(
      { SQLITE_PATH: path.join(dir, 'data', 'consent.sqlite'), NODE_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET },
      { command: ['npm', 'start'], cwd: dir },
    );
    try {
      const url = await server.ready();
      expect((await fetch(new URL('/ready', url))).status).toBe(200);
      const answer = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ privacyPolicy { version purposes { key } } }' }),
      });
      expect(((await answer.json()) as { data: { privacyPolicy: { version: string } } }).data.privacyPolicy.version).toBe('2016-08-25');

      // npm's child is the server itself (the start script execs node).
      const npm = server.child.pid!;
      const children = (await readFile(`/proc/${npm}/task/${npm}/children`, 'utf8')).trim().split(' ').map(Number);
      expect(children).toHaveLength(1);
      const node = children[0]!;
      expect(await readFile(`/proc/${node}/cmdline`, 'utf8')).toContain('dist/src/main.js');

      await signalWithRequestInFlight(url, async () => {
        server.kill('SIGTERM');
        await expect.poll(() => server.output(), { timeout: 10_000 }).toContain('SIGTERM: draining requests and closing the database');
      });
      expect(await server.exited()).toBe(0);
      expect(alive(node)).toBe(false);
      expect(await nothingListensOn(url)).toBe('ECONNREFUSED');
    } finally {
      server.kill('SIGKILL');
    }
  });
});
