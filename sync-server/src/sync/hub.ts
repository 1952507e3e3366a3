import type { WebSocket } from 'ws';
import * as Y from 'yjs';
import { Awareness, encodeAwarenessUpdate, applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import type { DocumentRole } from '@govdesk/shared';
import type { Logger } from '../logger.ts';
import type { SyncMetrics } from '../metrics/metrics.ts';
import type { ContentStore } from '../storage/types.ts';
import { Connection } from './connection.ts';
import { checkUpdate } from './integrity.ts';
import { CloseCode, encodeAwareness, encodeSyncStep1, encodeSyncStep2, encodeUpdate, MalformedFrame, MAX_AWARENESS_STATE_BYTES, parseFrame, type ClientMessage } from './protocol.ts';

/** What the hub asks of the application: the protocol code knows nothing of users, rights tables or SQL. */
export interface SyncHooks {
  /** Whether a right lets its holder change the content. Others' update frames are dropped. */
  canWrite(role: DocumentRole): boolean;
  /** The user's right on the document now; null closes their connections. */
  currentRole(userId: string, documentId: string): Promise<DocumentRole | null>;
}

export interface HubOptions {
  store: ContentStore;
  hooks: SyncHooks;
  metrics: SyncMetrics;
  log: Logger;
  limits: {
    maxBufferedBytesPerConnection: number;
    framesPerSecond: number;
    frameBurst: number;
    awarenessIntervalMs: number;
    maxConnectionsPerUser: number;
    idleTimeoutSeconds: number;
  };
  storage: { compactAfterUpdates: number; compactAfterBytes: number; unloadAfterMs: number };
}

/** A document held in memory while people work on it. */
class SharedDoc {
  readonly id: string;
  readonly ydoc = new Y.Doc({ gc: true });
  readonly awareness: Awareness;
  readonly connections = new Set<Connection>();
  readonly awarenessOwners = new Map<number, Connection>();
  readonly changedAwareness = new Set<number>();
  awarenessTimer: NodeJS.Timeout | null = null;
  unloadTimer: NodeJS.Timeout | null = null;
  /** Sequence number of the last update given to the log, and of the last one known durable. */
  lastSeq: number;
  durableSeq: number;
  logCount: number;
  logBytes: number;
  compacting = false;
  failed = false;
  /** SyncStep2 with the whole state, shared by every client that joins with nothing. */
  fullStateMessage: Uint8Array | null = null;

  constructor(id: string, content: { lastSeq: number; logCount: number; logBytes: number }) {
    this.id = id;
    this.lastSeq = content.lastSeq;
    this.durableSeq = content.lastSeq;
    this.logCount = content.logCount;
    this.logBytes = content.logBytes;
    this.awareness = new Awareness(this.ydoc);
    // The server has no presence of its own.
    this.awareness.setLocalState(null);
  }

  destroy(): void {
    if (this.awarenessTimer) clearTimeout(this.awarenessTimer);
    if (this.unloadTimer) clearTimeout(this.unloadTimer);
    this.awareness.destroy();
    this.ydoc.destroy();
  }
}

/** Whether a state vector has nothing of the document: the answer is then the whole state, which is cached. */
function knowsNothingOf(ydoc: Y.Doc, stateVector: Uint8Array): boolean {
  const known = Y.decodeStateVector(stateVector);
  for (const [client, clock] of known) if (clock > 0 && ydoc.store.clients.has(client)) return false;
  return true;
}

interface PendingUpdate {
  doc: SharedDoc;
  seq: number;
  update: Uint8Array;
}

/**
 * The y-websocket server core. An update is applied, appended to the log and
 * made durable, and only then sent to anyone; a SyncStep2 answer waits for the
 * log likewise, so no client ever holds an update a crash could lose.
 * Durable writes are grouped per event-loop turn (one fsync for many updates).
 */
export class DocumentHub {
  readonly #options: HubOptions;
  readonly #docs = new Map<string, SharedDoc>();
  readonly #loading = new Map<string, Promise<SharedDoc>>();
  readonly #connectionsPerUser = new Map<string, number>();
  readonly #allConnections = new Set<Connection>();
  readonly #alive = new WeakSet<WebSocket>();
  readonly #pingTimer: NodeJS.Timeout;
  #pending: PendingUpdate[] = [];
  #afterDurable: (() => void)[] = [];
  #flushScheduled = false;
  #inFlight = 0;
  #chain: Promise<void> = Promise.resolve();
  #closing = false;

  constructor(options: HubOptions) {
    this.#options = options;
    this.#pingTimer = setInterval(() => this.#ping(), (options.limits.idleTimeoutSeconds * 1000) / 2);
    this.#pingTimer.unref();
  }

  get connectionCount(): number {
    return this.#allConnections.size;
  }

  /** Whether the user may open one more connection. */
  hasRoomFor(userId: string): boolean {
    return (this.#connectionsPerUser.get(userId) ?? 0) < this.#options.limits.maxConnectionsPerUser;
  }

  /** Loads the document (snapshot + log) if it is not in memory; called before the upgrade completes. */
  acquire(documentId: string): Promise<void> {
    if (this.#docs.has(documentId)) return Promise.resolve();
    let loading = this.#loading.get(documentId);
    if (!loading) {
      loading = this.#load(documentId).finally(() => this.#loading.delete(documentId));
      this.#loading.set(documentId, loading);
    }
    return loading.then(() => undefined);
  }

  async #load(documentId: string): Promise<SharedDoc> {
    const content = await this.#options.store.load(documentId);
    const doc = new SharedDoc(documentId, content);
    Y.transact(doc.ydoc, () => {
      if (content.snapshot) Y.applyUpdate(doc.ydoc, content.snapshot);
      for (const update of content.updates) Y.applyUpdate(doc.ydoc, update);
    });
    doc.ydoc.on('update', (update: Uint8Array) => this.#logUpdate(doc, update));
    doc.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
      for (const id of [...added, ...updated, ...removed]) doc.changedAwareness.add(id);
      this.#scheduleAwareness(doc);
    });
    this.#docs.set(documentId, doc);
    this.#options.metrics.documentsLoaded.set(this.#docs.size);
    this.#maybeCompact(doc);
    return doc;
  }

  /** Takes over an upgraded socket; `acquire` must have resolved. */
  attach(ws: WebSocket, identity: { userId: string; sessionId: string; documentId: string; role: DocumentRole }): Connection {
    const doc = this.#docs.get(identity.documentId);
    if (!doc) throw new Error(`document ${identity.documentId} is not loaded`);
    const { limits, metrics } = this.#options;
    const conn = new Connection(ws, identity, { maxBufferedBytes: limits.maxBufferedBytesPerConnection, framesPerSecond: limits.framesPerSecond, frameBurst: limits.frameBurst }, metrics);
    if (doc.unloadTimer) {
      clearTimeout(doc.unloadTimer);
      doc.unloadTimer = null;
    }
    doc.connections.add(conn);
    this.#allConnections.add(conn);
    this.#connectionsPerUser.set(conn.userId, (this.#connectionsPerUser.get(conn.userId) ?? 0) + 1);
    metrics.connections.set(this.#allConnections.size);
    this.#alive.add(ws);

    ws.on('pong', () => this.#alive.add(ws));
    ws.on('message', (data: Buffer, isBinary: boolean) => this.#onFrame(conn, doc, data, isBinary));
    ws.on('close', () => this.#detach(conn, doc));
    ws.on('error', (error: Error & { code?: string }) => {
      // ws closes the socket itself (1009 too large, 1007 invalid UTF-8, 1002 protocol error); the frame still counts as refused.
      const reason = error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'too_large' : error.code?.startsWith('WS_ERR_') ? 'invalid_websocket_frame' : null;
      if (reason) {
        metrics.droppedFrames.inc({ reason });
        metrics.closedConnections.inc({ reason });
      }
      this.#options.log.debug({ err: error, documentId: doc.id, userId: conn.userId }, 'socket error');
    });

    // The server opens with its state vector (the client answers with what the server lacks) and the current presence.
    this.#whenDurable(() => {
      conn.send(encodeSyncStep1(Y.encodeStateVector(doc.ydoc)));
      if (doc.awareness.getStates().size > 0) conn.send(encodeAwareness(encodeAwarenessUpdate(doc.awareness, [...doc.awareness.getStates().keys()])));
    });
    return conn;
  }

  #onFrame(conn: Connection, doc: SharedDoc, data: Buffer, isBinary: boolean): void {
    const { metrics, log } = this.#options;
    metrics.receivedBytes.inc(data.length);
    if (conn.closed) return;
    if (!conn.takeFrame()) {
      metrics.droppedFrames.inc({ reason: 'rate_limited' });
      conn.close(CloseCode.rateLimited, 'rate limited');
      return;
    }
    let messages: ClientMessage[];
    try {
      if (!isBinary) throw new MalformedFrame('text frames are not part of the protocol');
      messages = parseFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), { maxAwarenessStateBytes: MAX_AWARENESS_STATE_BYTES });
    } catch (error) {
      metrics.droppedFrames.inc({ reason: 'malformed' });
      log.debug({ documentId: doc.id, userId: conn.userId, reason: (error as Error).message }, 'malformed frame');
      conn.close(CloseCode.malformed, 'malformed frame');
      return;
    }
    for (const message of messages) {
      switch (message.kind) {
        case 'sync-step1':
          this.#answerStep1(conn, doc, message.stateVector, message.empty);
          break;
        case 'sync-step2':
        case 'update': {
          if (message.kind === 'sync-step2') conn.resyncRequested = false;
          if (!this.#options.hooks.canWrite(conn.role)) {
            metrics.droppedFrames.inc({ reason: 'read_only' });
            break;
          }
          // Yjs integrates whatever decodes: an update pointing where it must not would corrupt the document for everyone.
          const check = checkUpdate(doc.ydoc, message.decoded);
          if (!check.ok && check.kind === 'malformed') {
            metrics.droppedFrames.inc({ reason: 'malformed' });
            log.debug({ documentId: doc.id, userId: conn.userId, reason: check.reason }, 'malformed update');
            conn.close(CloseCode.malformed, 'malformed update');
            return;
          }
          if (!check.ok) {
            this.#dropIncomplete(conn, doc, check.reason, message.kind === 'update');
            break;
          }
          try {
            Y.applyUpdate(doc.ydoc, message.update, conn);
          } catch (error) {
            metrics.droppedFrames.inc({ reason: 'malformed' });
            log.warn({ err: error, documentId: doc.id, userId: conn.userId }, 'an update that decoded could not be applied');
            conn.close(CloseCode.malformed, 'malformed update');
            return;
          }
          const store = doc.ydoc.store;
          if (store.pendingStructs !== null || store.pendingDs !== null) {
            // Not expected after the check; never keep what is neither durable nor relayed (SyncStep2 answers would include it).
            store.pendingStructs = null;
            store.pendingDs = null;
            this.#dropIncomplete(conn, doc, 'Yjs kept part of the update as pending', message.kind === 'update');
          }
          break;
        }
        case 'awareness':
          this.#applyAwareness(conn, doc, message.update, message.entries);
          break;
        case 'query-awareness':
          conn.send(encodeAwareness(encodeAwarenessUpdate(doc.awareness, [...doc.awareness.getStates().keys()])));
          break;
      }
    }
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
    this.#whenDurable(() => conn.send(encodeSyncStep1(Y.encodeStateVector(doc.ydoc))));
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
  #answerStep1(conn: Connection, doc: SharedDoc, stateVector: Uint8Array, empty: boolean): void {
    const alreadyQueued = conn.pendingStep1 !== null;
    conn.pendingStep1 = { stateVector, empty };
    if (alreadyQueued) return;
    setImmediate(() => this.#whenDurable(() => this.#sendStep2(conn, doc)));
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

  #applyAwareness(conn: Connection, doc: SharedDoc, update: Uint8Array, entries: { clientId: number; state: unknown }[]): void {
    // A connection speaks only for the presence it introduced: no one can move another person's cursor or remove them.
    for (const entry of entries) {
      const owner = doc.awarenessOwners.get(entry.clientId);
      if (owner && owner !== conn) {
        this.#options.metrics.droppedFrames.inc({ reason: 'awareness_spoof' });
        return;
      }
    }
    for (const entry of entries) {
      if (entry.state === null) {
        doc.awarenessOwners.delete(entry.clientId);
        conn.awarenessIds.delete(entry.clientId);
      } else {
        doc.awarenessOwners.set(entry.clientId, conn);
        conn.awarenessIds.add(entry.clientId);
      }
    }
    applyAwarenessUpdate(doc.awareness, update, conn);
  }

  /** Presence is batched per document so a storm of cursor moves cannot crowd out document updates. */
  #scheduleAwareness(doc: SharedDoc): void {
    if (doc.awarenessTimer) return;
    doc.awarenessTimer = setTimeout(() => {
      doc.awarenessTimer = null;
      if (doc.changedAwareness.size === 0) return;
      const changed = [...doc.changedAwareness];
      const message = encodeAwareness(encodeAwarenessUpdate(doc.awareness, changed));
      doc.changedAwareness.clear();
      // y-protocols keeps a clock for every client ID it has ever seen, also after its presence is gone: once the removal is relayed, forget it, or the map grows with every session (found by fuzzing).
      for (const id of changed) if (!doc.awareness.states.has(id)) doc.awareness.meta.delete(id);
      for (const conn of doc.connections) conn.send(message);
    }, this.#options.limits.awarenessIntervalMs);
  }

  #logUpdate(doc: SharedDoc, update: Uint8Array): void {
    doc.fullStateMessage = null;
    doc.lastSeq += 1;
    this.#pending.push({ doc, seq: doc.lastSeq, update });
    this.#scheduleFlush();
  }

  /** Runs `callback` once every update applied so far is durable. */
  #whenDurable(callback: () => void): void {
    if (this.#pending.length === 0 && this.#inFlight === 0) {
      callback();
      return;
    }
    this.#afterDurable.push(callback);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#chain = this.#chain.then(() => this.#flush()).catch((error: unknown) => this.#options.log.error({ err: error }, 'flush failed'));
    });
  }

  async #flush(): Promise<void> {
    const { store, metrics, log } = this.#options;
    const batch = this.#pending.splice(0);
    if (batch.length > 0) {
      this.#inFlight += 1;
      const started = performance.now();
      try {
        await store.append(batch.map((entry) => ({ documentId: entry.doc.id, seq: entry.seq, update: entry.update })));
      } catch (error) {
        log.error({ err: error, documents: [...new Set(batch.map((entry) => entry.doc.id))] }, 'could not make updates durable');
        for (const doc of new Set(batch.map((entry) => entry.doc))) this.#fail(doc);
      } finally {
        this.#inFlight -= 1;
      }
      metrics.persistSeconds.observe((performance.now() - started) / 1000);
      metrics.persistBatchSize.observe(batch.length);
      let bytes = 0;
      let count = 0;
      const touched = new Set<SharedDoc>();
      const corked = new Set<Connection>();
      for (const entry of batch) {
        if (entry.doc.failed) continue;
        count += 1;
        bytes += entry.update.length;
        entry.doc.durableSeq = entry.seq;
        entry.doc.logCount += 1;
        entry.doc.logBytes += entry.update.length;
        touched.add(entry.doc);
        // Every connection, the sender included: receiving its own update back tells a client the server has it durably.
        const message = encodeUpdate(entry.update);
        for (const conn of entry.doc.connections) {
          if (!corked.has(conn)) {
            conn.cork();
            corked.add(conn);
          }
          conn.send(message);
        }
      }
      for (const conn of corked) conn.uncork();
      metrics.countUpdates(count, bytes);
      for (const doc of touched) this.#maybeCompact(doc);
    }
    if (this.#pending.length > 0) {
      // More arrived while this batch was being written (an asynchronous store): the waiting answers need those too.
      this.#scheduleFlush();
      return;
    }
    for (const callback of this.#afterDurable.splice(0)) {
      try {
        callback();
      } catch (error) {
        log.error({ err: error }, 'after-durable callback failed');
      }
    }
  }

  /**
   * Storage refused an update: the in-memory state of the document may now hold
   * what the log does not. Drop it and disconnect its clients; they still hold
   * their changes and send them again when they reconnect.
   */
  #fail(doc: SharedDoc): void {
    doc.failed = true;
    for (const conn of [...doc.connections]) conn.close(CloseCode.storageFailure, 'storage failure');
    this.#pending = this.#pending.filter((entry) => entry.doc !== doc);
    this.#unload(doc);
  }

  #maybeCompact(doc: SharedDoc): void {
    const { compactAfterUpdates, compactAfterBytes } = this.#options.storage;
    if (doc.compacting || doc.failed || (doc.logCount < compactAfterUpdates && doc.logBytes < compactAfterBytes)) return;
    doc.compacting = true;
    const upToSeq = doc.durableSeq;
    const { metrics, log } = this.#options;
    this.#options.store
      .compact(doc.id, upToSeq)
      .then((result) => {
        doc.logCount = Math.max(0, doc.logCount - result.mergedUpdates);
        doc.logBytes = Math.max(0, doc.logBytes - result.logBytesBefore);
        metrics.compactions.inc({ outcome: 'ok' });
        metrics.compactionSeconds.observe(result.durationMs / 1000);
        log.debug({ documentId: doc.id, ...result }, 'compacted');
      })
      .catch((error: unknown) => {
        metrics.compactions.inc({ outcome: 'failed' });
        log.error({ err: error, documentId: doc.id }, 'compaction failed');
      })
      .finally(() => {
        doc.compacting = false;
      });
  }

  #detach(conn: Connection, doc: SharedDoc): void {
    if (!this.#allConnections.delete(conn)) return;
    doc.connections.delete(conn);
    const count = (this.#connectionsPerUser.get(conn.userId) ?? 1) - 1;
    if (count === 0) this.#connectionsPerUser.delete(conn.userId);
    else this.#connectionsPerUser.set(conn.userId, count);
    this.#options.metrics.connections.set(this.#allConnections.size);
    if (conn.awarenessIds.size > 0) {
      for (const id of conn.awarenessIds) doc.awarenessOwners.delete(id);
      removeAwarenessStates(doc.awareness, [...conn.awarenessIds], 'disconnect');
    }
    if (doc.connections.size === 0 && !doc.failed && !this.#closing) {
      doc.unloadTimer = setTimeout(() => this.#unload(doc), this.#options.storage.unloadAfterMs);
      doc.unloadTimer.unref();
    }
  }

  #unload(doc: SharedDoc): void {
    if (doc.connections.size > 0 || this.#docs.get(doc.id) !== doc) return;
    if (this.#pending.some((entry) => entry.doc === doc)) {
      // Still being written: try again once the log has it.
      this.#whenDurable(() => this.#unload(doc));
      return;
    }
    this.#docs.delete(doc.id);
    doc.destroy();
    this.#options.metrics.documentsLoaded.set(this.#docs.size);
  }

  /** Rights on a document changed: re-evaluate every open connection to it now. */
  async rightsChanged(documentId: string): Promise<void> {
    const doc = this.#docs.get(documentId);
    if (!doc) return;
    await Promise.all(
      [...doc.connections].map(async (conn) => {
        const role = await this.#options.hooks.currentRole(conn.userId, documentId);
        if (role === null) conn.close(CloseCode.accessRevoked, 'access revoked');
        else conn.role = role;
      }),
    );
  }

  /** A session ended (logout, refresh-token reuse): its connections end too. */
  sessionEnded(sessionId: string): void {
    for (const conn of this.#allConnections) if (conn.sessionId === sessionId) conn.close(CloseCode.sessionEnded, 'session ended');
  }

  #ping(): void {
    for (const conn of this.#allConnections) {
      if (!this.#alive.has(conn.ws)) {
        conn.ws.terminate();
        continue;
      }
      this.#alive.delete(conn.ws);
      conn.ws.ping();
    }
  }

  /** Graceful shutdown: write what is pending, then close every socket with "going away". */
  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#pingTimer);
    while (this.#pending.length > 0 || this.#inFlight > 0 || this.#flushScheduled) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.#chain;
    }
    const closed = [...this.#allConnections].map((conn) => new Promise<void>((resolve) => (conn.closed && conn.ws.readyState === conn.ws.CLOSED ? resolve() : conn.ws.once('close', () => resolve()))));
    for (const conn of this.#allConnections) conn.close(CloseCode.goingAway, 'server shutting down');
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, 3_000))]);
    for (const doc of this.#docs.values()) doc.destroy();
    this.#docs.clear();
    this.#options.metrics.documentsLoaded.set(0);
  }
}
