import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import { encodeAwarenessMessage, encodeSyncStep1, encodeSyncStep2, encodeUpdateMessage, type DocumentDigest, type DocumentStatus, type YMessage } from '@govdesk/shared';
import { replayInto } from '@govdesk/shared/documents/log-replay';
import type { CoreMetrics } from '../metrics.ts';
import type { LocalStore } from '../store/local-store.ts';
import { DigestCheck } from './digest-check.ts';
import { ServerState } from './server-state.ts';
import { FROM_SERVER, SyncConnection } from './sync-connection.ts';

/** A document's local log is merged into its snapshot once it holds this many updates, so opening stays fast. */
export const COMPACT_AFTER_UPDATES = 500;

/** Origin of changes made in a renderer window. */
export const FROM_RENDERER = Symbol('from renderer');
const FROM_CACHE = Symbol('from the local cache');

export interface ReplicaOptions {
  documentId: string;
  store: LocalStore;
  /** Sync clocks are kept per sync-server. */
  serverKey: string;
  /** ws(s)://host/docs, or null when no sync-server is configured. */
  serverUrl: string | null;
  token(options: { renew: boolean }): Promise<string>;
  /** Messages for the renderers: updates and presence (y-protocols encoded). */
  toRenderers(message: Uint8Array): void;
  onStatus(status: DocumentStatus): void;
  /** The content changed (an update, or a re-sync that replaced the Y.Doc). */
  onContent?(): void;
  /** Check this replica's content against the server's after each sync (see DigestCheck); no check without it. */
  contentCheck?: { fetchDigest(): Promise<DocumentDigest>; metrics: CoreMetrics };
  log?: (message: string, details?: Record<string, unknown>) => void;
}

/**
 * Core's replica of one open document. Every update, whoever made it, is
 * appended to the encrypted LocalStore (fsync'ed) before it goes anywhere —
 * to the sync-server or to a renderer — so nothing acknowledged can be lost.
 * Editing works offline; the connection catches up when the network returns.
 */
export class Replica {
  readonly documentId: string;
  readonly awareness: Awareness;
  readonly #options: ReplicaOptions;
  readonly #serverState: ServerState;
  readonly #connection: SyncConnection | null;
  readonly #digestCheck: DigestCheck | null = null;
  #doc = new Y.Doc();
  #clockTimer: NodeJS.Timeout | null = null;
  #closed = false;
  #logCount: number;
  #lastSeq: number;
  #compacting = false;
  #connected: DocumentStatus['connection'] = 'offline';

  constructor(options: ReplicaOptions) {
    this.#options = options;
    this.documentId = options.documentId;
    const { store, documentId, serverKey } = options;
    const cached = store.documentLog.load(documentId);
    replayInto(this.#doc, cached, FROM_CACHE);
    this.#logCount = cached.logCount;
    this.#lastSeq = cached.lastSeq;
    this.awareness = new Awareness(this.#doc);
    this.awareness.setLocalState(null);
    this.#serverState = new ServerState(store.syncClocks.get(serverKey, documentId));
    this.#doc.on('update', this.#onUpdate);
    this.awareness.on('update', this.#onAwareness);
    this.#connection = options.serverUrl
      ? new SyncConnection({
          serverUrl: options.serverUrl,
          documentId,
          doc: this.#doc,
          awareness: this.awareness,
          serverState: this.#serverState,
          token: options.token,
          onStatus: (status) => {
            // Every connection that has synced checks its content once the two copies hold the same.
            if (status.connection === 'online' && this.#connected !== 'online') this.#digestCheck?.connected();
            this.#connected = status.connection;
            options.onStatus(status);
          },
          onServerState: () => this.#scheduleClockWrite(),
          onInSync: () => this.#digestCheck?.inSync(),
          onFullState: (update) => this.#rebuild(update),
          log: options.log,
        })
      : null;
    const connection = this.#connection;
    if (connection && options.contentCheck) {
      this.#digestCheck = new DigestCheck({
        documentId,
        ...options.contentCheck,
        doc: () => this.#doc,
        inSync: () => connection.inSync,
        resync: () => connection.requestFullState(),
        log: options.log,
      });
    }
    this.#connection?.connect();
    this.#maybeCompact();
  }

  /** The replica's Y.Doc. A re-sync replaces it: hold on to it no longer than a call. */
  get doc(): Y.Doc {
    return this.#doc;
  }

  get status(): DocumentStatus {
    return this.#connection?.status ?? { connection: 'offline', savedToServer: false };
  }

  readonly #onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === FROM_CACHE || this.#closed) return;
    // Durable first: if the process dies right after, the update is in the cache.
    this.#lastSeq = this.#options.store.documentLog.append(this.documentId, update, origin === FROM_SERVER ? 'remote' : 'local');
    this.#logCount += 1;
    this.#maybeCompact();
    if (origin !== FROM_SERVER) this.#connection?.sendLocalUpdate(update);
    this.#options.toRenderers(encodeUpdateMessage(update));
    this.#options.onContent?.();
  };

  /**
   * Rebuilds the replica from the server's whole state after its content was
   * found to differ at the same snapshot (DigestCheck): a fresh Y.Doc gets the
   * server's state as a new client would, then whatever this replica has that
   * the server does not (unconfirmed edits and deletions). Integrating into
   * the old Y.Doc could not help: it already holds every struct and skips
   * them. The cache is replaced with the result, since replaying the old log
   * would bring the old content back. Renderers get what they lack; their own
   * copies keep the old order until they open the document again.
   */
  #rebuild(fullState: Uint8Array): void {
    if (this.#closed) return;
    const old = this.#doc;
    const doc = new Y.Doc();
    Y.transact(doc, () => {
      Y.applyUpdate(doc, fullState);
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(old, Y.encodeStateVectorFromUpdate(fullState)));
    });
    old.off('update', this.#onUpdate);
    this.#doc = doc;
    doc.on('update', this.#onUpdate);
    // Presence belongs to the replica, not to one Y.Doc. (Destroying the old doc would destroy the Awareness with it.)
    this.awareness.doc = doc;
    this.#connection?.useDoc(doc);
    this.#options.store.documentLog.replace(this.documentId, Y.encodeStateAsUpdate(doc));
    this.#logCount = 0;
    if (this.#options.contentCheck) this.#options.contentCheck.metrics.replicaResyncs += 1;
    this.#options.log?.('replica re-synced from the server', { documentId: this.documentId });
    this.#options.toRenderers(encodeUpdateMessage(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(old))));
    this.#options.onContent?.();
    this.#digestCheck?.resynced();
  }

  readonly #onAwareness = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    if (origin === FROM_RENDERER || this.#closed) return;
    this.#options.toRenderers(encodeAwarenessMessage(encodeAwarenessUpdate(this.awareness, [...added, ...updated, ...removed])));
  };

  /** What a renderer opening the document receives first: the whole state and current presence. */
  initialMessages(): Uint8Array[] {
    const messages = [encodeSyncStep1(Y.encodeStateVector(this.#doc))];
    if (this.awareness.getStates().size > 0) messages.push(encodeAwarenessMessage(encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()])));
    return messages;
  }

  /**
   * A message from a renderer's Y.Doc. Returns the reply to send back to that
   * renderer (SyncStep2 for its SyncStep1), or null.
   */
  fromRenderer(message: YMessage): Uint8Array | null {
    switch (message.kind) {
      case 'sync-step1':
        return encodeSyncStep2(Y.encodeStateAsUpdate(this.#doc, message.stateVector));
      case 'sync-step2':
      case 'update':
        Y.applyUpdate(this.#doc, message.update, FROM_RENDERER);
        return null;
      case 'awareness':
        // Presence goes to the server and to the other windows.
        applyAwarenessUpdate(this.awareness, message.update, FROM_RENDERER);
        this.#options.toRenderers(encodeAwarenessMessage(message.update));
        return null;
      case 'query-awareness':
        return encodeAwarenessMessage(encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()]));
    }
  }

  /** Forget presence of renderer-side clients that left (a window closed). */
  removePresence(clientIds: number[]): void {
    removeAwarenessStates(this.awareness, clientIds, 'window closed');
  }

  #maybeCompact(): void {
    if (this.#compacting || this.#logCount < COMPACT_AFTER_UPDATES) return;
    this.#compacting = true;
    const upToSeq = this.#lastSeq;
    this.#options.store.compactor
      .compact(this.documentId, upToSeq)
      .then((merged) => {
        this.#logCount = Math.max(0, this.#logCount - merged);
      })
      .catch((error: unknown) => this.#options.log?.('compaction failed', { documentId: this.documentId, error: String(error) }))
      .finally(() => {
        this.#compacting = false;
        // Updates kept coming while the worker merged: the log may be long again.
        if (!this.#closed) this.#maybeCompact();
      });
  }

  retryNow(): void {
    this.#connection?.retryNow();
  }

  #scheduleClockWrite(): void {
    if (this.#clockTimer || this.#closed) return;
    this.#clockTimer = setTimeout(() => {
      this.#clockTimer = null;
      this.#writeClock();
    }, 500);
  }

  #writeClock(): void {
    this.#options.store.syncClocks.set(this.#options.serverKey, this.documentId, this.#serverState.encode());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection?.close();
    this.#digestCheck?.close();
    if (this.#clockTimer) {
      clearTimeout(this.#clockTimer);
      this.#clockTimer = null;
    }
    this.#writeClock();
    this.awareness.destroy();
    this.#doc.destroy();
  }
}
