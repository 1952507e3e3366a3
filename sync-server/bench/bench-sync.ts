/**
 * npm run bench:sync [-- --seconds=10 --watchers=50 --docs=100 --clients-per-doc=10 --joiners=150 --doc-mib=4 …]
 *
 * Our sync-server against the reference y-websocket server (y-websocket@2.1.0's
 * bundled bin/server.cjs, with and without its LevelDB persistence), every
 * case in the same run, with the same raw-protocol clients and the same
 * definitions:
 *  (a) one writer at 1,000 updates/s, 50 watchers on one document: delivery latency;
 *  (b) 100 documents × 10 clients, all writing: highest sustained rate with p99 ≤ 50 ms and nothing lost;
 *  (c) 150 clients joining a 4 MB document at once: time to synced.
 * The servers are child processes; this process is the load generator.
 * Where our server misses a target the case is run again with `--cpu-prof`
 * and the profile is summarised. Prints every table and appends one section
 * to BENCHMARKS.md.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchHomeserver } from '../test/harness/govdesk.ts';
import { appendSection, commandLine, cpuContext, mib, ms, numericArgs, sectionHeader, table } from '../../build/lib/bench-report.ts';
import { GOVDESK_BENCH_ENV } from './sync/targets.ts';
import { SeededRandom } from '../../test/support/seeded-random.ts';
import { runJoinCase, runLatencyCase, runThroughputCase, type JoinResultSet, type LatencyResult, type StormResult, type ThroughputResult, type ThroughputStep, type Window } from './sync/cases.ts';
import { buildDocument, type BenchDocument } from './sync/document.ts';
import type { PhaseResult } from './sync/load.ts';
import { busyProcesses, loadAverage } from './sync/machine.ts';
import { mainThreadProfiles, summariseProfiles, type ProfileSummary } from './sync/profile.ts';
import { killRunningServers, SERVER_LABELS, startServer, type BenchServer, type CommitStats, type ServerKind } from './sync/servers.ts';

const args = numericArgs({
  seconds: 10,
  slices: 5,
  warmup: 2,
  rate: 1000,
  watchers: 50,
  docs: 100,
  clientsPerDoc: 10,
  stepSeconds: 5,
  startRate: 500,
  maxRate: 64_000,
  joiners: 150,
  docMib: 4,
  leveldb: 1,
  cold: 1,
  profile: 1,
  seed: 1,
  append: 1,
  caseA: 1,
  caseB: 1,
  caseC: 1,
});

const TARGET_A_P99_MS = 5;
const LIMIT_B_P99_MS = 50;
const TARGET_B_RATIO = 1.5;
const TARGET_C_P95_MS = 2_000;

// The servers are our children: they must not outlive an interrupted bench (the test homeserver is not ours and is left alone).
process.on('exit', killRunningServers);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

const startedAt = Date.now();
const context = cpuContext();
console.log(`bench:sync — ${context}`);
const busyAtStart = await busyProcesses();
console.log(`other processes using the CPU at start: ${busyAtStart}`);
const homeserver = await benchHomeserver();
const kinds: ServerKind[] = ['govdesk', 'reference', ...(args.leveldb ? (['reference-leveldb'] as const) : [])];
const random = new SeededRandom(args.seed);

/** Starts a fresh server process of `kind`, runs `body`, stops it; an error is recorded instead of ending the bench. */
async function withServer<T>(kind: ServerKind, body: (server: BenchServer) => Promise<T>, profileDir?: string): Promise<T | { error: string }> {
  let server: BenchServer;
  try {
    server = await startServer(kind, homeserver, { profileDir });
  } catch (error) {
    const message = `${SERVER_LABELS[kind]} did not start: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}`;
    console.log(message);
    return { error: message };
  }
  try {
    return await body(server);
  } catch (error) {
    console.log(`${SERVER_LABELS[kind]}: ${(error as Error).stack}`);
    return { error: `${SERVER_LABELS[kind]} failed: ${(error as Error).message}` };
  } finally {
    await server.target.stop();
    server.cleanup();
  }
}

const failed = <T extends object>(value: T | { error: string }): value is { error: string } => 'error' in value;

/** Starts a fresh process of every kind, runs `body` on those that started (the cases take turns between them), stops them all. */
async function withServers<T extends object>(list: readonly ServerKind[], body: (servers: BenchServer[]) => Promise<Map<BenchServer, T | { error: string }>>): Promise<Map<ServerKind, T | { error: string }>> {
  const results = new Map<ServerKind, T | { error: string }>();
  const servers: BenchServer[] = [];
  try {
    for (const kind of list) {
      try {
        servers.push(await startServer(kind, homeserver));
      } catch (error) {
        const message = `${SERVER_LABELS[kind]} did not start: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}`;
        console.log(message);
        results.set(kind, { error: message });
      }
    }
    try {
      for (const [server, result] of await body(servers)) results.set(server.kind, result);
    } catch (error) {
      console.log((error as Error).stack);
      for (const server of servers) if (!results.has(server.kind)) results.set(server.kind, { error: `failed: ${(error as Error).message}` });
    }
  } finally {
    for (const server of servers) {
      await server.target.stop();
      server.cleanup();
    }
  }
  return results;
}

/** Runs `body` on our server under `--cpu-prof` and summarises the main thread's profile over the windows `body` returns. */
async function profiled(body: (server: BenchServer) => Promise<Window[][]>): Promise<{ summaries: ProfileSummary[] } | { error: string }> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'govdesk-bench-prof-'));
  const windows = await withServer('govdesk', body, directory);
  if (failed(windows)) return windows;
  // The profile is written when the process exits; withServer has stopped it gracefully (SIGTERM → exit 0).
  const files = mainThreadProfiles(directory);
  if (files.length === 0) return { error: `no profile was written in ${directory}` };
  const summaries = windows.map((window) => summariseProfiles(files, window));
  console.log(`profiles kept in ${directory}`);
  return { summaries };
}

const fmt = (value: number) => (Number.isFinite(value) ? ms(value, value >= 100 ? 0 : value >= 10 ? 1 : 2) : 'never');
const count = (value: number) => Math.round(value).toLocaleString('en-US');
const pct = (value: number) => `${Math.round(value)} %`;
const perSecond = (value: number) => `${count(value)}/s`;

function commitsText(commits: CommitStats | null): string {
  if (!commits || commits.commits === 0) return '—';
  return `${count(commits.commits)} commits, ${(commits.updates / commits.commits).toFixed(1)} updates each, mean ${commits.meanMs.toFixed(2)} ms, ${count(commits.over5ms)} over 5 ms, ${count(commits.over25ms)} over 25 ms`;
}

function profileText(summary: ProfileSummary): string[] {
  return [
    `Main thread busy ${pct(summary.busyPct)} of ${(summary.windowMs / 1000).toFixed(1)} s sampled (garbage collection ${pct(summary.gcPct)}).`,
    '',
    table(
      ['self time by module', 'ms', 'share'],
      summary.modules.slice(0, 8).map((entry) => [entry.name, entry.selfMs.toFixed(0), `${entry.pct.toFixed(1)} %`]),
    ),
    '',
    table(
      ['self time by function', 'ms', 'share'],
      summary.functions.slice(0, 12).map((entry) => [entry.name, entry.selfMs.toFixed(0), `${entry.pct.toFixed(1)} %`]),
    ),
  ];
}

/**
 * What the profile's numbers say about the limit, sentence by sentence, each
 * only when its number supports it. `load`: many small updates ((a), (b)) or
 * a join storm ((c)), which changes what socket writes and idle time mean.
 */
function limitNotes(summary: ProfileSummary, load: 'updates' | 'storm'): string[] {
  const moduleShare = (name: string) => summary.modules.find((entry) => entry.name === name)?.pct ?? 0;
  const functionShare = (prefix: string) => summary.functions.filter((entry) => entry.name.startsWith(prefix)).reduce((sum, entry) => sum + entry.pct, 0);
  const notes: string[] = [];
  const sqlite = moduleShare('better-sqlite3');
  if (sqlite >= 15)
    notes.push(
      `- SQLite holds the main thread ${sqlite.toFixed(0)} % of the window: better-sqlite3 is synchronous, so each group commit, fsync included, runs on the event loop. While it runs the server neither reads frames nor sends any, so an update arriving during a commit waits for it and then for its own.`,
    );
  if (summary.busyPct >= 90) notes.push(`- The main thread is saturated (busy ${summary.busyPct.toFixed(0)} %): more load only lengthens the queues.`);
  else if (load === 'updates') notes.push(`- The main thread is idle ${(100 - summary.busyPct).toFixed(0)} % of the window: not CPU-bound on average; the tail comes from stalls.`);
  else notes.push(`- The main thread is idle ${(100 - summary.busyPct).toFixed(0)} % of the storm: the answers are queued on the sockets and the server waits for the clients to read them.`);
  const writes = functionShare('writev') + functionShare('writeBuffer') + moduleShare('ws');
  if (writes >= 10)
    notes.push(
      load === 'updates'
        ? `- Socket writes (writev and ws framing) take ${writes.toFixed(0)} %: one frame and one system call per update per receiver.`
        : `- Socket writes (writev and ws framing) take ${writes.toFixed(0)} %: the whole answer to every joiner.`,
    );
  const yjs = moduleShare('yjs') + moduleShare('lib0');
  if (yjs >= 10) notes.push(load === 'updates' ? `- Yjs and lib0 (decode, integrity check, apply, encode) take ${yjs.toFixed(0)} %.` : `- Yjs and lib0 (loading the document, encoding the answer) take ${yjs.toFixed(0)} %.`);
  if (summary.gcPct >= 10) notes.push(`- Garbage collection takes ${summary.gcPct.toFixed(0)} %.`);
  return notes.length > 0 ? ['', ...notes] : [];
}

// ------------------------------------------------------------------ case (a)

let latency = new Map<ServerKind, LatencyResult | { error: string }>();
const latencyOptions = { watchers: args.watchers, rate: args.rate, seconds: args.seconds, slices: args.slices, warmupSeconds: args.warmup };
if (args.caseA) {
  console.log(`\n(a) one writer at ${args.rate}/s, ${args.watchers} watchers, ${args.seconds} s per server in ${args.slices} turns, after ${args.warmup} s warm-up`);
  latency = await withServers(kinds, (servers) => runLatencyCase(servers, latencyOptions, random));
  for (const kind of kinds) {
    const result = latency.get(kind);
    if (result && !failed(result)) console.log(`  ${SERVER_LABELS[kind]}: ${phaseLine(result.phase)}${result.commits ? `; ${commitsText(result.commits)}` : ''}`);
  }
}

function phaseLine(phase: PhaseResult): string {
  const d = phase.deliveries;
  if (!d) return 'not measured';
  return `sent ${count(d.sent)} (${perSecond(phase.achievedRate)}), delivered ${count(d.delivered)}/${count(d.expected)}, lost ${d.lostDeliveries}, p50 ${fmt(d.latency.p50)}, p99 ${fmt(d.latency.p99)}, max ${fmt(d.latency.max)}, server CPU ${pct(phase.serverCpuPct)}, client CPU ${pct(phase.clientCpuPct)}`;
}

// ------------------------------------------------------------------ case (b)

let throughput = new Map<ServerKind, ThroughputResult | { error: string }>();
const throughputOptions = { docs: args.docs, clientsPerDoc: args.clientsPerDoc, stepSeconds: args.stepSeconds, startRate: args.startRate, maxRate: args.maxRate, p99LimitMs: LIMIT_B_P99_MS };
if (args.caseB) {
  console.log(`\n(b) ${args.docs} documents × ${args.clientsPerDoc} clients, ${args.stepSeconds} s per step, servers taking turns`);
  throughput = await withServers(kinds, (servers) =>
    runThroughputCase(servers, throughputOptions, random, (server, step) =>
      console.log(`  ${SERVER_LABELS[server.kind].padEnd(28)} ${String(step.rate).padStart(6)}/s: ${phaseLine(step)} → ${step.pass ? 'pass' : `FAIL (${step.why})`}`),
    ),
  );
  for (const kind of kinds) {
    const result = throughput.get(kind);
    if (result && !failed(result)) console.log(`  ${SERVER_LABELS[kind]}: highest passing ${perSecond(result.highest)}; ${result.stoppedBy}`);
  }
}

// ------------------------------------------------------------------ case (c)

let document: BenchDocument | null = null;
const joins = new Map<ServerKind, JoinResultSet | { error: string }>();
if (args.caseC) {
  document = buildDocument(args.docMib * 1024 * 1024, args.seed);
  console.log(`\n(c) ${args.joiners} joiners, document of ${count(document.update.length)} bytes (${count(document.text.length)} characters, ${count(document.operations)} edits by ${document.authors} authors, built in ${fmt(document.buildMs)})`);
  for (const kind of kinds) {
    const doc = document;
    const result = await withServer(kind, (server) => runJoinCase(server, doc, { joiners: args.joiners, cold: args.cold === 1, timeoutMs: 120_000 }));
    joins.set(kind, result);
    if (!failed(result)) for (const storm of result.storms) console.log(`  ${SERVER_LABELS[kind]} (${storm.mode}): ${stormLine(storm)}`);
  }
}

function stormLine(storm: StormResult): string {
  return `synced ${storm.synced}/${storm.joiners}, p50 ${fmt(storm.p50)}, p95 ${fmt(storm.p95)}, max ${fmt(storm.max)}, server CPU ${storm.serverCpuSeconds.toFixed(2)} s, client CPU ${storm.clientCpuSeconds.toFixed(2)} s, peak RSS ${mib(storm.peakRss)}; ${storm.verification}`;
}

/** How busy the load generator itself was during a storm: it receives joiners × the document and must assemble every message. */
function clientLoad(storm: StormResult): string {
  const stormMs = (storm.window.endUs - storm.window.startUs) / 1000;
  const share = ((storm.clientCpuSeconds * 1000) / stormMs) * 100;
  const bound = share >= 70 ? ': the time to synced is bounded by the client receiving the answers as much as by the server sending them' : '';
  return `load generator CPU ${storm.clientCpuSeconds.toFixed(2)} s in the ${(stormMs / 1000).toFixed(2)} s storm (${pct(share)} of one core)${bound}`;
}

// ------------------------------------------------------------------ targets and profiles

const ours = <T extends object>(map: Map<ServerKind, T | { error: string }>): T | null => {
  const value = map.get('govdesk');
  return value && !failed(value) ? value : null;
};

interface Verdict {
  met: boolean;
  text: string;
}

function verdictA(): Verdict | null {
  const result = ours(latency);
  if (!result?.phase.deliveries) return null;
  const { p99 } = result.phase.deliveries.latency;
  const lost = result.phase.deliveries.lostDeliveries;
  if (p99 <= TARGET_A_P99_MS && lost === 0) return { met: true, text: `met: p99 ${fmt(p99)} ≤ ${TARGET_A_P99_MS} ms (${fmt(TARGET_A_P99_MS - p99)} to spare), nothing lost` };
  const parts = [];
  if (p99 > TARGET_A_P99_MS) parts.push(`p99 ${fmt(p99)} is ${fmt(p99 - TARGET_A_P99_MS)} (${Math.round((p99 / TARGET_A_P99_MS - 1) * 100)} %) over ${TARGET_A_P99_MS} ms`);
  if (lost > 0) parts.push(`${lost} deliveries lost`);
  // The non-durable reference in the same turns tells how much of the tail is the machine rather than the server.
  const reference = latency.get('reference');
  if (reference && !failed(reference) && reference.phase.deliveries) parts.push(`y-websocket@2.1.0 (no durability) had p99 ${fmt(reference.phase.deliveries.latency.p99)} in the same turns`);
  return { met: false, text: `MISSED: ${parts.join('; ')}` };
}

function verdictB(): (Verdict & { ratio: number; reference: number; ours: number; failRate: number | null }) | null {
  const mine = ours(throughput);
  const reference = throughput.get('reference');
  if (!mine || !reference || failed(reference)) return null;
  const ratio = reference.highest > 0 ? mine.highest / reference.highest : Number.POSITIVE_INFINITY;
  const failRate = mine.steps.find((step) => !step.pass)?.rate ?? null;
  const base = { ratio, reference: reference.highest, ours: mine.highest, failRate };
  // A server that never failed was stopped by --max-rate: its number is a lower bound and so is anything computed from it.
  const capped = [mine.steps.every((step) => step.pass) ? 'ours' : '', reference.steps.every((step) => step.pass) ? 'the reference' : ''].filter(Boolean);
  const caveat = capped.length > 0 ? ` (${capped.join(' and ')} never failed up to --max-rate=${args.maxRate}: a lower bound, not a maximum)` : '';
  if (ratio >= TARGET_B_RATIO) return { ...base, met: true, text: `met: ${perSecond(mine.highest)} vs ${perSecond(reference.highest)} = ${ratio.toFixed(2)}× (target ≥ ${TARGET_B_RATIO}×)${caveat}` };
  const needed = reference.highest * TARGET_B_RATIO;
  return { ...base, met: false, text: `MISSED: ${perSecond(mine.highest)} vs ${perSecond(reference.highest)} = ${ratio.toFixed(2)}×; ${TARGET_B_RATIO}× would be ${perSecond(needed)}, ${perSecond(needed - mine.highest)} (${Math.round((1 - mine.highest / needed) * 100)} %) short${caveat}` };
}

function verdictC(storm: StormResult): Verdict {
  if (storm.p95 <= TARGET_C_P95_MS) return { met: true, text: `met: p95 ${fmt(storm.p95)} ≤ ${TARGET_C_P95_MS} ms (${fmt(TARGET_C_P95_MS - storm.p95)} to spare)` };
  if (!Number.isFinite(storm.p95)) return { met: false, text: `MISSED: more than 5 % of joiners never synced correctly` };
  return { met: false, text: `MISSED: p95 ${fmt(storm.p95)} is ${fmt(storm.p95 - TARGET_C_P95_MS)} (${Math.round((storm.p95 / TARGET_C_P95_MS - 1) * 100)} %) over ${TARGET_C_P95_MS} ms` };
}

/** A profiled run: what the profile says, and the facts measured alongside it in the same run. */
interface ProfileReport {
  title: string;
  load: 'updates' | 'storm';
  measured: string[];
  summary: ProfileSummary[] | string;
}

const profiles: ProfileReport[] = [];
if (args.profile) {
  const a = verdictA();
  if (a && !a.met) {
    console.log('\nprofiling our server in case (a)');
    const measured: string[] = [];
    const run = await profiled(async (server) => {
      const result = (await runLatencyCase([server], latencyOptions, random)).get(server);
      if (!result || failed(result)) throw new Error(result?.error ?? 'no result');
      measured.push(`Under the profiler: ${phaseLine(result.phase)}.`, commitShare(result.commits, result.windows));
      return [result.windows];
    });
    profiles.push({ load: 'updates', title: `(a) one writer at ${perSecond(args.rate)}, ${args.watchers} watchers (window = the ${args.seconds} s measured phase)`, measured, summary: failed(run) ? run.error : run.summaries });
  }
  const b = verdictB();
  if (b && !b.met) {
    const rate = b.failRate ?? Math.max(args.startRate, b.ours);
    console.log(`\nprofiling our server in case (b) at ${rate}/s`);
    const measured: string[] = [];
    const run = await profiled(async (server) => {
      const result = (await runThroughputCase([server], { ...throughputOptions, onlyRate: rate }, random, () => {})).get(server);
      if (!result || failed(result)) throw new Error(result?.error ?? 'no result');
      for (const step of result.steps) measured.push(`Under the profiler: ${phaseLine(step)}.`, commitShare(step.commits, [step.window]));
      return result.steps.map((step) => [step.window]);
    });
    const which = b.failRate !== null ? 'the first rate our server failed at' : 'the highest rate offered (our server did not fail)';
    profiles.push({ load: 'updates', title: `(b) ${args.docs} documents × ${args.clientsPerDoc} clients at ${perSecond(rate)}, ${which} (window = the ${args.stepSeconds} s step)`, measured, summary: failed(run) ? run.error : run.summaries });
  }
  const mine = ours(joins);
  const missedStorms = mine?.storms.filter((storm) => !verdictC(storm).met) ?? [];
  if (document && missedStorms.length > 0) {
    const doc = document;
    const cold = missedStorms.some((storm) => storm.mode === 'cold');
    console.log('\nprofiling our server in case (c)');
    const storms: StormResult[] = [];
    const run = await profiled(async (server) => {
      const result = await runJoinCase(server, doc, { joiners: args.joiners, cold, timeoutMs: 120_000 });
      storms.push(...result.storms);
      return result.storms.map((storm) => [storm.window]);
    });
    if (failed(run)) profiles.push({ load: 'storm', title: '(c) join storm', measured: [], summary: run.error });
    else
      run.summaries.forEach((summary, i) => {
        const storm = storms[i] as StormResult;
        if (missedStorms.some((missed) => missed.mode === storm.mode))
          profiles.push({ load: 'storm', title: `(c) ${args.joiners} joiners, ${storm.mode} document (window = the storm)`, measured: [`Under the profiler: ${stormLine(storm)}; ${clientLoad(storm)}.`], summary: [summary] });
      });
  }
}

/** How much of a window our server spent inside its durable commits (from /metrics): the event loop is blocked meanwhile. */
function commitShare(commits: CommitStats | null, windows: readonly Window[]): string {
  if (!commits || commits.commits === 0) return '';
  const commitMs = commits.meanMs * commits.commits;
  const windowMs = windows.reduce((sum, window) => sum + (window.endUs - window.startUs) / 1000, 0);
  return `Group commits (from /metrics): ${commitsText(commits)}; together ${count(commitMs)} ms of the ${count(windowMs)} ms window (${pct((commitMs / windowMs) * 100)}).`;
}

// ------------------------------------------------------------------ report

const busyAtEnd = await busyProcesses();
const lines: string[] = [];
const header = sectionHeader('bench:sync — GovDesk sync-server vs y-websocket@2.1.0', commandLine('bench:sync'), [
  context,
  `load average at end ${loadAverage()}; whole run ${Math.round((Date.now() - startedAt) / 1000)} s`,
  `Other processes using the CPU (1 s sample): at start ${busyAtStart}; at end ${busyAtEnd}. The servers, this load generator and those processes share the 2 cores, so latencies are noisy.`,
  `Parameters: ${process.argv
    .slice(2)
    .join(' ')
    .trim() || 'defaults'} → (a) ${args.watchers} watchers, ${perSecond(args.rate)}, ${args.seconds} s per server in ${args.slices} turns after ${args.warmup} s warm-up; (b) ${args.docs} documents × ${args.clientsPerDoc} clients, ${args.stepSeconds} s steps from ${perSecond(args.startRate)}; (c) ${args.joiners} joiners, ${args.docMib} MiB document; seed ${args.seed}.`,
]);
lines.push(header);
lines.push(
  '**Setup.** Every server runs as its own child process, fresh for each case (in (a) and (b) all of them at once, taking turns; in (c) one after the other); this process generates the load with raw y-protocols clients (no Y.Doc per client: one `ws` socket each, frames decoded only as far as the sync header and the first struct ID). The same client code and definitions serve all servers. Each client connects like a stock WebsocketProvider with an empty document: it sends SyncStep1 (empty state vector) and answers the server\'s SyncStep1 with an empty update; measuring starts once every client has its SyncStep2.',
  '',
  '**Definitions.** *Delivered*: a receiver\'s socket got the update frame whose first struct ID (client, clock) the writer sent; the time runs from just before the writer\'s `ws.send` to the receiver\'s `message` event (both in this process, one clock), so it includes the client\'s own event-loop delay on a busy machine. Every update is one CJK character appended to the writer\'s own run of text (a ~25-byte update, one frame). The writer\'s own echo is not a delivery. *Lost*: expected deliveries (updates × other clients of the document) that had not arrived when the 5–10 s drain after the last send ended. *Synced* (c): the joiner has the complete SyncStep2 answer to its SyncStep1 with an empty state vector, and that answer reproduces the document (checked: each distinct answer is applied to a fresh Y.Doc and its text compared with the original); time from just before the socket is created, so the upgrade (and for our server authentication and rights check) is included. A joiner without a correct answer counts as never synced.',
  '',
  '**Servers.**',
  '',
  table(
    ['server', 'settings'],
    kinds.map((kind) => [
      SERVER_LABELS[kind],
      kind === 'govdesk'
        ? [
            'durability on: every update is in SQLite (WAL, synchronous=FULL, one fsync per group commit) before anyone receives it (it cannot be turned off)',
            ...Object.entries(GOVDESK_BENCH_ENV).map(([key, { value, why }]) => `${key}=${value} (${why})`),
            'every other limit at its default; log level info',
          ].join('; ')
        : kind === 'reference'
          ? '`node node_modules/y-websocket-reference/bin/server.cjs` (y-websocket@2.1.0), HOST/PORT only: no persistence (a room lives while someone is connected), no authentication, no rights, no limits'
          : 'the same with YPERSISTENCE=<dir> (y-leveldb → level/leveldown 5.6.0, prebuilt binary; it loads here): every update is stored in LevelDB asynchronously, not awaited before the broadcast and not fsynced',
    ]),
  ),
  '',
);

// (a)
lines.push(`### (a) One writer at ${perSecond(args.rate)} to ${args.watchers} watchers on one document`, '');
if (args.caseA) {
  lines.push(
    table(
      ['server', 'updates sent (rate)', 'deliveries', 'lost', 'p50', 'p95', 'p99', 'max', 'p99 of each turn', 'server CPU', 'client CPU', 'pacer lag p99', 'target p99 ≤ 5 ms'],
      kinds.map((kind) => {
        const result = latency.get(kind);
        if (!result || failed(result)) return [SERVER_LABELS[kind], result ? result.error : 'not run', '', '', '', '', '', '', '', '', '', '', ''];
        const { phase } = result;
        const d = phase.deliveries!;
        return [
          SERVER_LABELS[kind],
          `${count(d.sent)} (${perSecond(phase.achievedRate)})`,
          `${count(d.delivered)} / ${count(d.expected)}`,
          d.lostDeliveries === 0 ? '0' : `${count(d.lostDeliveries)} (${count(d.lostUpdates)} updates)`,
          fmt(d.latency.p50),
          fmt(d.latency.p95),
          fmt(d.latency.p99),
          fmt(d.latency.max),
          result.slices.map((slice) => (slice.deliveries ? slice.deliveries.latency.p99.toFixed(1) : '?')).join(' / '),
          pct(phase.serverCpuPct),
          pct(phase.clientCpuPct),
          fmt(phase.lagP99Ms),
          kind === 'govdesk' ? (verdictA()?.text ?? '') : '—',
        ];
      }),
    ),
    '',
  );
  const mine = ours(latency);
  if (mine?.commits) lines.push(`Our server's group commits during the measured phase (from its /metrics): ${commitsText(mine.commits)}.`, '');
  lines.push(
    `Each server was measured for ${args.seconds} s in ${args.slices} turns of ${(args.seconds / args.slices).toFixed(1)} s, the servers taking turns (all three running, each with its own ${args.watchers + 1} sockets), so that changes in the machine's background load fall on all of them; *p99 of each turn* (ms) shows how much that load moved the tail. CPU columns are % of one core over the sending time. *Pacer lag*: how late sends left against their 1 ms schedule (the load generator's own health; the worst turn).`,
    '',
  );
}

// (b)
lines.push(`### (b) ${args.docs} documents × ${args.clientsPerDoc} clients, every client writing and receiving`, '');
if (args.caseB) {
  lines.push(
    `All servers run at once (each with its own ${count(args.docs * args.clientsPerDoc)} sockets, idle while another is measured) and take turns at every step. Total offered rate doubled every ${args.stepSeconds} s step from ${perSecond(args.startRate)} (after a 2 s warm-up) until a step failed, then refined in steps of ¼ of the last passing rate. A step passes when p99 ≤ ${LIMIT_B_P99_MS} ms, no delivery is lost, no socket is closed by the server, and the load generator achieved ≥ 95 % of the offered rate. Each update goes to the ${args.clientsPerDoc - 1} other clients of its document.`,
    '',
  );
  const vb = verdictB();
  lines.push(
    table(
      ['server', 'highest rate passing', 'ratio to y-websocket@2.1.0', 'target ≥ 1.5×', 'ramp stopped by'],
      kinds.map((kind) => {
        const result = throughput.get(kind);
        if (!result || failed(result)) return [SERVER_LABELS[kind], result ? result.error : 'not run', '', '', ''];
        const ref = throughput.get('reference');
        const ratio = ref && !failed(ref) && ref.highest > 0 ? `${(result.highest / ref.highest).toFixed(2)}×` : 'n/a';
        return [SERVER_LABELS[kind], perSecond(result.highest), ratio, kind === 'govdesk' ? (vb?.text ?? 'n/a') : '—', result.stoppedBy];
      }),
    ),
    '',
  );
  for (const kind of kinds) {
    const result = throughput.get(kind);
    if (!result || failed(result)) continue;
    lines.push(`${SERVER_LABELS[kind]} (${count(args.docs * args.clientsPerDoc)} sockets connected in ${fmt(result.connectMs)}):`, '');
    lines.push(
      table(
        ['offered', 'achieved', 'deliveries', 'lost', 'p50', 'p95', 'p99', 'max', 'server CPU', 'client CPU', 'pacer lag p99', ...(kind === 'govdesk' ? ['group commits'] : []), 'step'],
        result.steps.map((step: ThroughputStep) => {
          const d = step.deliveries!;
          return [
            perSecond(step.rate),
            perSecond(step.achievedRate),
            `${count(d.delivered)} / ${count(d.expected)}`,
            count(d.lostDeliveries),
            fmt(d.latency.p50),
            fmt(d.latency.p95),
            fmt(d.latency.p99),
            fmt(d.latency.max),
            pct(step.serverCpuPct),
            pct(step.clientCpuPct),
            fmt(step.lagP99Ms),
            ...(kind === 'govdesk' ? [commitsText(step.commits)] : []),
            step.pass ? 'pass' : `fail: ${step.why}`,
          ];
        }),
      ),
      '',
    );
  }
}

// (c)
lines.push(`### (c) ${args.joiners} clients joining a ${args.docMib} MiB document at once`, '');
if (args.caseC && document) {
  lines.push(
    `Document: ${count(document.update.length)} bytes encoded (${count(document.text.length)} characters of Chinese text in the root Y.Text \`content\`, ${count(document.operations)} inserts and deletions by ${document.authors} authors at random places, seed ${args.seed}); put on each server by one client as one update, which stays connected during the warm storm. *Warm*: the document is in the server's memory. *Cold*: the server was restarted on its data and the storm's first upgrade loads it (only servers that persist). Peak RSS is the kernel's high-water mark (VmHWM), reset just before a warm storm.`,
    '',
    table(
      ['server', 'join', 'synced correctly', 'p50', 'p95', 'max', 'upgrade p95', 'server CPU', 'client CPU', 'RSS before', 'peak RSS', 'answers checked', 'target p95 ≤ 2 s'],
      kinds.flatMap((kind) => {
        const result = joins.get(kind);
        if (!result || failed(result)) return [[SERVER_LABELS[kind], '', result ? result.error : 'not run', '', '', '', '', '', '', '', '', '', '']];
        return result.storms.map((storm) => [
          SERVER_LABELS[kind],
          storm.mode,
          `${storm.synced} / ${storm.joiners}${storm.failed.length > 0 ? ` (${storm.failed.length} failed: ${[...new Set(storm.failed)].slice(0, 2).join('; ')})` : ''}`,
          fmt(storm.p50),
          fmt(storm.p95),
          fmt(storm.max),
          fmt(storm.connectP95),
          `${storm.serverCpuSeconds.toFixed(2)} s`,
          `${storm.clientCpuSeconds.toFixed(2)} s`,
          mib(storm.rssBefore),
          `${mib(storm.peakRss)}${storm.peakIsStormOnly ? '' : ' (since start)'}`,
          storm.verification,
          kind === 'govdesk' ? verdictC(storm).text : '—',
        ]);
      }),
    ),
    '',
  );
  const uploads = kinds.flatMap((kind) => {
    const result = joins.get(kind);
    return result && !failed(result) ? [`${SERVER_LABELS[kind]} ${fmt(result.uploadMs)}`] : [];
  });
  lines.push(`Upload of the document (one ${mib(document.update.length)} update, until the server relayed it back): ${uploads.join(', ')}.`, '');
  const clientLines = kinds.flatMap((kind) => {
    const result = joins.get(kind);
    return result && !failed(result) ? result.storms.map((storm) => `${SERVER_LABELS[kind]} (${storm.mode}): ${clientLoad(storm)}`) : [];
  });
  lines.push(`This process receives ${args.joiners} × ${mib(document.update.length)} = ${mib(args.joiners * document.update.length)} per storm and assembles every message; ${clientLines.join('; ')}.`, '');
}

// Targets and profiles
lines.push('### Targets', '');
const targetRows: string[][] = [];
const a = verdictA();
if (a) targetRows.push([`(a) p99 delivery ≤ ${TARGET_A_P99_MS} ms with durability on`, a.text]);
const b = verdictB();
if (b) targetRows.push([`(b) ≥ ${TARGET_B_RATIO}× the reference's sustained rate at p99 ≤ ${LIMIT_B_P99_MS} ms`, b.text]);
for (const storm of ours(joins)?.storms ?? []) targetRows.push([`(c) p95 time to synced ≤ 2 s (${storm.mode})`, verdictC(storm).text]);
lines.push(table(['target', 'result'], targetRows), '');

if (profiles.length > 0) {
  lines.push('### Profiles of our server where a target was missed', '');
  lines.push('`node --cpu-prof` on the server process (GOVDESK_BENCH_SERVER_NODE_OPTIONS), the case run again under the profiler (so its timings are not the ones above), samples limited to the measured window via the monotonic clock; self time summed by function and by module (package, file, or Node core). "(program)" is V8/native work not attributed to a JS function; a synchronous native call (better-sqlite3\'s commit with its fsync) counts as busy time of its JS caller.', '');
  for (const profile of profiles) {
    lines.push(`#### ${profile.title}`, '');
    const measured = profile.measured.filter(Boolean);
    if (measured.length > 0) lines.push(measured.join(' '), '');
    if (typeof profile.summary === 'string') lines.push(`No profile: ${profile.summary}`, '');
    else for (const summary of profile.summary) lines.push(...profileText(summary), ...limitNotes(summary, profile.load), '');
  }
}

const markdown = lines.join('\n');
console.log(`\n${markdown}`);
if (args.append) appendSection(markdown);
process.exit(0);
