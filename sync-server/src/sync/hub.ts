import type { WebSocket } from 'ws';
import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import type { DocumentDigest, DocumentRole } from '@govdesk/shared';
import type { Logger } from '../logger.ts';
import type { SyncMetrics } from '../metrics/metrics.ts';
import type { ClientIdClaim, ContentStore } from '../storage/types.ts';
import { Connection, framed, PRESENCE_LIMITS } from './connection.ts';
import { ClientOwners } from './client-owners.ts';
import { describeContent } from './digest.ts';
import { applyChecked, checkUpdate, newClockClients } from './integrity.ts';
import {
  CloseCode,
  encodeAwarenessEntries,
  encodeAwarenessMessages,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  MalformedFrame,
  MAX_AWARENESS_ENTRIES,
  MAX_AWARENESS_STATE_BYTES,
  parseFrame,
  type AwarenessEntry,
  type ClientMessage,
  type DecodedUpdate,
} from './protocol.ts';

/** What the hub asks of the application: the protocol code knows nothing of users, rights tables or SQL. */
export interface SyncHooks {
  /** Whether a right lets its holder change the content. Others' update frames are dropped. */
  canWrite(role: DocumentRole): boolean;
  /** The user's right on the document now; null closes their connections. */
  currentRole(userId: string, documentId: string): Promise<DocumentRole | null>;
  /** When the session runs out now (a refresh moves it), or null when it has ended; its connections close then. */
  sessionExpiresAt(sessionId: string): Promise<number | null>;
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
    /** Bytes of updates that may wait to be made durable before the server stops reading from clients. */
    maxPendingBytes: number;
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
  /** Who may write under which Yjs client ID; set when the document is loaded. */
  owners!: ClientOwners;
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

/**
 * A presence state as the server relays it: `user.id` is the authenticated
 * user's Matrix ID, whatever the client put there (`user` becomes an object if
 * it was not one), so that what others show (`user.name`) can be checked
 * against who is really there.
 */
function stampPresence(state: Record<string, unknown>, userId: string): Record<string, unknown> {
  const user = state.user !== null && typeof state.user === 'object' && !Array.isArray(state.user) ? state.user : {};
  return { ...state, user: { ...user, id: userId } };
}

/** What an awareness entry costs against a connection's presence byte rate besides its state: its client ID and clock, and the work of one more entry. */
const AWARENESS_ENTRY_COST = 16;

/** Whether a state vector has nothing of the document: the answer is then the whole state, which is cached. */
function knowsNothingOf(ydoc: Y.Doc, stateVector: Uint8Array): boolean {
  const known = Y.decodeStateVector(stateVector);
  for (const [client, clock] of known) if (clock > 0 && ydoc.store.clients.has(client)) return false;
  return true;
}

/** How long a graceful stop waits for clients to answer the close handshake. */
const SHUTDOWN_GRACE_MS = 10_000;

type UpdateMessage = Extract<ClientMessage, { kind: 'sync-step2' | 'update' }>;

/** A frame's updates, merged and checked, with the client IDs under which they add clocks. */
interface VettedUpdate {
  update: Uint8Array;
  clients: Set<number>;
  requestResync: boolean;
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
  /** Documents with client-ID claims not yet handed to storage. */
  readonly #claimed = new Set<SharedDoc>();
  #afterDurable: (() => void)[] = [];
  #flushScheduled = false;
  #inFlight = 0;
  #chain: Promise<void> = Promise.resolve();
  #closing = false;
  /** Bytes of the updates applied and not yet durable (waiting in #pending or being written); see #pauseReading. */
  #undurableBytes = 0;
  #readingPaused = false;

  constructor(options: HubOptions) {
    this.#options = options;
    this.#pingTimer = setInterval(() => this.#ping(), (options.limits.idleTimeoutSeconds * 1000) / 2);
    this.#pingTimer.unref();
  }

  get connectionCount(): number {
    return this.#allConnections.size;
  }

  /**
   * Takes one of the user's connection slots, if one is free, before the
   * upgrade waits for the document: parallel upgrades cannot all see room. The
   * connection `attach` makes keeps the slot (and #detach gives it back);
   * an upgrade that fails before gives it back with `releaseConnection`.
   */
  reserveConnection(userId: string): boolean {
    const count = this.#connectionsPerUser.get(userId) ?? 0;
    if (count >= this.#options.limits.maxConnectionsPerUser) return false;
    this.#connectionsPerUser.set(userId, count + 1);
    return true;
  }

  releaseConnection(userId: string): void {
    const count = (this.#connectionsPerUser.get(userId) ?? 1) - 1;
    if (count === 0) this.#connectionsPerUser.delete(userId);
    else this.#connectionsPerUser.set(userId, count);
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
    // A document dropped from memory may still have updates on their way to the log: read it once they are there.
    await new Promise<void>((resolve) => this.#whenDurable(resolve));
    const content = await this.#options.store.load(documentId);
    const doc = new SharedDoc(documentId, content);
    Y.transact(doc.ydoc, () => {
      if (content.snapshot) Y.applyUpdate(doc.ydoc, content.snapshot);
      for (const update of content.updates) Y.applyUpdate(doc.ydoc, update);
    });
    doc.owners = new ClientOwners(content.owners, doc.ydoc.store.clients.keys(), () => {
      this.#claimed.add(doc);
      this.#scheduleFlush();
    });
    doc.ydoc.on('update', (update: Uint8Array) => {
      // A document that failed is being dropped: what it applies last is neither logged nor relayed.
      if (!doc.failed) this.#logUpdate(doc, update);
    });
    doc.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
      for (const id of [...added, ...updated, ...removed]) doc.changedAwareness.add(id);
      // Whoever spoke for a state that is gone (its client left, or y-protocols timed it out after 30 s without renewal) no longer does.
      for (const id of removed) {
        doc.awarenessOwners.get(id)?.awarenessIds.delete(id);
        doc.awarenessOwners.delete(id);
      }
      this.#scheduleAwareness(doc);
    });
    this.#docs.set(documentId, doc);
    this.#options.metrics.documentsLoaded.set(this.#docs.size);
    // Unloaded again unless a connection attaches: the upgrade that asked for it may still fail.
    this.#scheduleUnload(doc);
    this.#maybeCompact(doc);
    return doc;
  }

  /** Takes over an upgraded socket and its reserved connection slot; `acquire` must have resolved. */
  attach(ws: WebSocket, identity: { userId: string; sessionId: string; sessionExpiresAt: number; documentId: string; role: DocumentRole }): Connection | null {
    const doc = this.#docs.get(identity.documentId);
    if (!doc) {
      // Dropped (see #retire) between `acquire` and the upgrade: the client comes back to a fresh copy.
      ws.close(CloseCode.documentReloaded, 'document reloaded');
      return null;
    }
    const { limits, metrics } = this.#options;
    const conn = new Connection(ws, identity, { maxBufferedBytes: limits.maxBufferedBytesPerConnection, framesPerSecond: limits.framesPerSecond, frameBurst: limits.frameBurst }, metrics);
    if (doc.unloadTimer) {
      clearTimeout(doc.unloadTimer);
      doc.unloadTimer = null;
    }
    doc.connections.add(conn);
    this.#allConnections.add(conn);
    metrics.connections.set(this.#allConnections.size);
    this.#alive.add(ws);
    if (this.#readingPaused) ws.pause();

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
      for (const message of encodeAwarenessMessages(doc.awareness, doc.awareness.getStates().keys())) conn.send(message);
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
    // The frame's updates are checked together, before anything of the frame takes effect.
    const updates = messages.filter((message): message is UpdateMessage => message.kind === 'sync-step2' || message.kind === 'update');
    const vetted = updates.length > 0 ? this.#vet(conn, doc, updates) : null;
    if (vetted === 'closed') return;
    let updatesDone = false;
    for (const message of messages) {
      switch (message.kind) {
        case 'sync-step1':
          this.#answerStep1(conn, doc, message.stateVector, message.empty);
          break;
        case 'sync-step2':
        case 'update':
          if (updatesDone) break;
          updatesDone = true;
          if (vetted && !this.#apply(conn, doc, vetted)) return;
          break;
        case 'awareness':
          this.#applyAwareness(conn, doc, message.entries);
          break;
        case 'query-awareness':
          for (const presence of encodeAwarenessMessages(doc.awareness, doc.awareness.getStates().keys())) conn.send(presence);
          break;
      }
    }
  }

  /**
   * Decides on a frame's updates before any of them is applied: the writer's
   * right, the Yjs client IDs it writes under, and the integrity check. Several
   * updates in one frame may build on each other, so they are merged and
   * checked as one. 'closed': the frame was malformed and the socket closed;
   * null: the updates are dropped and the connection stays.
   */
  #vet(conn: Connection, doc: SharedDoc, messages: UpdateMessage[]): VettedUpdate | null | 'closed' {
    const { metrics, log } = this.#options;
    if (messages.some((message) => message.kind === 'sync-step2')) conn.resyncRequested = false;
    if (!this.#options.hooks.canWrite(conn.role)) {
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
  #apply(conn: Connection, doc: SharedDoc, vetted: VettedUpdate): boolean {
    const store = doc.ydoc.store;
    const before = new Map([...vetted.clients].map((client) => [client, Y.getState(store, client)]));
    // `failed` before the transaction ends keeps the refused update out of the log and away from everyone.
    const order = applyChecked(doc.ydoc, vetted.update, vetted.clients, conn, () => (doc.failed = true));
    if (!order.ok) {
      // The copy in memory now differs from the log, which never saw this update: drop it, and everyone else reconnects to a copy read from the log.
      this.#refuseMalformed(conn, doc, order.reason);
      this.#retire(doc, CloseCode.documentReloaded, 'document reloaded');
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

  /**
   * Presence from a connection, checked whole before any of it is applied; a
   * frame that breaks a rule is dropped and counted, the connection stays
   * (presence is not worth a reconnect, and a stock client echoes others'
   * presence back, which is dropped here as a spoof). A connection speaks only
   * for the client IDs it introduced: no one can move another person's cursor
   * or remove them. It introduces only IDs that are its user's or nobody's yet
   * (claiming them, as content written under an ID does), and only a few; its
   * states are stamped with its user's ID and must fit MAX_AWARENESS_STATE_BYTES
   * with the stamp, and its presence bytes a rate.
   */
  #applyAwareness(conn: Connection, doc: SharedDoc, entries: AwarenessEntry[]): void {
    const { metrics } = this.#options;
    const accepted: { clientId: number; clock: number; stateJson: string }[] = [];
    const introduced = new Set<number>();
    let bytes = 0;
    for (const entry of entries) {
      const owner = doc.awarenessOwners.get(entry.clientId);
      // The server's own ID too: y-protocols would take a state under it for the server's own presence and renew it forever.
      if ((owner !== undefined && owner !== conn) || entry.clientId === doc.awareness.clientID || (owner === undefined && entry.state !== null && !doc.owners.allows(entry.clientId, conn.userId))) {
        metrics.droppedFrames.inc({ reason: 'awareness_spoof' });
        return;
      }
      // The departure of a state nobody holds changes nothing, but y-protocols would keep a clock for it.
      if (owner === undefined && entry.state === null) continue;
      if (owner === undefined) introduced.add(entry.clientId);
      const stateJson = JSON.stringify(entry.state === null ? null : stampPresence(entry.state as Record<string, unknown>, conn.userId));
      if (stateJson.length > MAX_AWARENESS_STATE_BYTES) {
        metrics.droppedFrames.inc({ reason: 'awareness_limit' });
        return;
      }
      accepted.push({ clientId: entry.clientId, clock: entry.clock, stateJson });
      bytes += AWARENESS_ENTRY_COST + stateJson.length;
    }
    if (conn.awarenessIds.size + introduced.size > PRESENCE_LIMITS.clientIdsPerConnection || doc.awareness.states.size + introduced.size > MAX_AWARENESS_ENTRIES) {
      metrics.droppedFrames.inc({ reason: 'awareness_limit' });
      return;
    }
    if (!conn.takePresenceBytes(bytes)) {
      metrics.droppedFrames.inc({ reason: 'awareness_rate' });
      return;
    }
    for (const clientId of introduced) doc.owners.claim(clientId, conn.userId);
    applyAwarenessUpdate(doc.awareness, encodeAwarenessEntries(accepted), conn);
    // What y-protocols took (a newer clock) is this connection's to change and remove; departures were forgotten by the 'update' listener.
    for (const { clientId } of accepted) {
      if (!doc.awareness.states.has(clientId)) continue;
      doc.awarenessOwners.set(clientId, conn);
      conn.awarenessIds.add(clientId);
    }
  }

  /** Presence is batched per document so a storm of cursor moves cannot crowd out document updates. */
  #scheduleAwareness(doc: SharedDoc): void {
    if (doc.awarenessTimer) return;
    doc.awarenessTimer = setTimeout(() => {
      doc.awarenessTimer = null;
      if (doc.changedAwareness.size === 0) return;
      const gone = [...doc.changedAwareness].filter((id) => !doc.awareness.states.has(id));
      const present = [...doc.changedAwareness].filter((id) => doc.awareness.states.has(id));
      // Departures first, so that no client ever holds more states than the document has (MAX_AWARENESS_ENTRIES).
      const messages = encodeAwarenessMessages(doc.awareness, [...gone, ...present]);
      doc.changedAwareness.clear();
      // y-protocols keeps a clock for every client ID it has ever seen, also after its presence is gone: once the removal is relayed, forget it, or the map grows with every session (found by fuzzing).
      for (const id of gone) doc.awareness.meta.delete(id);
      for (const conn of doc.connections) for (const message of messages) conn.send(message);
    }, this.#options.limits.awarenessIntervalMs);
  }

  #logUpdate(doc: SharedDoc, update: Uint8Array): void {
    doc.fullStateMessage = null;
    doc.lastSeq += 1;
    this.#pending.push({ doc, seq: doc.lastSeq, update });
    this.#undurableBytes += update.length;
    if (this.#undurableBytes > this.#options.limits.maxPendingBytes && !this.#readingPaused) this.#pauseReading();
    this.#scheduleFlush();
  }

  /**
   * Storage is behind (a slow or stalled disk) and more than `maxPendingBytes`
   * of updates wait to be made durable. Rather than hold ever more of them in
   * memory, the server stops reading from every socket until storage catches
   * up: what clients send waits in TCP buffers and in the clients, and is read
   * in order afterwards, so a stock client loses nothing and needs nothing
   * special. (Dropping updates instead would rely on a resync that a stock
   * client answers only when asked again; a close code would send every
   * client reconnecting into the same stall.) Frames ws has already read are
   * still handled: the bound is passed by at most one read per socket.
   */
  #pauseReading(): void {
    this.#readingPaused = true;
    this.#options.log.warn({ undurableBytes: this.#undurableBytes }, 'storage is behind: reading from clients paused');
    for (const conn of this.#allConnections) conn.ws.pause();
  }

  /** Updates left memory (made durable, or dropped with a failed document); reading resumes once half the bound is free. */
  #settle(entries: readonly PendingUpdate[]): void {
    for (const entry of entries) this.#undurableBytes -= entry.update.length;
    if (!this.#readingPaused || this.#undurableBytes > this.#options.limits.maxPendingBytes / 2) return;
    this.#readingPaused = false;
    this.#options.log.info({ undurableBytes: this.#undurableBytes }, 'storage caught up: reading from clients resumed');
    for (const conn of this.#allConnections) {
      // Their pongs waited unread too.
      this.#alive.add(conn.ws);
      conn.ws.resume();
    }
  }

  /** Runs `callback` once every update applied so far is durable. */
  #whenDurable(callback: () => void): void {
    // Claims too: a document read again from storage must find every claim made before.
    if (this.#pending.length === 0 && this.#inFlight === 0 && this.#claimed.size === 0) {
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
    // Claims go into the same transaction as the updates written under them.
    const claims: ClientIdClaim[] = [];
    const claimedIn = [...this.#claimed];
    for (const doc of claimedIn) for (const claim of doc.owners.takeUnsaved()) claims.push({ documentId: doc.id, ...claim });
    this.#claimed.clear();
    if (batch.length > 0 || claims.length > 0) {
      this.#inFlight += 1;
      const started = performance.now();
      try {
        await store.append(
          batch.map((entry) => ({ documentId: entry.doc.id, seq: entry.seq, update: entry.update })),
          claims,
        );
      } catch (error) {
        log.error({ err: error, documents: [...new Set(batch.map((entry) => entry.doc.id))] }, 'could not make updates durable');
        // The claims were lost with the updates: their documents too are read again from what storage holds.
        for (const doc of new Set([...batch.map((entry) => entry.doc), ...claimedIn])) this.#fail(doc);
      } finally {
        this.#inFlight -= 1;
      }
      this.#settle(batch);
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
        // Framed once (WebSocket header and all), the same buffer written to every receiver.
        const frame = framed(encodeUpdate(entry.update));
        for (const conn of entry.doc.connections) {
          if (!corked.has(conn)) {
            conn.cork();
            corked.add(conn);
          }
          conn.sendFramed(frame);
        }
      }
      for (const conn of corked) conn.uncork();
      metrics.countUpdates(count, bytes);
      for (const doc of touched) this.#maybeCompact(doc);
    }
    if (this.#pending.length > 0 || this.#claimed.size > 0) {
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
    this.#settle(this.#pending.filter((entry) => entry.doc === doc));
    this.#pending = this.#pending.filter((entry) => entry.doc !== doc);
    this.#retire(doc, CloseCode.storageFailure, 'storage failure');
  }

  /**
   * Drops a document whose copy in memory can no longer be trusted to equal
   * its log. The next connection loads it afresh from the log (once what is
   * on its way there has arrived); its clients are closed with a code after
   * which stock providers reconnect, and they send again whatever the log lacks.
   */
  #retire(doc: SharedDoc, code: number, reason: string): void {
    doc.failed = true;
    if (this.#docs.get(doc.id) === doc) {
      this.#docs.delete(doc.id);
      this.#options.metrics.documentsLoaded.set(this.#docs.size);
    }
    for (const conn of [...doc.connections]) conn.close(code, reason);
    // Otherwise the last connection to go destroys it (#detach).
    if (doc.connections.size === 0) doc.destroy();
  }

  #maybeCompact(doc: SharedDoc): void {
    const { compactAfterUpdates, compactAfterBytes } = this.#options.storage;
    if (doc.compacting || doc.failed || (doc.logCount < compactAfterUpdates && doc.logBytes < compactAfterBytes)) return;
    doc.compacting = true;
    const upToSeq = doc.durableSeq;
    const { metrics, log } = this.#options;
    let compacted = false;
    this.#options.store
      .compact(doc.id, upToSeq)
      .then((result) => {
        compacted = true;
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
        // What was logged while a successful compaction ran may already be past the threshold: without a look now, the log stays long until the next write. (Not after a failure: that would retry at once, for ever.)
        if (compacted) this.#maybeCompact(doc);
      });
  }

  #detach(conn: Connection, doc: SharedDoc): void {
    if (!this.#allConnections.delete(conn)) return;
    doc.connections.delete(conn);
    this.releaseConnection(conn.userId);
    this.#options.metrics.connections.set(this.#allConnections.size);
    if (conn.awarenessIds.size > 0) {
      for (const id of conn.awarenessIds) doc.awarenessOwners.delete(id);
      removeAwarenessStates(doc.awareness, [...conn.awarenessIds], 'disconnect');
    }
    if (doc.connections.size === 0 && doc.failed) doc.destroy();
    else if (doc.connections.size === 0) this.#scheduleUnload(doc);
  }

  /** Drops the document from memory `unloadAfterMs` from now, unless a connection attaches first. */
  #scheduleUnload(doc: SharedDoc): void {
    if (this.#closing) return;
    doc.unloadTimer = setTimeout(() => this.#unload(doc), this.#options.storage.unloadAfterMs);
    doc.unloadTimer.unref();
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
        let role: DocumentRole | null;
        try {
          role = await this.#options.hooks.currentRole(conn.userId, documentId);
        } catch (error) {
          // The change may have been a revocation: a connection whose right cannot be read goes. Its client reconnects, and the upgrade checks afresh.
          this.#options.log.error({ err: error, documentId, userId: conn.userId }, 'could not check a right after a change of shares');
          conn.close(CloseCode.storageFailure, 'storage failure');
          return;
        }
        if (role === null) conn.close(CloseCode.accessRevoked, 'access revoked');
        else conn.role = role;
      }),
    );
  }

  /** The digest of a loaded document as it is in memory (what connected clients sync with), or null when it is not loaded. */
  digestOf(documentId: string): DocumentDigest | null {
    const doc = this.#docs.get(documentId);
    return doc && !doc.failed ? describeContent(doc.ydoc) : null;
  }

  /** A session ended (logout, refresh-token reuse): its connections end too. */
  sessionEnded(sessionId: string): void {
    for (const conn of this.#allConnections) if (conn.sessionId === sessionId) conn.close(CloseCode.sessionEnded, 'session ended');
  }

  /**
   * A session also ends by running out: its refresh lifetime passes without a
   * refresh. Checked with every ping; a connection past the expiry it knows
   * asks again, since a refresh moves it.
   */
  #endExpiredSessions(): void {
    const now = Date.now();
    const due = new Map<string, Connection[]>();
    for (const conn of this.#allConnections) {
      if (conn.sessionExpiresAt > now || conn.closed) continue;
      const connections = due.get(conn.sessionId);
      if (connections) connections.push(conn);
      else due.set(conn.sessionId, [conn]);
    }
    for (const [sessionId, connections] of due) {
      this.#options.hooks.sessionExpiresAt(sessionId).then(
        (expiresAt) => {
          for (const conn of connections) {
            if (expiresAt === null || expiresAt <= Date.now()) conn.close(CloseCode.sessionEnded, 'session ended');
            else conn.sessionExpiresAt = expiresAt;
          }
        },
        // Checked again at the next ping.
        (error: unknown) => this.#options.log.error({ err: error, userId: connections[0]?.userId }, 'could not check whether a session has run out'),
      );
    }
  }

  #ping(): void {
    this.#endExpiredSessions();
    // While reading is paused, pongs wait unread like everything else: nobody can be judged dead.
    if (this.#readingPaused) return;
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
    // A client still reading what was sent before the close frame (a burst of large updates on a busy machine) gets the time to reach it: cut off early, it sees 1006 instead of "going away".
    for (const conn of this.#allConnections) conn.close(CloseCode.goingAway, 'server shutting down', SHUTDOWN_GRACE_MS);
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS + 1_000))]);
    for (const doc of this.#docs.values()) doc.destroy();
    this.#docs.clear();
    this.#options.metrics.documentsLoaded.set(0);
  }
}
