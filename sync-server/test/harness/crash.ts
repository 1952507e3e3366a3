import { setTimeout as sleep } from 'node:timers/promises';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import type { Govdesk } from './govdesk.ts';
import { encodeSyncStep1, encodeSyncStep2, encodeUpdateMessage, splitMessages } from '@govdesk/shared';
import { SeededRandom } from '../../../test/support/seeded-random.ts';
import { closeOf, EMPTY_STATE_VECTOR, frameBytes, openSocket, withTimeout } from './wire.ts';

/**
 * Crash safety, measured end to end: writers edit one document continuously
 * through a real server process, every update the server sends to any client
 * is recorded, the process is killed with SIGKILL in the middle of it and
 * restarted on the same data directory, and then a fresh client's full sync
 * must contain every update any client had received. The server promises
 * exactly this: nothing is sent to anyone before it is durable.
 */

export interface CrashOptions {
  cycles: number;
  /** Writer clients per cycle (each a Y.Doc editing the shared text and a map). */
  writers: number;
  /** Edits per second per writer; each edit is one update frame. */
  editsPerSecond: number;
  /** The kill comes at a random time in this window (ms) after the writers start editing. */
  killAfterMs: readonly [number, number];
  seed: number;
  /** Called after each cycle (progress output in the bench). */
  onCycle?: (cycle: CrashCycle) => void;
}

export interface CrashCycle {
  cycle: number;
  killAfterMs: number;
  /** Update frames the writers sent in this cycle. */
  sent: number;
  /** Updates (SyncStep2 and Update payloads) the server sent to any client in this cycle, each one checked. */
  received: number;
  /** Of those, the ones the watcher received (one per update the server broadcast, plus its initial SyncStep2). */
  watcherReceived: number;
  /** Writer updates sent but not yet broadcast back when the process was killed (a rough count: a no-op edit is never broadcast). */
  inFlightAtKill: number;
  /** Received updates not contained in the recovered document. Must be 0. */
  missing: number;
  /** Whether the recovered state vector covers the state vector of everything received. */
  stateVectorCovered: boolean;
  /** Whether everything received in this and every earlier cycle is still contained. */
  cumulativeContained: boolean;
  /** Time from SIGKILL to the restarted server listening. */
  restartMs: number;
  cycleMs: number;
}

export interface CrashReport {
  cycles: CrashCycle[];
  updatesChecked: number;
  missing: number;
  totalMs: number;
  documentId: string;
  recoveredBytes: number;
}

/** A client that records what the server sends it; with `doc`, it also applies it (a writer). */
class RecordingClient {
  readonly ws: WebSocket;
  readonly received: Uint8Array[] = [];
  readonly doc: Y.Doc | null;
  readonly synced: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  sent = 0;

  constructor(ws: WebSocket, doc: Y.Doc | null) {
    this.ws = ws;
    this.doc = doc;
    this.closed = closeOf(ws);
    let markSynced!: () => void;
    this.synced = new Promise((resolve) => (markSynced = resolve));
    ws.on('message', (data: WebSocket.RawData) => {
      for (const message of splitMessages(frameBytes(data))) {
        if (message.kind === 'sync-step2' || message.kind === 'update') {
          const update = message.update.slice();
          this.received.push(update);
          if (doc) Y.applyUpdate(doc, update, 'server');
          if (message.kind === 'sync-step2') markSynced();
        } else if (message.kind === 'sync-step1' && doc) {
          // As a stock client does: answer the server's state vector with what it lacks.
          this.#send(encodeSyncStep2(Y.encodeStateAsUpdate(doc, message.stateVector)));
        }
      }
    });
    ws.send(encodeSyncStep1(doc ? Y.encodeStateVector(doc) : EMPTY_STATE_VECTOR));
    if (doc) {
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === 'server') return;
        this.sent += 1;
        this.#send(encodeUpdateMessage(update));
      });
    }
  }

  #send(message: Uint8Array): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(message);
  }
}

const WORDS = ['关于', '做好', '防汛', '工作', '的', '通知', '各市', '人民政府', '省直', '有关单位', '，', '。', '一、', '二、', 'A', 'z', '2026'];

/** One random edit: insert, delete or a map entry. */
function edit(doc: Y.Doc, random: SeededRandom): void {
  const text = doc.getText('content');
  const roll = random.next();
  if (roll < 0.6 || text.length < 10) {
    const words = Array.from({ length: random.int(1, 3) }, () => random.pick(WORDS)).join('');
    text.insert(random.int(0, text.length), words);
  } else if (roll < 0.85) {
    const at = random.int(0, text.length - 1);
    text.delete(at, Math.min(random.int(1, 6), text.length - at));
  } else {
    doc.getMap('meta').set(`k${random.int(0, 20)}`, random.chance(0.5) ? random.int(0, 1_000_000) : random.pick(WORDS));
  }
}

/** What a fresh client gets from a full sync (SyncStep1 with an empty state vector), as a Y.Doc. */
export async function fullSync(url: string): Promise<{ doc: Y.Doc; bytes: number }> {
  const ws = await openSocket(url);
  const client = new RecordingClient(ws, null);
  await withTimeout(client.synced, 15_000, 'for SyncStep2 from the restarted server');
  ws.close();
  const doc = new Y.Doc();
  const step2 = client.received[0] as Uint8Array;
  Y.applyUpdate(doc, step2);
  return { doc, bytes: step2.length };
}

/** The updates (of `updates`) that `doc` does not contain: structs beyond its state vector or deletions it lacks. */
export function missingUpdates(doc: Y.Doc, updates: readonly Uint8Array[]): Uint8Array[] {
  const snapshot = Y.snapshot(doc);
  return updates.filter((update) => !Y.snapshotContainsUpdate(snapshot, update));
}

/** Whether the document's state vector is at least the state vector of `update` for every client. */
export function coversStateVector(doc: Y.Doc, update: Uint8Array): boolean {
  const have = Y.decodeStateVector(Y.encodeStateVector(doc));
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update))) {
    if ((have.get(client) ?? 0) < clock) return false;
  }
  return true;
}

/** Runs the kill/restart cycles against `setup.server` (which must be running) on one new document. */
export async function runCrashCycles(setup: Govdesk, options: CrashOptions): Promise<CrashReport> {
  const random = new SeededRandom(options.seed);
  const documentId = await setup.createDocument('崩溃恢复测试');
  const cycles: CrashCycle[] = [];
  let everything: Uint8Array = new Uint8Array([0, 0]);
  let recoveredBytes = 0;
  const started = performance.now();

  for (let cycle = 1; cycle <= options.cycles; cycle++) {
    const cycleStarted = performance.now();
    const url = setup.socketUrl(documentId);
    const watcher = new RecordingClient(await openSocket(url), null);
    const writers = await Promise.all(Array.from({ length: options.writers }, async () => new RecordingClient(await openSocket(url), new Y.Doc())));
    const clients = [watcher, ...writers];
    await withTimeout(Promise.all(clients.map((client) => client.synced)), 15_000, 'for the clients to sync');

    // Edit continuously: every 2 ms each writer makes the edits that are due.
    const editStarted = performance.now();
    let edits = 0;
    const editTimer = setInterval(() => {
      const due = Math.floor(((performance.now() - editStarted) / 1000) * options.editsPerSecond);
      for (; edits < due; edits++) {
        for (const writer of writers) if (writer.ws.readyState === writer.ws.OPEN) edit(writer.doc as Y.Doc, random);
      }
    }, 2);
    const killAfterMs = random.int(options.killAfterMs[0], options.killAfterMs[1]);
    await sleep(killAfterMs);
    // A kill before anything was broadcast would check nothing: on a loaded machine, wait for the first broadcast.
    for (const deadline = performance.now() + 5_000; watcher.received.length < 2 && performance.now() < deadline; ) await sleep(5);

    const sentAtKill = writers.reduce((sum, writer) => sum + writer.sent, 0);
    const broadcastAtKill = watcher.received.length - 1;
    const killedAt = performance.now();
    await setup.server.stop('SIGKILL');
    clearInterval(editTimer);
    // Whatever the kernel had already taken from the server still arrives; then the sockets close.
    await Promise.all(clients.map((client) => client.closed));
    await setup.restart();
    const restartMs = performance.now() - killedAt;

    const received = clients.flatMap((client) => client.received);
    const { doc: recovered, bytes } = await fullSync(setup.socketUrl(documentId));
    recoveredBytes = bytes;
    const missing = missingUpdates(recovered, received).length;
    const cycleMerged = Y.mergeUpdates(received);
    everything = Y.mergeUpdates([everything, cycleMerged]);
    const result: CrashCycle = {
      cycle,
      killAfterMs,
      sent: writers.reduce((sum, writer) => sum + writer.sent, 0),
      received: received.length,
      watcherReceived: watcher.received.length,
      inFlightAtKill: Math.max(0, sentAtKill - broadcastAtKill),
      missing,
      stateVectorCovered: coversStateVector(recovered, cycleMerged),
      cumulativeContained: missingUpdates(recovered, [everything]).length === 0,
      restartMs,
      cycleMs: performance.now() - cycleStarted,
    };
    for (const writer of writers) writer.doc?.destroy();
    recovered.destroy();
    cycles.push(result);
    options.onCycle?.(result);
  }
  return {
    cycles,
    updatesChecked: cycles.reduce((sum, cycle) => sum + cycle.received, 0),
    missing: cycles.reduce((sum, cycle) => sum + cycle.missing, 0),
    totalMs: performance.now() - started,
    documentId,
    recoveredBytes,
  };
}
