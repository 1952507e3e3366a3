import { percentile, processCpuSeconds, processMemory } from '../../../build/lib/bench-report.ts';
import type { SeededRandom } from '../../../test/support/seeded-random.ts';
import { reproduces, type BenchDocument } from './document.ts';
import { joinStorm, upload } from './join.ts';
import { Ledger } from './ledger.ts';
import { runPhase, type PhaseResult } from './load.ts';
import { Swarm, type Peer } from './peers.ts';
import { monotonicMicros } from './profile.ts';
import { commitStats, resetPeakRss, type BenchServer, type CommitStats } from './servers.ts';

/** Microseconds of the monotonic clock: where the measured load ran, to cut a server profile to it. */
export interface Window {
  startUs: number;
  endUs: number;
}

/** A case's result for one server, or why there is none. */
export type Outcome<T> = T | { error: string };

const errorOf = (error: unknown) => ({ error: (error as Error).message });

// ---------------------------------------------------------------- case (a)

export interface LatencyOptions {
  watchers: number;
  rate: number;
  /** Measured seconds per server, in `slices` turns. */
  seconds: number;
  slices: number;
  warmupSeconds: number;
}

export interface LatencyResult {
  /** The slices added up (deliveries and latency over all of them). */
  phase: PhaseResult;
  /** Each turn on its own (its latency over its own deliveries). */
  slices: PhaseResult[];
  commits: CommitStats | null;
  windows: Window[];
}

/**
 * One writer at `rate` updates/s, `watchers` receivers on one document, on
 * every server. The measured time is cut into slices taken in turns (server
 * A, B, C, A, B, C, …), so that a change in the machine's background load
 * (other people's tests on the same 2 cores) falls on every server alike
 * instead of on whichever happened to run then.
 */
export async function runLatencyCase(servers: readonly BenchServer[], options: LatencyOptions, random: SeededRandom): Promise<Map<BenchServer, Outcome<LatencyResult>>> {
  interface Run {
    server: BenchServer;
    swarm: Swarm;
    writer: Peer;
    ledger: Ledger;
    phase: number;
    slices: PhaseResult[];
    windows: Window[];
    before: number[] | null;
  }
  const outcomes = new Map<BenchServer, Outcome<LatencyResult>>();
  const runs: Run[] = [];
  try {
    for (const server of servers) {
      try {
        const [url] = await server.target.documents(1);
        const ledger = new Ledger();
        const swarm = await Swarm.open([url as string], options.watchers + 1, ledger, random, { concurrency: 25, timeoutMs: 30_000 });
        const writer = swarm.documents[0]![0] as Peer;
        runs.push({ server, swarm, writer, ledger, phase: ledger.newPhase(), slices: [], windows: [], before: null });
      } catch (error) {
        outcomes.set(server, errorOf(error));
      }
    }
    for (const run of runs) {
      await runPhase(run.swarm, [run.writer], run.ledger, run.server.target.pid(), { rate: options.rate, seconds: options.warmupSeconds, phase: null, drainTimeoutMs: 5_000 });
      run.before = await run.server.commitCounters();
    }
    const sliceSeconds = options.seconds / options.slices;
    for (let slice = 0; slice < options.slices; slice++) {
      for (const run of runs) {
        const startUs = monotonicMicros();
        const phase = run.ledger.newPhase(run.phase);
        run.slices.push(await runPhase(run.swarm, [run.writer], run.ledger, run.server.target.pid(), { rate: options.rate, seconds: sliceSeconds, phase, drainTimeoutMs: 10_000 }));
        run.windows.push({ startUs, endUs: monotonicMicros() });
      }
    }
    for (const run of runs) {
      outcomes.set(run.server, { phase: addUp(run.slices, run.ledger, run.phase), slices: run.slices, commits: commitStats(run.before, await run.server.commitCounters()), windows: run.windows });
    }
  } finally {
    for (const run of runs) run.swarm.close();
  }
  return outcomes;
}

/** Several runs of one phase as one: counts and CPU added up, latency from the ledger (all slices' samples together). */
function addUp(slices: readonly PhaseResult[], ledger: Ledger, phase: number): PhaseResult {
  const sum = (pick: (slice: PhaseResult) => number) => slices.reduce((total, slice) => total + pick(slice), 0);
  const wallMs = sum((slice) => slice.wallMs);
  const sent = sum((slice) => slice.sent);
  const elapsedMs = sum((slice) => slice.elapsedMs);
  const last = slices[slices.length - 1] as PhaseResult;
  return {
    sent,
    elapsedMs,
    lagP99Ms: Math.max(...slices.map((slice) => slice.lagP99Ms)),
    lagMaxMs: Math.max(...slices.map((slice) => slice.lagMaxMs)),
    rate: last.rate,
    achievedRate: (sent * 1000) / elapsedMs,
    deliveries: ledger.result(phase),
    serverCpuSeconds: sum((slice) => slice.serverCpuSeconds),
    clientCpuSeconds: sum((slice) => slice.clientCpuSeconds),
    wallMs,
    serverCpuPct: ((sum((slice) => slice.serverCpuSeconds) * 1000) / wallMs) * 100,
    clientCpuPct: ((sum((slice) => slice.clientCpuSeconds) * 1000) / wallMs) * 100,
    drainMs: Math.max(...slices.map((slice) => slice.drainMs)),
    unexpectedCloses: last.unexpectedCloses,
    resyncRequests: last.resyncRequests,
  };
}

// ---------------------------------------------------------------- case (b)

export interface ThroughputOptions {
  docs: number;
  clientsPerDoc: number;
  stepSeconds: number;
  startRate: number;
  maxRate: number;
  p99LimitMs: number;
  /** Only this rate, one step (for the profiling run). */
  onlyRate?: number;
}

export interface ThroughputStep extends PhaseResult {
  pass: boolean;
  why: string;
  commits: CommitStats | null;
  window: Window;
}

export interface ThroughputResult {
  steps: ThroughputStep[];
  /** Highest offered rate that passed (p99 within the limit, nothing lost, rate achieved); 0 when none did. */
  highest: number;
  /** The stopping reason of the ramp. */
  stoppedBy: string;
  connectMs: number;
}

/**
 * The rates one server is offered: doubling from `startRate` until a step
 * fails, then the gap to the failing rate filled in steps of a quarter of the
 * last passing rate, so the maximum has a resolution of 25 %, not 100 %.
 */
class Ramp {
  readonly steps: ThroughputStep[] = [];
  #next: number | null;
  #lastPass: ThroughputStep | null = null;
  #firstFail: ThroughputStep | null = null;
  #refinements: number[] = [];
  stoppedBy = '';
  readonly #maxRate: number;

  constructor(startRate: number, maxRate: number) {
    this.#next = startRate;
    this.#maxRate = maxRate;
  }

  get next(): number | null {
    return this.#next;
  }

  get highest(): number {
    return this.#lastPass?.rate ?? 0;
  }

  record(step: ThroughputStep): void {
    this.steps.push(step);
    if (this.#firstFail === null) {
      if (step.pass) {
        this.#lastPass = step;
        this.#next = step.rate * 2 <= this.#maxRate ? step.rate * 2 : null;
        if (this.#next === null) this.stoppedBy = `reached --max-rate=${this.#maxRate} without failing`;
        return;
      }
      this.#firstFail = step;
      this.stoppedBy = `${step.rate}/s failed: ${step.why}`;
      // After sockets were closed by the server the remaining ones are not the same test any more.
      if (this.#lastPass && step.unexpectedCloses.length === 0) {
        const base = this.#lastPass.rate;
        this.#refinements = [1.25, 1.5, 1.75].map((factor) => Math.round(base * factor)).filter((rate) => rate < step.rate);
      }
    } else if (step.pass) {
      this.#lastPass = step;
    } else {
      this.stoppedBy += `; ${step.rate}/s failed: ${step.why}`;
      this.#refinements = [];
    }
    this.#next = this.#refinements.shift() ?? null;
  }
}

/**
 * 100 documents × 10 clients, every client writing and receiving, on every
 * server at once (each with its own 1,000 sockets, idle while another server
 * is measured). The servers take turns at each step, so the background load
 * of the machine at that time falls on all of them.
 */
export async function runThroughputCase(servers: readonly BenchServer[], options: ThroughputOptions, random: SeededRandom, onStep: (server: BenchServer, step: ThroughputStep) => void): Promise<Map<BenchServer, Outcome<ThroughputResult>>> {
  interface Run {
    server: BenchServer;
    swarm: Swarm;
    ledger: Ledger;
    senders: Peer[];
    ramp: Ramp;
    connectMs: number;
  }
  const outcomes = new Map<BenchServer, Outcome<ThroughputResult>>();
  const runs: Run[] = [];
  try {
    for (const server of servers) {
      try {
        const urls = await server.target.documents(options.docs);
        const ledger = new Ledger();
        const connectStart = performance.now();
        const swarm = await Swarm.open(urls, options.clientsPerDoc, ledger, random, { concurrency: 50, timeoutMs: 60_000 });
        const connectMs = performance.now() - connectStart;
        // Consecutive sends go to different documents, and each client of a document gets its turn.
        const senders: Peer[] = [];
        for (let i = 0; i < options.clientsPerDoc; i++) for (const peers of swarm.documents) senders.push(peers[i] as Peer);
        const ramp = options.onlyRate !== undefined ? new Ramp(options.onlyRate, options.onlyRate) : new Ramp(options.startRate, options.maxRate);
        runs.push({ server, swarm, ledger, senders, ramp, connectMs });
      } catch (error) {
        outcomes.set(server, errorOf(error));
      }
    }
    for (const run of runs) {
      await runPhase(run.swarm, run.senders, run.ledger, run.server.target.pid(), { rate: options.startRate, seconds: 2, phase: null, drainTimeoutMs: 5_000 });
    }
    for (;;) {
      const active = runs.filter((run) => run.ramp.next !== null);
      if (active.length === 0) break;
      for (const run of active) {
        const rate = run.ramp.next as number;
        const before = await run.server.commitCounters();
        const startUs = monotonicMicros();
        const phase = await runPhase(run.swarm, run.senders, run.ledger, run.server.target.pid(), { rate, seconds: options.stepSeconds, phase: run.ledger.newPhase(), drainTimeoutMs: 5_000 });
        const endUs = monotonicMicros();
        const step = { ...phase, ...judge(phase, options.p99LimitMs), commits: commitStats(before, await run.server.commitCounters()), window: { startUs, endUs } };
        onStep(run.server, step);
        run.ramp.record(step);
        if (options.onlyRate !== undefined) run.ramp.stoppedBy = 'single profiling step';
      }
    }
    for (const run of runs) outcomes.set(run.server, { steps: run.ramp.steps, highest: run.ramp.highest, stoppedBy: run.ramp.stoppedBy, connectMs: run.connectMs });
  } finally {
    for (const run of runs) run.swarm.close();
  }
  return outcomes;
}

function judge(phase: PhaseResult, p99LimitMs: number): { pass: boolean; why: string } {
  const problems: string[] = [];
  const deliveries = phase.deliveries;
  if (!deliveries) return { pass: false, why: 'not measured' };
  if (deliveries.lostDeliveries > 0) problems.push(`${deliveries.lostDeliveries} deliveries lost`);
  if (deliveries.latency.p99 > p99LimitMs) problems.push(`p99 ${deliveries.latency.p99.toFixed(1)} ms > ${p99LimitMs} ms`);
  if (phase.unexpectedCloses.length > 0) problems.push(`${phase.unexpectedCloses.length} sockets closed by the server (${[...new Set(phase.unexpectedCloses.map((close) => `${close.code} ${close.reason}`))].join(', ')})`);
  // The load generator could not offer the rate: the step says nothing about the server.
  if (phase.achievedRate < phase.rate * 0.95) problems.push(`load generator reached only ${Math.round(phase.achievedRate)}/s`);
  return { pass: problems.length === 0, why: problems.join('; ') || 'ok' };
}

// ---------------------------------------------------------------- case (c)

export interface JoinOptions {
  joiners: number;
  cold: boolean;
  timeoutMs: number;
}

export interface StormResult {
  /** 'warm': the document is in the server's memory (a client has it open); 'cold': the server was restarted and loads it from disk. */
  mode: 'warm' | 'cold';
  joiners: number;
  synced: number;
  failed: string[];
  /** Answers that did not reproduce the document (wrong length or content). */
  wrongAnswers: number;
  p50: number;
  p95: number;
  max: number;
  connectP95: number;
  serverCpuSeconds: number;
  /** This process's CPU during the storm: receiving 150 × 4 MB is work for the load generator too. */
  clientCpuSeconds: number;
  rssBefore: number;
  peakRss: number;
  peakIsStormOnly: boolean;
  verification: string;
  window: Window;
}

export interface JoinResultSet {
  uploadMs: number;
  storms: StormResult[];
}

export async function runJoinCase(server: BenchServer, document: BenchDocument, options: JoinOptions): Promise<JoinResultSet> {
  const [url] = await server.target.documents(1);
  const uploader = await upload(url as string, document.update, 120_000);
  const storms: StormResult[] = [];
  try {
    storms.push(await storm(server, url as string, document, options, 'warm'));
  } finally {
    uploader.ws.terminate();
  }
  if (options.cold && server.target.restart) {
    await server.target.restart();
    storms.push(await storm(server, url as string, document, options, 'cold'));
  }
  return { uploadMs: uploader.ms, storms };
}

async function storm(server: BenchServer, url: string, document: BenchDocument, options: JoinOptions, mode: 'warm' | 'cold'): Promise<StormResult> {
  const pid = server.target.pid();
  const rssBefore = processMemory(pid)?.rss ?? Number.NaN;
  // After a restart the process is new: its peak is this storm's anyway.
  const peakIsStormOnly = mode === 'cold' || resetPeakRss(pid);
  const cpuBefore = processCpuSeconds(pid);
  const clientBefore = process.cpuUsage();
  const startUs = monotonicMicros();
  const result = await joinStorm(url, options.joiners, options.timeoutMs);
  const endUs = monotonicMicros();
  const serverCpuSeconds = processCpuSeconds(pid) - cpuBefore;
  const clientCpu = process.cpuUsage(clientBefore);
  const peakRss = processMemory(pid)?.peak ?? Number.NaN;
  for (const ws of result.sockets) ws.terminate();

  // Every distinct answer is decoded once and compared with the document; an answer is correct if its kind reproduced it.
  const verdicts = new Map<number, { ok: boolean; detail: string }>();
  for (const [bytes, payload] of result.payloads) verdicts.set(bytes, reproduces(payload, document));
  const answered = result.results.filter((r): r is Exclude<typeof r, { error: string }> => !('error' in r));
  const correct = answered.filter((r) => verdicts.get(r.payloadBytes)?.ok === true);
  // Joiners that never got a correct answer count as never synced (+∞), so they push the percentiles up instead of vanishing.
  const synced = [...correct.map((r) => r.syncedMs), ...Array<number>(options.joiners - correct.length).fill(Number.POSITIVE_INFINITY)].sort((a, b) => a - b);
  const connects = answered.map((r) => r.connectMs).sort((a, b) => a - b);
  const verification = [...verdicts]
    .map(([bytes, verdict]) => `${answered.filter((r) => r.payloadBytes === bytes).length} × ${bytes.toLocaleString('en-US')} B: ${verdict.ok ? 'reproduces the document' : 'WRONG'} (${verdict.detail})`)
    .join('; ');
  return {
    mode,
    joiners: options.joiners,
    synced: correct.length,
    failed: result.results.flatMap((r) => ('error' in r ? [r.error] : [])),
    wrongAnswers: answered.length - correct.length,
    p50: percentile(synced, 50),
    p95: percentile(synced, 95),
    max: synced.at(-1) ?? Number.POSITIVE_INFINITY,
    connectP95: percentile(connects, 95),
    serverCpuSeconds,
    clientCpuSeconds: (clientCpu.user + clientCpu.system) / 1e6,
    rssBefore,
    peakRss,
    peakIsStormOnly,
    verification,
    window: { startUs, endUs },
  };
}
