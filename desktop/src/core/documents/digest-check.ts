import * as Y from 'yjs';
import { base64ToBytes, contentDigest, type DocumentDigest } from '@govdesk/shared';
import type { CoreMetrics } from '../metrics.ts';

/** When the server's copy changed under a check, the next try waits this long, doubling each time ... */
const RETRY_AFTER_MS = 1_000;
/** ... this many times per connection: a document that never holds still that long is checked after the next reconnection. */
const MAX_TRIES = 5;

export interface DigestCheckOptions {
  documentId: string;
  metrics: CoreMetrics;
  /** The server's digest and the snapshot it was taken at (GET /api/documents/:id/digest). */
  fetchDigest(): Promise<DocumentDigest>;
  /** The replica's Y.Doc now (a re-sync replaces it). */
  doc(): Y.Doc;
  /** Whether the connection is in sync now (SyncConnection.inSync). */
  inSync(): boolean;
  /** Rebuilds the replica from the server's whole state; does nothing when offline (the next connection checks again). */
  resync(): void;
  log?: ((message: string, details?: Record<string, unknown>) => void) | undefined;
}

/**
 * Defence in depth against copies that hold the same structs and deletions but
 * show different content or order — what an update that Yjs places by arrival
 * order, or a struct forged under someone else's client ID, leaves behind
 * (issue 7); syncing never repairs it, since both sides have the same state.
 *
 * After each connection has synced, and once the replica and the server hold
 * the same snapshot (state vector and delete set), the replica's content
 * digest is compared with the server's. A mismatch is counted and logged, and
 * the replica is rebuilt from the server's whole state, keeping what the
 * server does not have yet; a check after the rebuild tells whether it helped.
 * One rebuild per connection at most, so a server whose copy shows something
 * other than what it sends cannot make a replica loop.
 */
export class DigestCheck {
  readonly #options: DigestCheckOptions;
  #due = false;
  #running = false;
  #tries = 0;
  #resynced = false;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: DigestCheckOptions) {
    this.#options = options;
  }

  /** A connection completed its first sync: check as soon as the two copies hold the same. */
  connected(): void {
    this.#clearTimer();
    this.#due = true;
    this.#tries = 0;
    this.#resynced = false;
  }

  /** The connection is in sync (SyncConnection's onInSync). */
  inSync(): void {
    if (this.#due && !this.#running && !this.#timer && !this.#closed) void this.#run();
  }

  /** The replica was rebuilt: check the result at the next moment in sync. */
  resynced(): void {
    this.#due = true;
  }

  async #run(): Promise<void> {
    this.#due = false;
    this.#running = true;
    try {
      const server = await this.#options.fetchDigest();
      if (this.#closed) return;
      const doc = this.#options.doc();
      if (!Y.equalSnapshots(Y.snapshot(doc), Y.decodeSnapshot(base64ToBytes(server.snapshot)))) {
        // Someone changed the document meanwhile: the copies legitimately differ until this replica catches up.
        this.#retryLater();
        return;
      }
      this.#options.metrics.digestChecks += 1;
      const local = contentDigest(doc);
      if (local === server.digest) return;
      this.#options.metrics.digestMismatches += 1;
      this.#log('the replica shows other content than the server at the same snapshot', { level: 'warn', localDigest: local, serverDigest: server.digest, afterResync: this.#resynced });
      if (this.#resynced) return;
      this.#resynced = true;
      this.#options.resync();
    } catch (error) {
      // Unreachable or refused: the next connection checks again.
      if (!this.#closed) this.#log('content check failed', { error: String(error) });
    } finally {
      this.#running = false;
    }
  }

  #retryLater(): void {
    this.#tries += 1;
    if (this.#tries >= MAX_TRIES) {
      this.#log('content not checked: the document kept changing');
      return;
    }
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        this.#due = true;
        if (this.#options.inSync()) this.inSync();
      },
      RETRY_AFTER_MS * 2 ** (this.#tries - 1),
    );
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #log(message: string, details?: Record<string, unknown>): void {
    this.#options.log?.(message, { documentId: this.#options.documentId, ...details });
  }

  close(): void {
    this.#closed = true;
    this.#clearTimer();
  }
}
