import type { Logger } from '../logger.ts';
import type { SyncMetrics } from '../metrics/metrics.ts';
import type { ClientIdClaim, ContentStore } from '../storage/types.ts';
import { framed, type Connection } from './connection.ts';
import { encodeUpdate } from './protocol.ts';
import type { SharedDoc } from './shared-doc.ts';

export interface PendingUpdate {
  doc: SharedDoc;
  seq: number;
  update: Uint8Array;
  /** Who wrote it, for the features told once it is stored. */
  userId: string;
}

export interface DurableLogOptions {
  store: ContentStore;
  metrics: SyncMetrics;
  log: Logger;
  /** Bytes of updates that may wait to be made durable before the server stops reading from clients. */
  maxPendingBytes: number;
  compaction: { compactAfterUpdates: number; compactAfterBytes: number };
  /** Storage refused updates of the document: its copy in memory may now hold what the log does not (the hub drops it). */
  onFailed(doc: SharedDoc): void;
  /** Reading from every client must stop (storage is behind, see #pauseReading), or may go on again. */
  onReadingPaused(paused: boolean): void;
  /** An update is durable and was sent to the document's connections. */
  onStored(entry: PendingUpdate): void;
}

/**
 * The log of every loaded document. An update is applied, appended here and
 * made durable, and only then sent to anyone; a SyncStep2 answer waits for
 * the log likewise (`whenDurable`), so no client ever holds an update a crash
 * could lose. Durable writes are grouped per event-loop turn (one fsync for
 * many updates), with the client-ID claims made meanwhile. The log also
 * decides when a document's log is compacted.
 */
export class DurableLog {
  readonly #options: DurableLogOptions;
  #pending: PendingUpdate[] = [];
  /** Documents with client-ID claims not yet handed to storage. */
  readonly #claimed = new Set<SharedDoc>();
  #afterDurable: (() => void)[] = [];
  #flushScheduled = false;
  #inFlight = 0;
  #chain: Promise<void> = Promise.resolve();
  /** Bytes of the updates applied and not yet durable (waiting in #pending or being written); see #pauseReading. */
  #undurableBytes = 0;
  #readingPaused = false;

  constructor(options: DurableLogOptions) {
    this.#options = options;
  }

  /** Whether reading from clients is paused until storage catches up. */
  get readingPaused(): boolean {
    return this.#readingPaused;
  }

  /** An update the document applied, to be made durable (and then sent to its connections). */
  append(doc: SharedDoc, update: Uint8Array, userId: string): void {
    doc.fullStateMessage = null;
    doc.lastSeq += 1;
    this.#pending.push({ doc, seq: doc.lastSeq, update, userId });
    this.#undurableBytes += update.length;
    if (this.#undurableBytes > this.#options.maxPendingBytes && !this.#readingPaused) this.#pauseReading();
    this.#scheduleFlush();
  }

  /** The document made a client-ID claim (see ClientOwners): it goes into the log's next transaction. */
  claimed(doc: SharedDoc): void {
    this.#claimed.add(doc);
    this.#scheduleFlush();
  }

  /** Whether updates of the document are still waiting to be written. */
  isWriting(doc: SharedDoc): boolean {
    return this.#pending.some((entry) => entry.doc === doc);
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
    this.#options.onReadingPaused(true);
  }

  /** Updates left memory (made durable, or dropped with a failed document); reading resumes once half the bound is free. */
  #settle(entries: readonly PendingUpdate[]): void {
    for (const entry of entries) this.#undurableBytes -= entry.update.length;
    if (!this.#readingPaused || this.#undurableBytes > this.#options.maxPendingBytes / 2) return;
    this.#readingPaused = false;
    this.#options.log.info({ undurableBytes: this.#undurableBytes }, 'storage caught up: reading from clients resumed');
    this.#options.onReadingPaused(false);
  }

  /** Runs `callback` once every update applied so far is durable. */
  whenDurable(callback: () => void): void {
    // Claims too: a document read again from storage must find every claim made before.
    if (this.#pending.length === 0 && this.#inFlight === 0 && this.#claimed.size === 0) {
      callback();
      return;
    }
    this.#afterDurable.push(callback);
    this.#scheduleFlush();
  }

  /** Resolves once nothing waits to be written and no write is under way (a graceful stop). */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#inFlight > 0 || this.#flushScheduled) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.#chain;
    }
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
      for (const entry of batch) if (!entry.doc.failed) this.#options.onStored(entry);
      for (const doc of touched) this.maybeCompact(doc);
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
    this.#options.onFailed(doc);
  }

  /** Compacts the document's log in the background once it is long enough. */
  maybeCompact(doc: SharedDoc): void {
    const { compactAfterUpdates, compactAfterBytes } = this.#options.compaction;
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
        if (compacted) this.maybeCompact(doc);
      });
  }
}
