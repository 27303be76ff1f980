/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the top functions by
 * self time, each with the package it belongs to, then self time per
 * package, then the inclusive time of the service's own functions (where its
 * requests spend their time, callees included).
 *
 *   node dist/bench/cpuprofile-top.js bench/results/prod-sqlite-n100.cpuprofile [--top 25] [--from-us T --to-us T]
 *
 * --from-us/--to-us keep only the samples taken in that window; V8 stamps
 * samples with the monotonic clock of process.hrtime, so the bench passes
 * the start and end of its measured load and start-up is left out.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface FunctionCost {
  readonly name: string;
  readonly location: string;
  readonly pkg: string;
  readonly selfMs: number;
  readonly totalMs: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly busyMs: number;
  readonly functions: readonly FunctionCost[];
  readonly packages: readonly { readonly pkg: string; readonly selfMs: number }[];
}

/** Which package a script belongs to: the node_modules package, the service's own code, Node itself, or V8. */
export function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (core)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const own = /\/dist\/(src|bench)\//.exec(url);
  if (own) return own[1] === 'src' ? 'service (src/)' : 'bench harness';
  return 'other';
}

function shortLocation(frame: CallFrame): string {
  if (frame.url === '') return '';
  const path = frame.url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  const shown = modules >= 0 ? path.slice(modules + '/node_modules/'.length) : path.replace(/^.*\/dist\//, '');
  return `${shown}:${frame.lineNumber + 1}`;
}

export interface SampleWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

export function summariseProfile(profile: CpuProfile, window?: SampleWindow): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (node: ProfileNode) => `${node.callFrame.functionName}|${node.callFrame.url}|${node.callFrame.lineNumber}`;

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const frames = new Map<string, CallFrame>();
  let totalUs = 0;
  let idleUs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    totalUs += delta;
    const leaf = byId.get(id)!;
    if (leaf.callFrame.functionName === '(idle)') idleUs += delta;
    const leafKey = keyOf(leaf);
    frames.set(leafKey, leaf.callFrame);
    self.set(leafKey, (self.get(leafKey) ?? 0) + delta);
    const seen = new Set<string>();
    for (let node: ProfileNode | undefined = leaf; node; node = byId.get(parent.get(node.id) ?? -1)) {
      const key = keyOf(node);
      if (seen.has(key)) continue;
      seen.add(key);
      frames.set(key, node.callFrame);
      total.set(key, (total.get(key) ?? 0) + delta);
    }
  });

  const functions = [...frames.entries()].map(([key, frame]) => ({
    name: frame.functionName || '(anonymous)',
    location: shortLocation(frame),
    pkg: packageOf(frame.url, frame.functionName),
    selfMs: (self.get(key) ?? 0) / 1000,
    totalMs: (total.get(key) ?? 0) / 1000,
  }));
  const packages = new Map<string, number>();
  for (const f of functions) packages.set(f.pkg, (packages.get(f.pkg) ?? 0) + f.selfMs);
  return {
    totalMs: totalUs / 1000,
    busyMs: (totalUs - idleUs) / 1000,
    functions,
    packages: [...packages.entries()].map(([pkg, selfMs]) => ({ pkg, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

export function formatSummary(summary: ProfileSummary, top = 25): string {
  const pct = (ms: number) => `${((100 * ms) / summary.busyMs).toFixed(1).padStart(5)}%`;
  const lines: string[] = [];
  lines.push(
    `Profile: ${(summary.totalMs / 1000).toFixed(1)} s sampled, ${(summary.busyMs / 1000).toFixed(1)} s busy (percentages are of busy time)`,
  );
  lines.push('', `Top ${top} functions by self time:`);
  lines.push(`${'self'.padStart(6)}  ${'package'.padEnd(26)} function (location)`);
  for (const f of [...summary.functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) {
    lines.push(`${pct(f.selfMs)}  ${f.pkg.padEnd(26)} ${f.name} (${f.location})`);
  }
  lines.push('', 'Self time by package:');
  for (const p of summary.packages.filter((p) => p.selfMs > 0)) lines.push(`${pct(p.selfMs)}  ${p.pkg}`);
  lines.push('', "Inclusive time of the service's own functions (callees included):");
  const own = summary.functions.filter((f) => f.pkg === 'service (src/)' && f.name !== '(anonymous)');
  for (const f of own.sort((a, b) => b.totalMs - a.totalMs).slice(0, 15)) lines.push(`${pct(f.totalMs)}  ${f.name} (${f.location})`);
  return lines.join('\n');
}

export function summariseFile(file: string, window?: SampleWindow): ProfileSummary {
  return summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, window);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/cpuprofile-top.js <file.cpuprofile> [--top N]');
    process.exit(2);
  }
  const option = (name: string) => {
    const index = rest.indexOf(name);
    return index >= 0 ? Number(rest[index + 1]) : undefined;
  };
  const fromUs = option('--from-us');
  const toUs = option('--to-us');
  const window = fromUs !== undefined || toUs !== undefined ? { fromUs: fromUs ?? 0, toUs: toUs ?? Number.POSITIVE_INFINITY } : undefined;
  console.log(formatSummary(summariseFile(file, window), option('--top') ?? 25));
}
