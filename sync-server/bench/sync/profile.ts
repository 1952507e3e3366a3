import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../../build/lib/paths.ts';

/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and sums self time
 * by function and by module. Samples can be limited to a window given in
 * microseconds of the monotonic clock: V8 stamps profiles with the same clock
 * as `process.hrtime`, so the bench (another process on the same machine)
 * can say "only while the load ran" without the server's startup and
 * connection setup diluting the picture.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  /** Share of all samples in the window, idle included. */
  pct: number;
}

export interface ProfileSummary {
  files: readonly string[];
  windowMs: number;
  /** Share of the window the main thread was not idle. */
  busyPct: number;
  gcPct: number;
  functions: ProfileEntry[];
  modules: ProfileEntry[];
}

/** The monotonic clock V8 stamps profiles with, in microseconds. */
export const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

/**
 * The main threads' profiles in a `--cpu-prof-dir` (files are
 * `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`; thread 0 is the main
 * thread): one per process, so a restarted server leaves two.
 */
export function mainThreadProfiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.cpuprofile') && name.split('.')[4] === '0')
    .sort()
    .map((name) => path.join(directory, name));
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

function moduleOf(frame: CallFrame): string {
  if (SPECIAL.has(frame.functionName) && frame.url === '') return frame.functionName;
  const url = frame.url.replace(/^file:\/\//, '');
  if (url === '') return '(native code)';
  if (url.startsWith('node:')) return 'Node core (node:*)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1] as string;
  if (url.startsWith(repoRoot)) return path.relative(repoRoot, url);
  return url;
}

function locationOf(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, '');
  if (url === '') return '';
  const pkg = /\/node_modules\/(.*)$/.exec(url);
  const short = pkg ? (pkg[1] as string) : url.startsWith(repoRoot) ? path.relative(repoRoot, url) : url;
  return ` ${short}:${frame.lineNumber + 1}`;
}

/** Summarises the samples of `files` that fall in any of `windows` (all samples when none are given). */
export function summariseProfiles(files: readonly string[], windows: readonly { startUs: number; endUs: number }[] = [], top = 12): ProfileSummary {
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    let at = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      const delta = profile.timeDeltas[i] ?? 0;
      at += delta;
      if (windows.length > 0 && !windows.some((window) => at >= window.startUs && at <= window.endUs)) continue;
      // A sample stands for the time since the previous one.
      const frame = byId.get(profile.samples[i] as number);
      if (!frame) continue;
      total += delta;
      if (frame.functionName === '(idle)') idle += delta;
      if (frame.functionName === '(garbage collector)') gc += delta;
      const name = `${frame.functionName || '(anonymous)'}${locationOf(frame)}`;
      functions.set(name, (functions.get(name) ?? 0) + delta);
      const module = moduleOf(frame);
      modules.set(module, (modules.get(module) ?? 0) + delta);
    }
  }
  const entries = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000, pct: total > 0 ? (us / total) * 100 : 0 }));
  return {
    files,
    windowMs: total / 1000,
    busyPct: total > 0 ? ((total - idle) / total) * 100 : 0,
    gcPct: total > 0 ? (gc / total) * 100 : 0,
    functions: entries(functions),
    modules: entries(modules),
  };
}
