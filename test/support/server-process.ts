/**
 * The real entry point in a child process (`src/main.ts` under tsx, or any
 * command such as `npm start`), for what only a process shows: exit codes,
 * signals, what is printed on a failed start.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { projectRoot } from '../../src/project-root.js';

export interface ServerProcess {
  readonly child: ChildProcess;
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string;
  stderr(): string;
  /** Resolves to the GraphQL URL once the server says it is ready; rejects if it exits first. */
  ready(): Promise<string>;
  /** Resolves to the exit code (or the signal that ended it). */
  exited(): Promise<number | NodeJS.Signals>;
  kill(signal?: NodeJS.Signals): void;
}

export const MAIN_COMMAND: readonly string[] = [process.execPath, '--import', 'tsx', path.join(projectRoot, 'src', 'main.ts')];

export function startServerProcess(
  env: Record<string, string>,
  options: { command?: readonly string[]; cwd?: string; uid?: number; gid?: number } = {},
): ServerProcess {
  const [command, ...args] = options.command ?? MAIN_COMMAND;
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd ?? projectRoot,
    env: { ...process.env, PORT: '0', POLICY_REFRESH_SECONDS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
  };
  const child = spawn(command!, args, spawnOptions);
  let output = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
    stderr += chunk;
  });
  const exit = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | NodeJS.Signals);
  return {
    child,
    output: () => output,
    stderr: () => stderr,
    ready: () =>
      new Promise((resolve, reject) => {
        const look = () => {
          const match = /ready at (\S+)/.exec(output);
          if (match) resolve(match[1]!);
        };
        child.stdout?.on('data', look);
        look();
        exit.then((code) => reject(new Error(`exited (${code}) before it was ready:\n${output}`)));
      }),
    exited: () => exit,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
