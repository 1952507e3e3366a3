import { rmSync, writeFileSync } from 'node:fs';
import type { RunningHomeserver } from '../../../build/homeserver/index.ts';
import { metric } from '../../../test/support/sync-server.ts';
import { processMemory } from '../../../build/lib/bench-report.ts';
import { govdeskTarget, referenceTarget, type Target } from './targets.ts';

/**
 * The three servers every case runs against, each a fresh process per case
 * (so memory peaks and log sizes of one case do not carry into the next).
 */
export type ServerKind = 'govdesk' | 'reference' | 'reference-leveldb';

export const SERVER_LABELS: Record<ServerKind, string> = {
  govdesk: 'GovDesk sync-server',
  reference: 'y-websocket@2.1.0',
  'reference-leveldb': 'y-websocket@2.1.0 + LevelDB',
};

/** Group commits of our server over an interval, from its /metrics. */
export interface CommitStats {
  commits: number;
  updates: number;
  meanMs: number;
  /** Commits that took longer than 5 ms (the histogram's bucket bound). */
  over5ms: number;
  over25ms: number;
}

export interface BenchServer {
  kind: ServerKind;
  target: Target;
  /** Counters to diff for group-commit statistics; null for the reference server. */
  commitCounters(): Promise<number[] | null>;
  /** Removes the data directory after the stop (ours; the reference's LevelDB directory is not exposed by targets.ts and stays in the temp dir). */
  cleanup(): void;
}

/** Every server this bench started and has not stopped: killed if the bench itself ends early (Ctrl-C, a crash). */
const running = new Set<Target>();

/** Ends the servers still running (by their own process IDs); for an exit handler, so synchronous. */
export function killRunningServers(): void {
  for (const target of running) {
    try {
      process.kill(target.pid(), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  running.clear();
}

/** Stops `target` and forgets it. */
async function tracked(target: Target): Promise<Target> {
  running.add(target);
  const stop = target.stop.bind(target);
  target.stop = async () => {
    await stop();
    running.delete(target);
  };
  return target;
}

export async function startServer(kind: ServerKind, homeserver: RunningHomeserver, options: { profileDir?: string } = {}): Promise<BenchServer> {
  if (kind !== 'govdesk') {
    if (options.profileDir) throw new Error('profiling is wired for our server only');
    return { kind, target: await tracked(await referenceTarget({ leveldb: kind === 'reference-leveldb' })), commitCounters: async () => null, cleanup: () => {} };
  }
  // govdesk.ts passes this variable to the server process as NODE_OPTIONS; it is read once, at start.
  if (options.profileDir) process.env.GOVDESK_BENCH_SERVER_NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${options.profileDir}`;
  let target;
  try {
    target = await govdeskTarget(homeserver);
  } finally {
    delete process.env.GOVDESK_BENCH_SERVER_NODE_OPTIONS;
  }
  const setup = target.setup;
  await tracked(target);
  return {
    kind,
    target,
    async commitCounters() {
      const server = setup.server;
      return Promise.all([
        metric(server, 'govdesk_sync_persist_seconds_count'),
        metric(server, 'govdesk_sync_persist_seconds_sum'),
        metric(server, 'govdesk_sync_persist_batch_updates_sum'),
        metric(server, 'govdesk_sync_persist_seconds_bucket', { le: '0.005' }),
        metric(server, 'govdesk_sync_persist_seconds_bucket', { le: '0.025' }),
      ]);
    },
    cleanup: () => rmSync(setup.server.dataDir, { recursive: true, force: true }),
  };
}

export function commitStats(before: number[] | null, after: number[] | null): CommitStats | null {
  if (!before || !after) return null;
  const d = after.map((value, i) => value - (before[i] as number));
  const [commits = 0, seconds = 0, updates = 0, within5 = 0, within25 = 0] = d;
  return { commits, updates, meanMs: commits > 0 ? (seconds * 1000) / commits : Number.NaN, over5ms: commits - within5, over25ms: commits - within25 };
}

/**
 * Resets the kernel's peak-RSS mark (VmHWM) of a process, so that the peak
 * read afterwards belongs to what follows. Linux only (clear_refs value 5,
 * our own child process); false where that is not possible.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const memory = processMemory(pid);
    return memory !== null && memory.peak <= memory.rss * 1.05;
  } catch {
    return false;
  }
}
