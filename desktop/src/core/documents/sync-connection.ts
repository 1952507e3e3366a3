import WebSocket from 'ws';
import * as Y from 'yjs';
import { applyAwarenessUpdate, encodeAwarenessUpdate, type Awareness } from 'y-protocols/awareness';
import { decodeMessages, encodeAwarenessMessage, encodeSyncStep1, encodeSyncStep2, encodeUpdateMessage, MalformedMessage, type DocumentStatus } from '@govdesk/shared';
import type { ServerState } from './server-state.ts';

/** Origin of changes that came from the sync-server: they are not sent back to it. */
export const FROM_SERVER = Symbol('from sync-server');

export interface SyncConnectionOptions {
  /** ws(s)://host/docs — the document ID is appended, as WebsocketProvider does. */
  serverUrl: string;
  documentId: string;
  doc: Y.Doc;
  awareness: Awareness;
  /** What the server was known to hold when this replica was last open. */
  serverState: ServerState;
  /** A valid session token; called again after the server refused one. */
  token(options: { renew: boolean }): Promise<string>;
  onStatus(status: DocumentStatus): void;
  /** The server's knowledge changed: persist it (sync clocks). */
  onServerState(state: ServerState): void;
  /** The server's latest state is applied and it holds everything local: the two copies should now show the same. */
  onInSync?(): void;
  /** The server's whole state, asked for with `requestFullState`; it is not applied to `doc`. */
  onFullState?(update: Uint8Array): void;
  log?: (message: string, details?: Record<string, unknown>) => void;
}

const MAX_BACKOFF_MS = 10_000;

/**
 * Core's y-websocket connection for one document. On (re)connect the two sides
 * exchange state vectors and send each other only what the other lacks; local
 * updates stream as they happen; a dropped connection is retried with backoff.
 * It knows exactly when the server holds everything local (see ServerState).
 */
export class SyncConnection {
  readonly #options: SyncConnectionOptions;
  #doc: Y.Doc;
  #ws: WebSocket | null = null;
  #state: DocumentStatus['connection'] = 'offline';
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #closed = false;
  /** A connection attempt is under way (waiting for a token or for the socket to open). */
  #opening = false;
  #renewToken = false;
  /** Local updates the server has not yet confirmed holding. */
  #unconfirmed: Uint8Array[] = [];
  #savedToServer: boolean;
  /** The next SyncStep2 answers `requestFullState`. */
  #fullStateWanted = false;

  constructor(options: SyncConnectionOptions) {
    this.#options = options;
    this.#doc = options.doc;
    const missing = options.serverState.missingFrom(options.doc);
    if (!options.serverState.contains(missing)) this.#unconfirmed.push(missing);
    this.#savedToServer = this.#unconfirmed.length === 0;
    options.awareness.on('update', this.#onAwareness);
  }

  get status(): DocumentStatus {
    return { connection: this.#state, savedToServer: this.#savedToServer };
  }

  connect(): void {
    if (this.#closed || this.#ws || this.#opening) return;
    this.#opening = true;
    this.#setState('connecting');
    void this.#open().finally(() => {
      this.#opening = false;
    });
  }

  async #open(): Promise<void> {
    let token: string;
    try {
      token = await this.#options.token({ renew: this.#renewToken });
    } catch (error) {
      this.#log('no session token', { error: String(error) });
      this.#scheduleRetry();
      return;
    }
    if (this.#closed) return;
    const url = `${this.#options.serverUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.#options.documentId)}?token=${encodeURIComponent(token)}`;
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 10_000 });
    ws.binaryType = 'nodebuffer';
    this.#ws = ws;
    // Every handler acts only while this socket is the current one: a late event of an old socket must not touch the new one.
    const current = () => this.#ws === ws && !this.#closed;
    ws.on('unexpected-response', (_request, response) => {
      // Refused before the upgrade: 401 wants a new session token, 403 means no right on the document.
      if (response.statusCode === 401) this.#renewToken = true;
      if (response.statusCode === 403) this.#noAccess();
      ws.terminate();
    });
    ws.on('open', () => {
      if (!current()) return;
      this.#attempt = 0;
      this.#renewToken = false;
      const { awareness } = this.#options;
      ws.send(encodeSyncStep1(Y.encodeStateVector(this.#doc)));
      if (awareness.getLocalState() !== null) ws.send(encodeAwarenessMessage(encodeAwarenessUpdate(awareness, [awareness.clientID])));
    });
    ws.on('message', (data: Buffer) => {
      if (current()) this.#onMessage(ws, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
    ws.on('error', (error) => this.#log('connection error', { error: error.message }));
    ws.on('close', (code) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#fullStateWanted = false;
      if (code === 4403) return this.#noAccess();
      if (code === 4401) this.#renewToken = true;
      if (!this.#closed && this.#state !== 'no_access') this.#scheduleRetry();
    });
  }

  #onMessage(ws: WebSocket, frame: Uint8Array): void {
    let messages;
    try {
      messages = decodeMessages(frame);
    } catch (error) {
      if (!(error instanceof MalformedMessage)) throw error;
      this.#log('malformed message from the server', { error: error.message });
      ws.close();
      return;
    }
    const { awareness, serverState } = this.#options;
    let learned = false;
    for (const message of messages) {
      switch (message.kind) {
        case 'sync-step1':
          // The server's state: send it what it lacks, nothing more.
          serverState.observeStateVector(message.stateVector);
          ws.send(encodeSyncStep2(Y.encodeStateAsUpdate(this.#doc, message.stateVector)));
          learned = true;
          break;
        case 'sync-step2':
        case 'update':
          serverState.observeUpdate(message.update);
          learned = true;
          // The server sends SyncStep2 only to answer a SyncStep1, and asks for the whole state only once online.
          if (message.kind === 'sync-step2' && this.#fullStateWanted) {
            this.#fullStateWanted = false;
            this.#options.onFullState?.(message.update);
            break;
          }
          Y.applyUpdate(this.#doc, message.update, FROM_SERVER);
          if (message.kind === 'sync-step2') this.#setState('online');
          break;
        case 'awareness':
          applyAwarenessUpdate(awareness, message.update, FROM_SERVER);
          break;
        case 'query-awareness':
          ws.send(encodeAwarenessMessage(encodeAwarenessUpdate(awareness, [...awareness.getStates().keys()])));
          break;
      }
    }
    if (learned) {
      this.#options.onServerState(serverState);
      this.#confirm();
      if (this.inSync) this.#options.onInSync?.();
    }
  }

  /** Online, the server's answers applied, and nothing local unconfirmed. */
  get inSync(): boolean {
    return this.#state === 'online' && this.#unconfirmed.length === 0 && !this.#fullStateWanted;
  }

  /**
   * Asks the server for its whole state (a SyncStep1 with an empty state
   * vector); it arrives through `onFullState`. False when not online.
   */
  requestFullState(): boolean {
    if (this.#state !== 'online' || this.#ws?.readyState !== WebSocket.OPEN || this.#fullStateWanted) return false;
    this.#fullStateWanted = true;
    this.#ws.send(encodeSyncStep1(Y.encodeStateVector(new Map())));
    return true;
  }

  /** The replica replaced its Y.Doc (see Replica's re-sync): sync that one from now on. */
  useDoc(doc: Y.Doc): void {
    this.#doc = doc;
  }

  /** A local update, already durable in the LocalStore: send it if online; a reconnect sends it otherwise. */
  sendLocalUpdate(update: Uint8Array): void {
    this.#unconfirmed.push(update);
    this.#setSaved(false);
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(encodeUpdateMessage(update));
  }

  #confirm(): void {
    const { serverState } = this.#options;
    if (this.#unconfirmed.length > 0) this.#unconfirmed = this.#unconfirmed.filter((update) => !serverState.contains(update));
    this.#setSaved(this.#unconfirmed.length === 0);
  }

  readonly #onAwareness = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    if (origin === FROM_SERVER || this.#ws?.readyState !== WebSocket.OPEN) return;
    this.#ws.send(encodeAwarenessMessage(encodeAwarenessUpdate(this.#options.awareness, [...added, ...updated, ...removed])));
  };

  #noAccess(): void {
    this.#clearRetry();
    this.#setState('no_access');
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    this.#setState('offline');
    this.#clearRetry();
    const base = Math.min(MAX_BACKOFF_MS, 250 * 2 ** this.#attempt);
    this.#attempt += 1;
    // Jitter spreads the reconnections of many clients after a server restart.
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.connect();
    }, base / 2 + Math.random() * (base / 2));
    this.#retryTimer.unref();
  }

  /** Reconnect now (the network came back, a new token is available). */
  retryNow(): void {
    if (this.#closed || this.#ws || this.#opening || this.#state === 'no_access') return;
    this.#clearRetry();
    this.#attempt = 0;
    this.connect();
  }

  #clearRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #setState(state: DocumentStatus['connection']): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#options.onStatus(this.status);
  }

  #setSaved(saved: boolean): void {
    if (this.#savedToServer === saved) return;
    this.#savedToServer = saved;
    this.#options.onStatus(this.status);
  }

  #log(message: string, details?: Record<string, unknown>): void {
    this.#options.log?.(message, { documentId: this.#options.documentId, ...details });
  }

  close(): void {
    this.#closed = true;
    this.#clearRetry();
    this.#options.awareness.off('update', this.#onAwareness);
    const ws = this.#ws;
    this.#ws = null;
    // Closing a socket that is still connecting aborts it (and emits an error, which is expected here).
    if (ws?.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws?.close(1000, 'closed');
    this.#setState('offline');
  }
}
