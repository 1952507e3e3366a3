import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Who else is using the CPU: on a shared 2-core machine a bench's numbers mean
 * little without it. Samples every process's CPU time from /proc twice, a
 * second apart, and names those above `thresholdPct` by program and script
 * file name only (no paths, no other arguments).
 */
export async function busyProcesses(thresholdPct = 5, sampleMs = 1000): Promise<string> {
  const read = () => {
    const times = new Map<number, { comm: string; ticks: number }>();
    let pids: string[];
    try {
      pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
    } catch {
      return times;
    }
    for (const pid of pids) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const comm = describe(pid) ?? stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        times.set(Number(pid), { comm, ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        // The process ended between the listing and the read.
      }
    }
    return times;
  };
  const before = read();
  if (before.size === 0) return 'unknown (no /proc)';
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const after = read();
  const busy: { comm: string; pct: number }[] = [];
  for (const [pid, now] of after) {
    if (pid === process.pid) continue;
    const then = before.get(pid);
    if (!then) continue;
    const pct = ((now.ticks - then.ticks) / 100 / (sampleMs / 1000)) * 100;
    if (pct >= thresholdPct) busy.push({ comm: now.comm, pct });
  }
  busy.sort((a, b) => b.pct - a.pct);
  return busy.length > 0 ? busy.map((entry) => `${entry.comm} ${Math.round(entry.pct)} %`).join(', ') : `none above ${thresholdPct} %`;
}

/** `node repro.ts`: the program and the first argument that is not an option, both without their directories. */
function describe(pid: string): string | null {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    if (argv.length === 0) return null;
    const script = argv.slice(1).find((arg) => !arg.startsWith('-'));
    return [path.basename(argv[0] as string), ...(script ? [path.basename(script)] : [])].join(' ');
  } catch {
    return null;
  }
}

export function loadAverage(): string {
  const [one, five] = os.loadavg();
  return `${one?.toFixed(2)} (1 min), ${five?.toFixed(2)} (5 min)`;
}
