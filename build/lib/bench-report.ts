import { appendFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './paths.ts';

/** Where every bench appends its section. */
export const BENCHMARKS_FILE = path.join(repoRoot, 'BENCHMARKS.md');

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  os: string;
  kernel: string;
  node: string;
}

/** The machine as the system describes it (CPU model, logical cores, RAM, distribution, Node). */
export function machine(): Machine {
  let distribution = `${os.type()} ${os.release()}`;
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release);
    if (pretty?.[1]) distribution = pretty[1];
  } catch {
    // Not Linux: os.type() is what there is.
  }
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    ramGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: distribution,
    kernel: os.release(),
    node: process.version,
  };
}

/** Load average and other processes using the CPU when a bench starts: timings on a shared machine are noisy. */
export function cpuContext(): string {
  const [one, five] = os.loadavg();
  return `load average at start ${one?.toFixed(2)} (1 min), ${five?.toFixed(2)} (5 min) on ${os.cpus().length} cores`;
}

/** Percentile (nearest rank) of an ascending sorted array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** A growable list of latency samples (milliseconds) without an object per sample. */
export class Samples {
  #values = new Float64Array(1024);
  #length = 0;

  add(value: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = value;
  }

  get count(): number {
    return this.#length;
  }

  clear(): void {
    this.#length = 0;
  }

  summary(): LatencySummary {
    const sorted = this.#values.slice(0, this.#length).sort();
    return {
      count: sorted.length,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    };
  }
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export const ms = (value: number, digits = 2) => (Number.isFinite(value) ? `${value.toFixed(digits)} ms` : 'n/a');
export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** A Markdown table. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.map((cell) => String(cell).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The header every bench section starts with: what ran, where, when. */
export function sectionHeader(title: string, command: string, notes: readonly string[] = []): string {
  const m = machine();
  return [
    `## ${title} — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `- Command: \`${command}\``,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os} (kernel ${m.kernel}), Node ${m.node}`,
    ...notes.map((note) => `- ${note}`),
    '',
  ].join('\n');
}

/** Appends a section to BENCHMARKS.md (and says so). */
export function appendSection(markdown: string): void {
  appendFileSync(BENCHMARKS_FILE, `\n${markdown.trimEnd()}\n`);
  console.log(`\nAppended to ${path.relative(process.cwd(), BENCHMARKS_FILE) || BENCHMARKS_FILE}.`);
}

/** The command line that ran this bench, as a user would type it. */
export function commandLine(script: string): string {
  const args = process.argv.slice(2);
  return [`npm run ${script}`, ...(args.length > 0 ? ['--', ...args] : [])].join(' ');
}

/** Resident set size and its peak (VmHWM) of a process, from /proc; null where /proc is not there. */
export function processMemory(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kib('VmRSS'), peak: kib('VmHWM') };
  } catch {
    return null;
  }
}

/** CPU time (user + system, seconds) a process has used so far, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Parses `--name=value` arguments into numbers, with defaults. */
export function numericArgs<T extends Record<string, number>>(defaults: T): T {
  const result: Record<string, number> = { ...defaults };
  for (const arg of process.argv.slice(2)) {
    const match = /^--([a-zA-Z-]+)=(.+)$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}; expected --name=value with name one of ${Object.keys(defaults).join(', ')}`);
    const key = (match[1] as string).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(key in defaults)) throw new Error(`unknown option --${match[1]}; known: ${Object.keys(defaults).join(', ')}`);
    const value = Number(match[2]);
    if (!Number.isFinite(value)) throw new Error(`--${match[1]} must be a number`);
    result[key] = value;
  }
  return result as T;
}

/**
 * The functions with the most self time in a V8 CPU profile (`node --cpu-prof`),
 * idle time, the garbage collector and "(program)" shown apart.
 */
export function hotFunctions(profileFile: string, count = 10): { name: string; percent: number }[] {
  const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const node = nodes.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') return;
    total += delta;
    const where = node.callFrame.url ? ` (${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1})` : '';
    const name = `${node.callFrame.functionName || '(anonymous)'}${where}`;
    self.set(name, (self.get(name) ?? 0) + delta);
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, time]) => ({ name, percent: (time / total) * 100 }));
}
