/**
 * What the Dockerfile's stages do, without a container engine: build from
 * only the files the build stage copies, copy only what the runtime stage
 * takes, install production dependencies, and start it with npm start, as
 * an unprivileged user, with the stage's environment. Then its HEALTHCHECK,
 * and SIGTERM to npm with a request in flight.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';
import { dockerfileStage } from '../support/dockerfile.js';
import { TEST_JWT_SECRET } from '../support/harness.js';
import { nothingListensOn, signalWithRequestInFlight } from '../support/in-flight.js';
import { startServerProcess } from '../support/server-process.js';

const run = promisify(execFile);
const build = dockerfileStage('build');
const stage = dockerfileStage('runtime');
// The image runs as `node`; here, when root, as nobody.
const unprivileged = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a production install of a built tree, as the runtime stage makes it', () => {
  let dir: string;
  let app: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'consent-install-'));
    await chmod(dir, 0o755);
    app = path.join(dir, 'app');
    const built = path.join(dir, 'build');
    for (const file of build.fromRepository) await cp(path.join(projectRoot, file), path.join(built, file), { recursive: true });
    // The build stage's `npm ci` installs exactly the lockfile, which is what node_modules here holds.
    await symlink(path.join(projectRoot, 'node_modules'), path.join(built, 'node_modules'));
    await run(process.execPath, [path.join(built, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
      cwd: built,
    });
    for (const file of stage.fromRepository) await cp(path.join(projectRoot, file), path.join(app, file), { recursive: true });
    for (const file of stage.fromBuild) await cp(path.join(built, file), path.join(app, file), { recursive: true });
    await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app });
    // What the image's unprivileged user may write: its data volume and a home for npm's logs.
    for (const writable of ['data', 'home']) {
      await mkdir(path.join(dir, writable));
      if (unprivileged.uid !== undefined) await chown(path.join(dir, writable), unprivileged.uid, unprivileged.gid);
    }
    // A full build and a production install: minutes on a busy machine.
  }, 300_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('has no development dependencies, and carries the migrations and the bundled policy in dist/', async () => {
    expect(existsSync(path.join(app, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(path.join(app, 'dist', 'src', 'policies', '2016-08-25.json'))).toBe(true);
    for (const dialect of ['sqlite', 'postgresql']) {
      const built = await readdir(path.join(app, 'dist', 'migrations', dialect));
      expect(built.filter((f) => f.endsWith('.js')).length).toBeGreaterThan(0);
    }
  });

  it('starts with npm start, passes its HEALTHCHECK, and on SIGTERM to npm drains and leaves nothing running', async () => {
    expect(stage.env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
    const env = {
      ...stage.env,
      PORT: '0',
      SQLITE_PATH: path.join(dir, 'data', 'consent.sqlite'),
      JWT_SECRET: TEST_JWT_SECRET,
      HOME: path.join(dir, 'home'),
      npm_config_cache: path.join(dir, 'home', '.npm'),
    };
    const server = startServerProcess(env, { command: ['npm', 'start'], cwd: app, ...unprivileged });
    try {
      const url = (await server.ready()).replace('0.0.0.0', '127.0.0.1');
      const port = new URL(url).port;
      const [command, ...args] = stage.healthcheck;
      expect(command).toBe('node');
      await run(process.execPath, args, { env: { ...process.env, PORT: port } });

      expect((await fetch(new URL('/ready', url))).status).toBe(200);
      const answer = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ privacyPolicy { version } }' }),
      });
      expect(await answer.json()).toEqual({ data: { privacyPolicy: { version: '2016-08-25' } } });

      // npm's only child is the server itself (the start script execs node).
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
