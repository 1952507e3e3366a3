import { Samples, type LatencySummary } from '../../../build/lib/bench-report.ts';

/**
 * Bookkeeping for "delivered": every update a bench writer sends is one Yjs
 * struct whose ID (client, clock) the receivers read back from the frame
 * (`firstStructId`). The ledger keeps, per writer and clock, the time taken
 * just before `ws.send`, the measurement phase it belongs to and how many
 * receivers have had it, in typed arrays (hundreds of thousands of updates
 * per run, no object per update).
 */

/** A phase's updates are not measured (warm-up). */
export const UNMEASURED = -1;

class WriterLog {
  readonly client: number;
  /** Every peer of the document except the writer itself (its own echo is not a delivery). */
  readonly receivers: number;
  sent = 0;
  sendTimes = new Float64Array(256);
  phases = new Int16Array(256);
  deliveries = new Uint16Array(256);

  constructor(client: number, receivers: number) {
    this.client = client;
    this.receivers = receivers;
  }

  record(clock: number, now: number, phase: number): void {
    if (clock !== this.sent) throw new Error(`writer ${this.client} sent clock ${clock} after ${this.sent - 1}`);
    if (clock === this.sendTimes.length) {
      const grow = <T extends Float64Array | Int16Array | Uint16Array>(array: T, make: (length: number) => T): T => {
        const grown = make(array.length * 2);
        grown.set(array);
        return grown;
      };
      this.sendTimes = grow(this.sendTimes, (n) => new Float64Array(n));
      this.phases = grow(this.phases, (n) => new Int16Array(n));
      this.deliveries = grow(this.deliveries, (n) => new Uint16Array(n));
    }
    this.sendTimes[clock] = now;
    this.phases[clock] = phase;
    this.sent = clock + 1;
  }
}

interface Phase {
  /** A phase that adds up several (the turns of one server in case (a)): everything counted here is counted there too. */
  parent: Phase | null;
  samples: Samples;
  sent: number;
  expected: number;
  delivered: number;
  duplicates: number;
}

export interface PhaseDeliveries {
  sent: number;
  /** Deliveries expected: every update × every receiver of its document. */
  expected: number;
  delivered: number;
  /** Deliveries that never arrived (expected − delivered, after the drain). */
  lostDeliveries: number;
  /** Updates that at least one receiver never got. */
  lostUpdates: number;
  /** The same update received more than once by one document's receivers (beyond their number). */
  duplicates: number;
  latency: LatencySummary;
}

export class Ledger {
  readonly #writers = new Map<number, WriterLog>();
  readonly #phases: Phase[] = [];
  /** Phase that new sends belong to. */
  current = UNMEASURED;
  /** Update frames received for a writer the ledger does not know, or a clock it never sent. */
  strangers = 0;
  /** Every delivery, measured or not: lets the bench see when the pipe has gone quiet. */
  totalDeliveries = 0;

  register(client: number, receivers: number): void {
    if (this.#writers.has(client)) throw new Error(`client ID ${client} used twice`);
    this.#writers.set(client, new WriterLog(client, receivers));
  }

  /** Opens a measured phase (sends count towards it while it is `current`), optionally part of a `parent` phase; returns its index. */
  newPhase(parent?: number): number {
    const parentPhase = parent === undefined ? null : (this.#phases[parent] ?? null);
    this.#phases.push({ parent: parentPhase, samples: new Samples(), sent: 0, expected: 0, delivered: 0, duplicates: 0 });
    return this.#phases.length - 1;
  }

  endPhase(): void {
    this.current = UNMEASURED;
  }

  /** Call with the time taken just before `ws.send`. */
  sent(client: number, clock: number, now: number): void {
    const writer = this.#writers.get(client);
    if (!writer) throw new Error(`unregistered writer ${client}`);
    writer.record(clock, now, this.current);
    for (let phase = this.#phases[this.current] ?? null; phase; phase = phase.parent) {
      phase.sent += 1;
      phase.expected += writer.receivers;
    }
  }

  /** A receiver (not the writer) got the update (client, clock) at `now`. */
  delivered(client: number, clock: number, now: number): void {
    const writer = this.#writers.get(client);
    if (!writer || clock >= writer.sent) {
      this.strangers += 1;
      return;
    }
    this.totalDeliveries += 1;
    const count = (writer.deliveries[clock] as number) + 1;
    writer.deliveries[clock] = count;
    const latency = now - (writer.sendTimes[clock] as number);
    for (let phase = this.#phases[writer.phases[clock] as number] ?? null; phase; phase = phase.parent) {
      if (count > writer.receivers) {
        phase.duplicates += 1;
        continue;
      }
      phase.delivered += 1;
      phase.samples.add(latency);
    }
  }

  outstanding(phaseIndex: number): number {
    const phase = this.#phases[phaseIndex];
    return phase ? phase.expected - phase.delivered : 0;
  }

  result(phaseIndex: number): PhaseDeliveries {
    const phase = this.#phases[phaseIndex];
    if (!phase) throw new Error(`no phase ${phaseIndex}`);
    let lostUpdates = 0;
    if (phase.delivered < phase.expected) {
      const belongs = (index: number) => {
        for (let at = this.#phases[index] ?? null; at; at = at.parent) if (at === phase) return true;
        return false;
      };
      for (const writer of this.#writers.values()) {
        for (let clock = 0; clock < writer.sent; clock++) {
          if ((writer.deliveries[clock] as number) < writer.receivers && belongs(writer.phases[clock] as number)) lostUpdates += 1;
        }
      }
    }
    return {
      sent: phase.sent,
      expected: phase.expected,
      delivered: phase.delivered,
      lostDeliveries: phase.expected - phase.delivered,
      lostUpdates,
      duplicates: phase.duplicates,
      latency: phase.samples.summary(),
    };
  }
}
