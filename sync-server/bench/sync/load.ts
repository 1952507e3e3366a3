import { processCpuSeconds } from '../../../build/lib/bench-report.ts';
import type { Ledger, PhaseDeliveries } from './ledger.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Peer, Swarm } from './peers.ts';

/** What a writer types: one CJK character (UTF-16 length 1), so the Yjs clock advances by one per update. */
const CHARACTERS = '关于做好防汛工作的通知各市县人民政府省直各单位';

export interface PacerResult {
  sent: number;
  /** From the first send to the last, plus one interval. */
  elapsedMs: number;
  /** How late sends went out against their schedule: the load generator's own health (a busy client sends late, in bursts). */
  lagP99Ms: number;
  lagMaxMs: number;
}

/**
 * Sends `rate × seconds` updates on schedule. Each timer tick sends every
 * update that is due by now (so a late tick catches up instead of the rate
 * drifting down), and the next tick is set for the next due time. Node's
 * timers have a 1 ms floor, so above 1,000 updates/s several go out per tick.
 */
export function pace(rate: number, seconds: number, send: (index: number) => void): Promise<PacerResult> {
  const total = Math.max(1, Math.round(rate * seconds));
  const intervalMs = 1000 / rate;
  const lags = new Float64Array(total);
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let sent = 0;
    const tick = () => {
      try {
        const now = performance.now();
        const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
        while (sent < due) {
          lags[sent] = now - (start + sent * intervalMs);
          send(sent);
          sent += 1;
        }
        if (sent >= total) {
          const sorted = lags.sort();
          resolve({
            sent,
            elapsedMs: performance.now() - start + intervalMs,
            lagP99Ms: sorted[Math.min(total - 1, Math.ceil(total * 0.99) - 1)] as number,
            lagMaxMs: sorted[total - 1] as number,
          });
          return;
        }
        setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    tick();
  });
}

export interface PhaseOptions {
  rate: number;
  seconds: number;
  /** The ledger phase the updates count towards (several runs may add to one); null: a warm-up, not counted. */
  phase: number | null;
  /** How long to wait for outstanding deliveries after the last send before counting them lost. */
  drainTimeoutMs: number;
}

export interface PhaseResult extends PacerResult {
  rate: number;
  achievedRate: number;
  deliveries: PhaseDeliveries | null;
  /** Server CPU while sending, in % of one core. */
  serverCpuPct: number;
  /** This (load generator) process's CPU while sending, in % of one core. */
  clientCpuPct: number;
  /** The raw numbers behind the percentages, so that runs can be added up. */
  serverCpuSeconds: number;
  clientCpuSeconds: number;
  wallMs: number;
  /** From the last send until every delivery arrived (or the drain timed out). */
  drainMs: number;
  unexpectedCloses: { code: number; reason: string }[];
  resyncRequests: number;
}

/**
 * One step of load: `senders` take turns (round robin, so every document and
 * client gets an even share), paced at `rate` updates/s in total; then waits
 * for the deliveries to arrive and for the pipe to go quiet, so that a backlog
 * cannot spill into the next step.
 */
export async function runPhase(swarm: Swarm, senders: readonly Peer[], ledger: Ledger, serverPid: number, options: PhaseOptions): Promise<PhaseResult> {
  const phase = options.phase ?? -1;
  ledger.current = phase;
  const cpuBefore = processCpuSeconds(serverPid);
  const clientBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const paced = await pace(options.rate, options.seconds, (index) => {
    const peer = senders[index % senders.length] as Peer;
    if (peer.unexpectedClose) return;
    peer.write(ledger, CHARACTERS[peer.clock % CHARACTERS.length] as string);
  });
  const wallMs = performance.now() - wallBefore;
  const serverCpuSeconds = processCpuSeconds(serverPid) - cpuBefore;
  const clientCpu = process.cpuUsage(clientBefore);
  const clientCpuSeconds = (clientCpu.user + clientCpu.system) / 1e6;
  ledger.endPhase();

  const drainStart = performance.now();
  if (phase >= 0) {
    while (ledger.outstanding(phase) > 0 && performance.now() - drainStart < options.drainTimeoutMs) await sleep(10);
  }
  const drainMs = performance.now() - drainStart;
  await quiet(ledger, 200, options.drainTimeoutMs);

  return {
    ...paced,
    rate: options.rate,
    achievedRate: (paced.sent * 1000) / paced.elapsedMs,
    deliveries: phase >= 0 ? ledger.result(phase) : null,
    serverCpuPct: ((serverCpuSeconds * 1000) / wallMs) * 100,
    clientCpuPct: ((clientCpuSeconds * 1000) / wallMs) * 100,
    serverCpuSeconds,
    clientCpuSeconds,
    wallMs,
    drainMs,
    unexpectedCloses: swarm.unexpectedCloses(),
    resyncRequests: swarm.resyncRequests(),
  };
}

/** Waits until no delivery has arrived for `silenceMs` (at most `capMs`). */
async function quiet(ledger: Ledger, silenceMs: number, capMs: number): Promise<void> {
  const start = performance.now();
  let last = ledger.totalDeliveries;
  let lastChange = performance.now();
  while (performance.now() - lastChange < silenceMs && performance.now() - start < capMs) {
    await sleep(20);
    if (ledger.totalDeliveries !== last) {
      last = ledger.totalDeliveries;
      lastChange = performance.now();
    }
  }
}
