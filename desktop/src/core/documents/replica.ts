import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import { encodeAwarenessMessage, encodeSyncStep1, encodeSyncStep2, encodeUpdateMessage, type YMessage } from '@govdesk/shared';
import type { LocalStore } from '../store/local-store.ts';
import { ServerState } from './server-state.ts';
import { FROM_SERVER, SyncConnection, type ConnectionStatus } from './sync-connection.ts';

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
  onStatus(status: ConnectionStatus): void;
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
  readonly doc = new Y.Doc();
  readonly awareness: Awareness;
  readonly #options: ReplicaOptions;
  readonly #serverState: ServerState;
  readonly #connection: SyncConnection | null;
  #clockTimer: NodeJS.Timeout | null = null;
  #closed = false;
  #logCount: number;
  #lastSeq: number;
  #compacting = false;

  constructor(options: ReplicaOptions) {
    this.#options = options;
    this.documentId = options.documentId;
    const { store, documentId, serverKey } = options;
    const cached = store.documentLog.load(documentId);
    // One transaction for the snapshot and the log. (Y.mergeUpdates first would be far slower: seconds for 10,000 small updates.)
    Y.transact(
      this.doc,
      () => {
        if (cached.snapshot) Y.applyUpdate(this.doc, cached.snapshot, FROM_CACHE);
        for (const update of cached.updates) Y.applyUpdate(this.doc, update, FROM_CACHE);
      },
      FROM_CACHE,
    );
    this.#logCount = cached.logCount;
    this.#lastSeq = cached.lastSeq;
    this.awareness = new Awareness(this.doc);
    this.awareness.setLocalState(null);
    this.#serverState = new ServerState(store.syncClocks.get(serverKey, documentId));
    this.doc.on('update', this.#onUpdate);
    this.awareness.on('update', this.#onAwareness);
    this.#connection = options.serverUrl
      ? new SyncConnection({
          serverUrl: options.serverUrl,
          documentId,
          doc: this.doc,
          awareness: this.awareness,
          serverState: this.#serverState,
          token: options.token,
          onStatus: options.onStatus,
          onServerState: () => this.#scheduleClockWrite(),
          log: options.log,
        })
      : null;
    this.#connection?.connect();
    this.#maybeCompact();
  }

  get status(): ConnectionStatus {
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
  };

  readonly #onAwareness = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    if (origin === FROM_RENDERER || this.#closed) return;
    this.#options.toRenderers(encodeAwarenessMessage(encodeAwarenessUpdate(this.awareness, [...added, ...updated, ...removed])));
  };

  /** What a renderer opening the document receives first: the whole state and current presence. */
  initialMessages(): Uint8Array[] {
    const messages = [encodeSyncStep1(Y.encodeStateVector(this.doc))];
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
        return encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, message.stateVector));
      case 'sync-step2':
      case 'update':
        Y.applyUpdate(this.doc, message.update, FROM_RENDERER);
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
    if (this.#clockTimer) {
      clearTimeout(this.#clockTimer);
      this.#clockTimer = null;
    }
    this.#writeClock();
    this.awareness.destroy();
    this.doc.destroy();
  }
}
