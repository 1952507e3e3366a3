import { Worker } from 'node:worker_threads';
import type { CompactionResult, ContentStore, LogEntry, StoredContent } from '../types.ts';
import type { SqliteDatabase } from './database.ts';
import type { CompactionRequest, CompactionResponse } from './compaction-worker.ts';

/**
 * Yjs content in SQLite: `document_updates` is the append-only log (one row
 * per update, written before anyone hears of it), `document_snapshots` the
 * merged state. Compaction runs in a worker thread with its own connection,
 * so merging a large document never stalls the event loop.
 */
export class SqliteContentStore implements ContentStore {
  readonly #db: SqliteDatabase;
  readonly #file: string;
  readonly #selectSnapshot;
  readonly #selectUpdates;
  readonly #insertUpdate;
  #worker: Worker | null = null;
  #nextRequest = 1;
  readonly #waiting = new Map<number, { resolve: (result: CompactionResult) => void; reject: (error: Error) => void }>();

  constructor(db: SqliteDatabase, file: string) {
    this.#db = db;
    this.#file = file;
    this.#selectSnapshot = db.prepare<[string], { state: Buffer; last_seq: number }>('SELECT state, last_seq FROM document_snapshots WHERE document_id = ?');
    this.#selectUpdates = db.prepare<[string, number], { seq: number; data: Buffer }>('SELECT seq, data FROM document_updates WHERE document_id = ? AND seq > ? ORDER BY seq');
    this.#insertUpdate = db.prepare<[string, number, Uint8Array]>('INSERT INTO document_updates (document_id, seq, data) VALUES (?, ?, ?)');
  }

  async load(documentId: string): Promise<StoredContent> {
    // One read transaction: a compaction committing in between cannot make us miss or double an update.
    return this.#db.transaction(() => {
      const snapshot = this.#selectSnapshot.get(documentId);
      const rows = this.#selectUpdates.all(documentId, snapshot?.last_seq ?? 0);
      const last = rows.at(-1);
      return {
        snapshot: snapshot ? new Uint8Array(snapshot.state) : null,
        updates: rows.map((row) => new Uint8Array(row.data)),
        lastSeq: last ? last.seq : (snapshot?.last_seq ?? 0),
        logCount: rows.length,
        logBytes: rows.reduce((sum, row) => sum + row.data.length, 0),
      };
    })();
  }

  async append(entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // One transaction, so one fsync for the whole batch (synchronous=FULL).
    this.#db.transaction(() => {
      for (const entry of entries) this.#insertUpdate.run(entry.documentId, entry.seq, entry.update);
    })();
  }

  compact(documentId: string, upToSeq: number): Promise<CompactionResult> {
    const worker = this.#ensureWorker();
    const id = this.#nextRequest++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ id, file: this.#file, documentId, upToSeq } satisfies CompactionRequest);
    });
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./compaction-worker.ts', import.meta.url));
    worker.on('message', (message: CompactionResponse) => {
      const waiting = this.#waiting.get(message.id);
      this.#waiting.delete(message.id);
      if (!waiting) return;
      if (message.ok) waiting.resolve(message.result);
      else waiting.reject(new Error(`compaction failed: ${message.error}`));
    });
    worker.on('error', (error) => this.#failAll(error));
    worker.on('exit', () => {
      this.#worker = null;
      this.#failAll(new Error('the compaction worker exited'));
    });
    // The worker never keeps the process alive on its own.
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #failAll(error: Error): void {
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    if (worker) await worker.terminate();
  }
}
