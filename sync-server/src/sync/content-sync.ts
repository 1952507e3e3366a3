import * as Y from 'yjs';
import type { DocumentRole } from '@govdesk/shared';
import type { Logger } from '../logger.ts';
import type { SyncMetrics } from '../metrics/metrics.ts';
import type { Connection } from './connection.ts';
import type { DurableLog } from './durable-log.ts';
import { applyChecked, checkUpdate, newClockClients } from './integrity.ts';
import { CloseCode, encodeSyncStep1, encodeSyncStep2, type ClientMessage, type DecodedUpdate } from './protocol.ts';
import type { SharedDoc } from './shared-doc.ts';

export type UpdateMessage = Extract<ClientMessage, { kind: 'sync-step2' | 'update' }>;

/** A frame's updates, merged and checked, with the client IDs under which they add clocks. */
interface VettedUpdate {
  update: Uint8Array;
  clients: Set<number>;
  requestResync: boolean;
}

export interface ContentSyncOptions {
  metrics: SyncMetrics;
  log: Logger;
  /** Whether a right lets its holder change the content. Others' update frames are dropped. */
  canWrite(role: DocumentRole): boolean;
  durable: DurableLog;
  /** Drops a document whose copy in memory can no longer be trusted (see DocumentHub). */
  retire(doc: SharedDoc, code: number, reason: string): void;
}

/** Whether a state vector has nothing of the document: the answer is then the whole state, which is cached. */
function knowsNothingOf(ydoc: Y.Doc, stateVector: Uint8Array): boolean {
  const known = Y.decodeStateVector(stateVector);
  for (const [client, clock] of known) if (clock > 0 && ydoc.store.clients.has(client)) return false;
  return true;
}

/**
 * The content half of the y-websocket protocol: updates from a connection
 * vetted (the writer's right, its client IDs, the integrity check) and
 * applied, and SyncStep1 answered once what was applied before is durable.
 */
export class ContentSync {
  readonly #options: ContentSyncOptions;

  constructor(options: ContentSyncOptions) {
    this.#options = options;
  }

  /**
   * Decides on a frame's updates before any of them is applied: the writer's
   * right, the Yjs client IDs it writes under, and the integrity check. Several
   * updates in one frame may build on each other, so they are merged and
   * checked as one. 'closed': the frame was malformed and the socket closed;
   * null: the updates are dropped and the connection stays.
   */
  vet(conn: Connection, doc: SharedDoc, messages: UpdateMessage[]): VettedUpdate | null | 'closed' {
    const { metrics, log } = this.#options;
    if (messages.some((message) => message.kind === 'sync-step2')) conn.resyncRequested = false;
    if (!this.#options.canWrite(conn.role)) {
      metrics.droppedFrames.inc({ reason: 'read_only' }, messages.length);
      return null;
    }
    let update: Uint8Array;
    let decoded: DecodedUpdate;
    try {
      const [first] = messages;
      update = messages.length === 1 && first ? first.update : Y.mergeUpdates(messages.map((message) => message.update));
      decoded = messages.length === 1 && first ? first.decoded : Y.decodeUpdate(update);
    } catch (error) {
      return this.#refuseMalformed(conn, doc, `the frame's updates do not merge: ${(error as Error).message}`);
    }
    const requestResync = messages.some((message) => message.kind === 'update');
    // Yjs integrates whatever decodes: an update pointing where it must not would corrupt the document for everyone. Checked first: malformed is malformed whoever may write under its IDs.
    const check = checkUpdate(doc.ydoc, decoded);
    if (!check.ok && check.kind === 'malformed') return this.#refuseMalformed(conn, doc, check.reason);
    if (!check.ok) {
      this.#dropIncomplete(conn, doc, check.reason, requestResync);
      return null;
    }
    // Only the owner of a client ID may write its next clocks; structs below the server's state are harmless repeats.
    const clients = newClockClients(doc.ydoc, decoded);
    for (const client of clients) {
      const verdict = doc.owners.verdict(client, conn.userId);
      if (verdict === 'ok') continue;
      // Dropped without a resync request: asking again would only bring the same update back.
      metrics.droppedFrames.inc({ reason: `client_id_${verdict}` });
      log.info({ documentId: doc.id, userId: conn.userId, clientId: client, verdict }, 'update under a client ID the user may not write under dropped');
      return null;
    }
    return { update, clients, requestResync };
  }

  /** Applies a vetted update and claims its new client IDs; false when the connection was closed instead. */
  apply(conn: Connection, doc: SharedDoc, vetted: VettedUpdate): boolean {
    const store = doc.ydoc.store;
    const before = new Map([...vetted.clients].map((client) => [client, Y.getState(store, client)]));
    // `failed` before the transaction ends keeps the refused update out of the log and away from everyone.
    const order = applyChecked(doc.ydoc, vetted.update, vetted.clients, conn, () => (doc.failed = true));
    if (!order.ok) {
      // The copy in memory now differs from the log, which never saw this update: drop it, and everyone else reconnects to a copy read from the log.
      this.#refuseMalformed(conn, doc, order.reason);
      this.#options.retire(doc, CloseCode.documentReloaded, 'document reloaded');
      return false;
    }
    if (store.pendingStructs !== null || store.pendingDs !== null) {
      // Not expected after the check; never keep what is neither durable nor relayed (SyncStep2 answers would include it).
      store.pendingStructs = null;
      store.pendingDs = null;
      this.#dropIncomplete(conn, doc, 'Yjs kept part of the update as pending', vetted.requestResync);
    }
    // Claimed with what was really written under them: the claims go into the log's next transaction with it.
    for (const client of vetted.clients) if (Y.getState(store, client) > (before.get(client) ?? 0)) doc.owners.claim(client, conn.userId);
    return true;
  }

  #refuseMalformed(conn: Connection, doc: SharedDoc, reason: string): 'closed' {
    this.#options.metrics.droppedFrames.inc({ reason: 'malformed' });
    this.#options.log.info({ documentId: doc.id, userId: conn.userId, reason }, 'malformed update');
    conn.close(CloseCode.malformed, 'malformed update');
    return 'closed';
  }

  /**
   * An update that depends on content the server does not have is dropped,
   * and the client gets the server's state vector: it answers with a
   * SyncStep2 holding everything the server lacks, dependencies included.
   * One such request is outstanding per connection at a time, and none
   * answers an incomplete SyncStep2: that is already all the client has.
   */
  #dropIncomplete(conn: Connection, doc: SharedDoc, reason: string, requestResync: boolean): void {
    this.#options.metrics.droppedFrames.inc({ reason: 'incomplete' });
    this.#options.log.debug({ documentId: doc.id, userId: conn.userId, reason }, 'incomplete update dropped');
    if (!requestResync || conn.resyncRequested) return;
    conn.resyncRequested = true;
    this.#options.durable.whenDurable(() => conn.send(encodeSyncStep1(Y.encodeStateVector(doc.ydoc))));
  }

  /**
   * Answers a SyncStep1 once everything applied so far is durable. Each answer
   * costs a pass over the whole document (Yjs encodes the full delete set), so
   * a connection has at most one answer outstanding: a later SyncStep1 replaces
   * the one still waiting (its state vector is the newer one), and the answer
   * waits for the next turn of the event loop, so that all the SyncStep1 frames
   * of one read get one answer. Without this, a burst of SyncStep1 frames
   * within the rate limit stalled the event loop for seconds (found by fuzzing).
   */
  answerStep1(conn: Connection, doc: SharedDoc, stateVector: Uint8Array, empty: boolean): void {
    const alreadyQueued = conn.pendingStep1 !== null;
    conn.pendingStep1 = { stateVector, empty };
    if (alreadyQueued) return;
    setImmediate(() => this.#options.durable.whenDurable(() => this.#sendStep2(conn, doc)));
  }

  #sendStep2(conn: Connection, doc: SharedDoc): void {
    const request = conn.pendingStep1;
    conn.pendingStep1 = null;
    if (!request || conn.closed) return;
    if (request.empty || knowsNothingOf(doc.ydoc, request.stateVector)) {
      doc.fullStateMessage ??= encodeSyncStep2(Y.encodeStateAsUpdate(doc.ydoc));
      conn.send(doc.fullStateMessage);
    } else {
      conn.send(encodeSyncStep2(Y.encodeStateAsUpdate(doc.ydoc, request.stateVector)));
    }
  }
}
