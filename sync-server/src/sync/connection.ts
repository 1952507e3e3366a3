import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { DocumentRole } from '@govdesk/shared';
import { TokenBucket } from '../http/rate-limit.ts';
import type { SyncMetrics } from '../metrics/metrics.ts';
import { CloseCode } from './protocol.ts';

export interface ConnectionLimits {
  maxBufferedBytes: number;
  framesPerSecond: number;
  frameBurst: number;
}

/**
 * One client's WebSocket on one document: who it is, what right it has now
 * (rights can change while it is open), and the limits that protect everyone
 * else from it.
 */
export class Connection {
  readonly ws: WebSocket;
  readonly userId: string;
  readonly sessionId: string;
  readonly documentId: string;
  role: DocumentRole;
  /** Awareness client IDs this connection introduced; only it may change or remove them. */
  readonly awarenessIds = new Set<number>();
  lastAwarenessForward = 0;
  /** The server sent its state vector after dropping an incomplete update and waits for the client's SyncStep2. */
  resyncRequested = false;
  /** A SyncStep1 waiting to be answered (once what was applied before it is durable); only the latest is kept. */
  pendingStep1: { stateVector: Uint8Array; empty: boolean } | null = null;
  readonly #frames: TokenBucket;
  readonly #limits: ConnectionLimits;
  readonly #metrics: SyncMetrics;
  #closed = false;

  constructor(ws: WebSocket, identity: { userId: string; sessionId: string; documentId: string; role: DocumentRole }, limits: ConnectionLimits, metrics: SyncMetrics) {
    this.ws = ws;
    this.userId = identity.userId;
    this.sessionId = identity.sessionId;
    this.documentId = identity.documentId;
    this.role = identity.role;
    this.#limits = limits;
    this.#metrics = metrics;
    this.#frames = new TokenBucket(limits.framesPerSecond, limits.frameBurst);
  }

  get closed(): boolean {
    return this.#closed || this.ws.readyState !== this.ws.OPEN;
  }

  /** Whether another frame fits in this connection's rate. */
  takeFrame(): boolean {
    return this.#frames.take();
  }

  /**
   * Sends, unless the client cannot keep up: a connection whose unsent data
   * passes the cap is dropped, so a slow consumer never makes server memory grow.
   */
  send(message: Uint8Array): void {
    if (this.closed) return;
    if (this.ws.bufferedAmount + message.length > this.#limits.maxBufferedBytes) {
      this.close(CloseCode.slowConsumer, 'slow consumer');
      return;
    }
    this.ws.send(message, { binary: true });
    this.#metrics.countSent(message.length);
  }

  /**
   * Holds this connection's writes until `uncork`: ws writes each frame's
   * header and payload with one writev, so a broadcast of many updates would
   * cost one system call per update per receiver; corked, it is one per receiver.
   */
  cork(): void {
    this.#socket?.cork();
  }

  uncork(): void {
    this.#socket?.uncork();
  }

  /** ws keeps its TCP socket private; cork/uncork are only an optimisation, so a missing socket is fine. */
  get #socket(): Socket | undefined {
    return (this.ws as unknown as { _socket?: Socket })._socket;
  }

  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#metrics.closedConnections.inc({ reason: reason.replace(/\s+/g, '_') });
    this.ws.close(code, reason);
    // A peer that does not answer the close handshake (or never reads) is cut off.
    setTimeout(() => this.ws.terminate(), 2_000).unref();
  }
}
