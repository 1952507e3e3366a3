import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { DocumentRole } from '@govdesk/shared';
import { TokenBucket } from '../http/rate-limit.ts';
import type { SyncMetrics } from '../metrics/metrics.ts';
import { CloseCode } from './protocol.ts';

/**
 * What one connection may put into presence: a few client IDs (one per
 * editor view; a stock provider uses one), and a byte rate for the states it
 * sends. Every accepted byte of presence is sent on to every connection of the
 * document, so these bound what one client can make the server parse and send.
 */
export const PRESENCE_LIMITS = { clientIdsPerConnection: 4, bytesPerSecond: 32 * 1024, byteBurst: 64 * 1024 } as const;

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
  /** When the session runs out as far as this connection knows (ms since the epoch); a refresh moves it. */
  sessionExpiresAt: number;
  readonly documentId: string;
  role: DocumentRole;
  /** Awareness client IDs this connection introduced; only it may change or remove them. */
  readonly awarenessIds = new Set<number>();
  /** Presence bytes this connection may still send now (a token bucket of PRESENCE_LIMITS, refilled as time passes). */
  #presenceBytes: number = PRESENCE_LIMITS.byteBurst;
  #presenceCheckedAt = performance.now();
  /** The server sent its state vector after dropping an incomplete update and waits for the client's SyncStep2. */
  resyncRequested = false;
  /** A SyncStep1 waiting to be answered (once what was applied before it is durable); only the latest is kept. */
  pendingStep1: { stateVector: Uint8Array; empty: boolean } | null = null;
  readonly #frames: TokenBucket;
  readonly #limits: ConnectionLimits;
  readonly #metrics: SyncMetrics;
  #closed = false;

  constructor(ws: WebSocket, identity: { userId: string; sessionId: string; sessionExpiresAt: number; documentId: string; role: DocumentRole }, limits: ConnectionLimits, metrics: SyncMetrics) {
    this.ws = ws;
    this.userId = identity.userId;
    this.sessionId = identity.sessionId;
    this.sessionExpiresAt = identity.sessionExpiresAt;
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

  /** Whether `bytes` more of presence fit in this connection's byte rate; they are taken if so. */
  takePresenceBytes(bytes: number, now = performance.now()): boolean {
    this.#presenceBytes = Math.min(PRESENCE_LIMITS.byteBurst, this.#presenceBytes + ((now - this.#presenceCheckedAt) * PRESENCE_LIMITS.bytesPerSecond) / 1000);
    this.#presenceCheckedAt = now;
    if (this.#presenceBytes < bytes) return false;
    this.#presenceBytes -= bytes;
    return true;
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
   * Sends a message framed by `framed`: a broadcast frames each update once
   * and writes the same bytes to every receiver, instead of ws framing it
   * again for each. Written to the socket directly, which keeps the order of
   * ws's own writes: this server never compresses or sends Blobs, so ws's
   * sender writes straight through and queues nothing of its own.
   */
  sendFramed(frame: FramedMessage): void {
    if (this.closed) return;
    if (this.ws.bufferedAmount + frame.bytes.length > this.#limits.maxBufferedBytes) {
      this.close(CloseCode.slowConsumer, 'slow consumer');
      return;
    }
    const socket = this.#socket;
    if (socket) socket.write(frame.bytes);
    else this.ws.send(frame.payload, { binary: true });
    this.#metrics.countSent(frame.payload.length);
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

  /** Closes with the handshake; a peer that has not answered it after `graceMs` (or never reads) is cut off. */
  close(code: number, reason: string, graceMs = 2_000): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#metrics.closedConnections.inc({ reason: reason.replace(/\s+/g, '_') });
    this.ws.close(code, reason);
    setTimeout(() => this.ws.terminate(), graceMs).unref();
  }
}

/** A binary message with its WebSocket frame header (server frames are not masked), ready to write as is. */
export interface FramedMessage {
  payload: Uint8Array;
  bytes: Buffer;
}

export function framed(payload: Uint8Array): FramedMessage {
  // RFC 6455 §5.2: FIN and opcode 2 (binary), then the payload length in 7 bits, or 126 and 16 bits, or 127 and 64 bits.
  const length = payload.byteLength;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const bytes = Buffer.allocUnsafe(headerLength + length);
  bytes[0] = 0x82;
  if (headerLength === 2) bytes[1] = length;
  else if (headerLength === 4) {
    bytes[1] = 126;
    bytes.writeUInt16BE(length, 2);
  } else {
    bytes[1] = 127;
    bytes.writeBigUInt64BE(BigInt(length), 2);
  }
  bytes.set(payload, headerLength);
  return { payload, bytes };
}
