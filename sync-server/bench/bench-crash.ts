/**
 * npm run bench:crash [-- --cycles=100 --writers=3 --edits-per-second=400 --seed=N --append=0]
 *
 * 100 cycles of: writers edit one document through a real sync-server
 * process, the process is killed with SIGKILL mid-write and restarted on the
 * same data directory, and every update any client had received must be in
 * the recovered document. Appends the result to BENCHMARKS.md.
 */
import { runCrashCycles } from '../test/harness/crash.ts';
import { benchHomeserver, startGovdesk } from '../test/harness/govdesk.ts';
import { appendSection, commandLine, cpuContext, ms, numericArgs, sectionHeader, table } from '../../build/lib/bench-report.ts';

const args = numericArgs({ cycles: 100, writers: 3, editsPerSecond: 400, killMin: 100, killMax: 400, compactAfter: 150, seed: Date.now() % 1_000_000, append: 1 });
const context = cpuContext();
const homeserver = await benchHomeserver();
const env = { GOVDESK_SYNC_COMPACT_AFTER_UPDATES: String(args.compactAfter), GOVDESK_SYNC_SESSION_TTL_SECONDS: '3600' };
const setup = await startGovdesk(homeserver, env);
console.log(`bench:crash — ${args.cycles} cycles, ${args.writers} writers × ${args.editsPerSecond} edits/s, SIGKILL ${args.killMin}–${args.killMax} ms after editing starts, seed ${args.seed}`);

let report;
try {
  report = await runCrashCycles(setup, {
    cycles: args.cycles,
    writers: args.writers,
    editsPerSecond: args.editsPerSecond,
    killAfterMs: [args.killMin, args.killMax],
    seed: args.seed,
    onCycle: (cycle) =>
      console.log(
        `cycle ${String(cycle.cycle).padStart(3)}: killed after ${cycle.killAfterMs} ms, sent ${cycle.sent}, received ${cycle.received} (watcher ${cycle.watcherReceived}), in flight at kill ${cycle.inFlightAtKill}, missing ${cycle.missing}${cycle.stateVectorCovered && cycle.cumulativeContained ? '' : ' STATE LOST'}, restart ${Math.round(cycle.restartMs)} ms, cycle ${Math.round(cycle.cycleMs)} ms`,
      ),
  });
} finally {
  await setup.stop();
}

const cycles = report.cycles;
const lossCycles = cycles.filter((cycle) => cycle.missing > 0 || !cycle.stateVectorCovered || !cycle.cumulativeContained);
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const cycleMs = sorted(cycles.map((cycle) => cycle.cycleMs));
const restartMs = sorted(cycles.map((cycle) => cycle.restartMs));
const median = (values: number[]) => values[Math.floor(values.length / 2)] ?? Number.NaN;
const sum = (pick: (cycle: (typeof cycles)[number]) => number) => cycles.reduce((total, cycle) => total + pick(cycle), 0);

const summary = {
  cycles: cycles.length,
  updatesSent: sum((cycle) => cycle.sent),
  updatesChecked: report.updatesChecked,
  uniqueBroadcasts: sum((cycle) => cycle.watcherReceived - 1),
  cyclesKilledWithWritesInFlight: cycles.filter((cycle) => cycle.inFlightAtKill > 0).length,
  missing: report.missing,
  cyclesWithLoss: lossCycles.length,
  meanCycleMs: report.totalMs / cycles.length,
};
console.log('\n', summary);

const verdict = lossCycles.length === 0 ? 'no loss (target met)' : `LOSS in ${lossCycles.length} cycles (target missed): cycles ${lossCycles.map((cycle) => cycle.cycle).join(', ')}`;
const section = (
  [
    sectionHeader('bench:crash — SIGKILL mid-write, restart, check every received update', commandLine('bench:crash'), [
      context,
      `Parameters: ${args.cycles} cycles on one document; per cycle ${args.writers} writer clients (Y.Doc, raw y-websocket frames) × ${args.editsPerSecond} edits/s (insert / delete / map set, one update frame each) plus one watcher; SIGKILL at a random ${args.killMin}–${args.killMax} ms after editing starts; restart on the same data directory and port; GOVDESK_SYNC_COMPACT_AFTER_UPDATES=${args.compactAfter} so kills also land during compaction; seed ${args.seed}.`,
      'Check: after each restart a fresh client does a full sync (SyncStep1 with an empty state vector); every SyncStep2/Update payload any client received in the cycle must satisfy `Y.snapshotContainsUpdate(Y.snapshot(recovered), update)`, the recovered state vector must cover the merged state vector of all of them, and the merge of everything received in all cycles so far must still be contained.',
      'Scope: a process crash (SIGKILL). Power loss / kernel crash is not simulated; the server relies on SQLite WAL with synchronous=FULL for that.',
    ]),
    table(
      ['cycles', 'updates sent', 'updates checked (all clients)', 'broadcasts (watcher)', 'kills with writes in flight', 'missing updates', 'cycles with loss', 'time per cycle (mean / median)', 'kill → listening again (median / max)'],
      [
        [
          summary.cycles,
          summary.updatesSent,
          summary.updatesChecked,
          summary.uniqueBroadcasts,
          `${summary.cyclesKilledWithWritesInFlight} of ${cycles.length}`,
          summary.missing,
          summary.cyclesWithLoss,
          `${ms(summary.meanCycleMs, 0)} / ${ms(median(cycleMs), 0)}`,
          `${ms(median(restartMs), 0)} / ${ms(restartMs.at(-1) ?? Number.NaN, 0)}`,
        ],
      ],
    ),
    '',
    `Result: ${verdict}. Recovered document at the end: ${report.recoveredBytes} bytes as one update.`,
  ].join('\n')
);
if (args.append) appendSection(section);
else console.log(`\n${section}`);
process.exit(lossCycles.length === 0 ? 0 : 1);
