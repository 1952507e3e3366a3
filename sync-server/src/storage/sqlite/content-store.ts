import type { ClientIdClaim, CompactionResult, ContentStore, LogEntry, StoredContent } from '../types.ts';
import type { SqliteDatabase } from './database.ts';
import type { CompactionRequest, CompactionResponse } from './compaction-worker.ts';
import type { AppendAnswer, AppendRequest } from './log-writer-worker.ts';
import { WorkerClient } from './worker-client.ts';

/**
 * Yjs content in SQLite: `document_updates` is the append-only log (one row
 * per update, written before anyone hears of it), `document_snapshots` the
 * merged state. Appends are committed in a writer thread and compaction runs
 * in another, each with its own connection: neither a commit waiting for the
 * disk nor the merge of a large document stalls the event loop. Reads (a
 * document loading) use this connection; WAL lets them run beside the writers.
 */
export class SqliteContentStore implements ContentStore {
  readonly #db: SqliteDatabase;
  readonly #file: string;
  readonly #selectSnapshot;
  readonly #selectUpdates;
  readonly #selectOwners;
  readonly #writer = new WorkerClient<Omit<AppendRequest, 'id'>, AppendAnswer>(new URL('./log-writer-worker.ts', import.meta.url));
  readonly #compactor = new WorkerClient<Omit<CompactionRequest, 'id'>, Extract<CompactionResponse, { ok: true }>>(new URL('./compaction-worker.ts', import.meta.url));

  constructor(db: SqliteDatabase, file: string) {
    this.#db = db;
    this.#file = file;
    this.#selectSnapshot = db.prepare<[string], { state: Buffer; last_seq: number }>('SELECT state, last_seq FROM document_snapshots WHERE document_id = ?');
    this.#selectUpdates = db.prepare<[string, number], { seq: number; data: Buffer }>('SELECT seq, data FROM document_updates WHERE document_id = ? AND seq > ? ORDER BY seq');
    this.#selectOwners = db.prepare<[string], { client_id: number; user_id: string }>('SELECT client_id, user_id FROM document_client_owners WHERE document_id = ?');
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
        owners: this.#selectOwners.all(documentId).map((row) => ({ clientId: row.client_id, userId: row.user_id })),
      };
    })();
  }

  async append(entries: readonly LogEntry[], claims: readonly ClientIdClaim[] = []): Promise<void> {
    if (entries.length === 0 && claims.length === 0) return;
    // One transaction in the writer thread, so one fsync for the whole batch (synchronous=FULL).
    await this.#writer.request({ file: this.#file, entries: entries.map(({ documentId, seq, update }) => ({ documentId, seq, update })), claims: claims.map(({ documentId, clientId, userId }) => ({ documentId, clientId, userId })) });
  }

  async compact(documentId: string, upToSeq: number): Promise<CompactionResult> {
    const answer = await this.#compactor.request({ file: this.#file, documentId, upToSeq });
    return answer.result;
  }

  async close(): Promise<void> {
    await this.#writer.close();
    await this.#compactor.close();
  }
}
