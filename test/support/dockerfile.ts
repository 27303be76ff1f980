/**
 * Reads a stage of the Dockerfile, so the production-install test does what
 * the image build would (there is no container engine in CI): the files
 * each stage copies from the repository and from the build stage, the
 * runtime environment and the HEALTHCHECK command.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/project-root.js';

export interface Stage {
  /** Paths copied from the repository, as written in COPY. */
  readonly fromRepository: readonly string[];
  /** Paths copied from the build stage, relative to its WORKDIR. */
  readonly fromBuild: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly healthcheck: readonly string[];
}

export function dockerfileStage(name: string): Stage {
  const text = readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, '');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^FROM .* AS ${name}$`, 'i').test(l));
  if (start < 0) throw new Error(`The Dockerfile has no stage named ${name}`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('FROM '));
  const stage = lines.slice(start + 1, end < 0 ? undefined : end);
  const fromRepository: string[] = [];
  const fromBuild: string[] = [];
  const env: Record<string, string> = {};
  let healthcheck: string[] = [];
  for (const line of stage) {
    const copy = /^COPY (--from=\S+ )?(.+) \S+$/.exec(line);
    if (copy) {
      const sources = copy[2]!.split(/\s+/);
      if (copy[1]) fromBuild.push(...sources.map((s) => s.replace(/^\/app\//, '')));
      else fromRepository.push(...sources);
    }
    if (line.startsWith('ENV ')) {
      for (const [, name, value] of line.slice(4).matchAll(/(\w+)=(\S+)/g)) env[name!] = value!;
    }
    const check = /^HEALTHCHECK .*CMD (\[.*\])$/.exec(line);
    if (check) healthcheck = JSON.parse(check[1]!) as string[];
  }
  return { fromRepository, fromBuild, env, healthcheck };
}
