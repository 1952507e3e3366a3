import type { WebSocket } from 'ws';
import * as Y from 'yjs';
import type { DocumentDigest, DocumentRole } from '@govdesk/shared';
import { replayInto } from '@govdesk/shared/documents/log-replay';
import type { EventBus } from '../events.ts';
import type { Hooks } from '../hooks.ts';
import type { Logger } from '../logger.ts';
import type { SyncMetrics } from '../metrics/metrics.ts';
import type { ContentStore } from '../storage/types.ts';
import { Connection } from './connection.ts';
import { ClientOwners } from './client-owners.ts';
import { ContentSync, type UpdateMessage } from './content-sync.ts';
import { describeContent } from './digest.ts';
import { DurableLog } from './durable-log.ts';
import { PresenceRelay } from './presence.ts';
import { CloseCode, encodeSyncStep1, MalformedFrame, MAX_AWARENESS_STATE_BYTES, parseFrame, type ClientMessage } from './protocol.ts';
import { SharedDoc } from './shared-doc.ts';

/** What the hub asks of the application: the protocol code knows nothing of users, rights tables or SQL. */
export interface SyncAccess {
  /** Whether a right lets its holder change the content. Others' update frames are dropped. */
  canWrite(role: DocumentRole): boolean;
  /** The user's right on the document now; null closes their connections. */
  currentRole(userId: string, documentId: string): Promise<DocumentRole | null>;
  /** When the session runs out now (a refresh moves it), or null when it has ended; its connections close then. */
  sessionExpiresAt(sessionId: string): Promise<number | null>;
}

export interface HubOptions {
  store: ContentStore;
  access: SyncAccess;
  /** Where services announce the changes of rights and the ended sessions that the hub applies to open connections. */
  events: Pick<EventBus, 'on'>;
  /** The features' hooks, told of loads, accepted and stored updates, and closed sockets. */
  hooks: Pick<Hooks, 'load' | 'change' | 'stored' | 'disconnect'>;
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

/** How long a graceful stop waits for clients to answer the close handshake. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * The y-websocket server core: the life of documents in memory (loaded for
 * the first connection, unloaded some time after the last, dropped when their
 * copy can no longer be trusted) and of their connections (slots per user,
 * keepalive, rights and sessions that change or end while they are open).
 * What a connection sends goes to the content sync (updates and SyncStep1,
 * content-sync.ts) and the presence relay (presence.ts); every applied update
 * goes through the durable log (durable-log.ts) before anyone receives it.
 */
export class DocumentHub {
  readonly #options: HubOptions;
  readonly #docs = new Map<string, SharedDoc>();
  readonly #loading = new Map<string, Promise<SharedDoc>>();
  readonly #connectionsPerUser = new Map<string, number>();
  readonly #allConnections = new Set<Connection>();
  readonly #alive = new WeakSet<WebSocket>();
  readonly #pingTimer: NodeJS.Timeout;
  readonly #durable: DurableLog;
  readonly #content: ContentSync;
  readonly #presence: PresenceRelay;
  readonly #unsubscribe: (() => void)[];
  #closing = false;

  constructor(options: HubOptions) {
    this.#options = options;
    const { store, access, events, hooks, metrics, log, limits } = options;
    this.#durable = new DurableLog({
      store,
      metrics,
      log,
      maxPendingBytes: limits.maxPendingBytes,
      compaction: options.storage,
      onFailed: (doc) => this.#retire(doc, CloseCode.storageFailure, 'storage failure'),
      onReadingPaused: (paused) => this.#readingPaused(paused),
      onStored: (entry) => hooks.stored({ userId: entry.userId, documentId: entry.doc.id, update: entry.update }),
    });
    this.#content = new ContentSync({ metrics, log, canWrite: access.canWrite, durable: this.#durable, retire: (doc, code, reason) => this.#retire(doc, code, reason) });
    this.#presence = new PresenceRelay({ metrics, intervalMs: limits.awarenessIntervalMs });
    this.#unsubscribe = [events.on('rights.changed', ({ documentId }) => this.#rightsChanged(documentId)), events.on('session.ended', ({ sessionId }) => this.#sessionEnded(sessionId))];
    this.#pingTimer = setInterval(() => this.#ping(), (limits.idleTimeoutSeconds * 1000) / 2);
    this.#pingTimer.unref();
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
    await new Promise<void>((resolve) => this.#durable.whenDurable(resolve));
    const content = await this.#options.store.load(documentId);
    const doc = new SharedDoc(documentId, content);
    replayInto(doc.ydoc, content);
    doc.owners = new ClientOwners(content.owners, doc.ydoc.store.clients.keys(), () => this.#durable.claimed(doc));
    doc.ydoc.on('update', (update: Uint8Array, origin: unknown) => {
      // A document that failed is being dropped: what it applies last is neither logged nor relayed.
      if (doc.failed) return;
      // Every change after loading is a connection's: the content sync applies updates with the connection as origin.
      const userId = origin instanceof Connection ? origin.userId : '';
      this.#durable.append(doc, update, userId);
      this.#options.hooks.change({ userId, documentId, update });
    });
    this.#presence.watch(doc);
    this.#docs.set(documentId, doc);
    this.#options.metrics.documentsLoaded.set(this.#docs.size);
    // Unloaded again unless a connection attaches: the upgrade that asked for it may still fail.
    this.#scheduleUnload(doc);
    this.#durable.maybeCompact(doc);
    this.#options.hooks.load({ documentId });
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
    if (this.#durable.readingPaused) ws.pause();

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
    this.#durable.whenDurable(() => {
      conn.send(encodeSyncStep1(Y.encodeStateVector(doc.ydoc)));
      for (const message of this.#presence.current(doc)) conn.send(message);
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
    const vetted = updates.length > 0 ? this.#content.vet(conn, doc, updates) : null;
    if (vetted === 'closed') return;
    let updatesDone = false;
    for (const message of messages) {
      switch (message.kind) {
        case 'sync-step1':
          this.#content.answerStep1(conn, doc, message.stateVector, message.empty);
          break;
        case 'sync-step2':
        case 'update':
          if (updatesDone) break;
          updatesDone = true;
          if (vetted && !this.#content.apply(conn, doc, vetted)) return;
          break;
        case 'awareness':
          this.#presence.apply(conn, doc, message.entries);
          break;
        case 'query-awareness':
          for (const presence of this.#presence.current(doc)) conn.send(presence);
          break;
      }
    }
  }

  /** The durable log paused reading from clients (storage is behind), or resumed it. */
  #readingPaused(paused: boolean): void {
    for (const conn of this.#allConnections) {
      if (paused) {
        conn.ws.pause();
        continue;
      }
      // Their pongs waited unread too.
      this.#alive.add(conn.ws);
      conn.ws.resume();
    }
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

  #detach(conn: Connection, doc: SharedDoc): void {
    if (!this.#allConnections.delete(conn)) return;
    doc.connections.delete(conn);
    this.releaseConnection(conn.userId);
    this.#options.metrics.connections.set(this.#allConnections.size);
    this.#presence.leave(conn, doc);
    if (doc.connections.size === 0 && doc.failed) doc.destroy();
    else if (doc.connections.size === 0) this.#scheduleUnload(doc);
    this.#options.hooks.disconnect({ userId: conn.userId, sessionId: conn.sessionId, documentId: doc.id });
  }

  /** Drops the document from memory `unloadAfterMs` from now, unless a connection attaches first. */
  #scheduleUnload(doc: SharedDoc): void {
    if (this.#closing) return;
    doc.unloadTimer = setTimeout(() => this.#unload(doc), this.#options.storage.unloadAfterMs);
    doc.unloadTimer.unref();
  }

  #unload(doc: SharedDoc): void {
    if (doc.connections.size > 0 || this.#docs.get(doc.id) !== doc) return;
    if (this.#durable.isWriting(doc)) {
      // Still being written: try again once the log has it.
      this.#durable.whenDurable(() => this.#unload(doc));
      return;
    }
    this.#docs.delete(doc.id);
    doc.destroy();
    this.#options.metrics.documentsLoaded.set(this.#docs.size);
  }

  /** Rights on a document changed: re-evaluate every open connection to it now. */
  async #rightsChanged(documentId: string): Promise<void> {
    const doc = this.#docs.get(documentId);
    if (!doc) return;
    await Promise.all(
      [...doc.connections].map(async (conn) => {
        let role: DocumentRole | null;
        try {
          role = await this.#options.access.currentRole(conn.userId, documentId);
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
  #sessionEnded(sessionId: string): void {
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
      this.#options.access.sessionExpiresAt(sessionId).then(
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
    if (this.#durable.readingPaused) return;
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
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    await this.#durable.drain();
    const closed = [...this.#allConnections].map((conn) => new Promise<void>((resolve) => (conn.closed && conn.ws.readyState === conn.ws.CLOSED ? resolve() : conn.ws.once('close', () => resolve()))));
    // A client still reading what was sent before the close frame (a burst of large updates on a busy machine) gets the time to reach it: cut off early, it sees 1006 instead of "going away".
    for (const conn of this.#allConnections) conn.close(CloseCode.goingAway, 'server shutting down', SHUTDOWN_GRACE_MS);
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS + 1_000))]);
    for (const doc of this.#docs.values()) doc.destroy();
    this.#docs.clear();
    this.#options.metrics.documentsLoaded.set(0);
  }
}
