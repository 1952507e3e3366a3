import type { CacheDatabase } from './database.ts';

export interface LoadedDocument {
  snapshot: Uint8Array | null;
  updates: Uint8Array[];
  lastSeq: number;
  logCount: number;
  logBytes: number;
}

/**
 * The local Yjs log of each document: every update, local or from the server,
 * appended (and fsync'ed) as it happens; compaction merges the log into the
 * snapshot later, off the hot path.
 */
export class DocumentLog {
  readonly #db: CacheDatabase;
  readonly #snapshot;
  readonly #updatesAfter;
  readonly #lastSeq;
  readonly #append;
  readonly #putSnapshot;
  readonly #deleteUpdates;

  constructor(db: CacheDatabase) {
    this.#db = db;
    this.#snapshot = db.prepare<[string], { state: Buffer; last_seq: number }>('SELECT state, last_seq FROM doc_snapshots WHERE doc_id = ?');
    this.#updatesAfter = db.prepare<[string, number], { seq: number; data: Buffer }>('SELECT seq, data FROM doc_updates WHERE doc_id = ? AND seq > ? ORDER BY seq');
    this.#lastSeq = db.prepare<[string], { seq: number | null }>('SELECT max(seq) AS seq FROM doc_updates WHERE doc_id = ?');
    this.#append = db.prepare<[string, number, Uint8Array, string, number]>('INSERT INTO doc_updates (doc_id, seq, data, origin, created_at) VALUES (?, ?, ?, ?, ?)');
    this.#putSnapshot = db.prepare<[string, Uint8Array, number, number]>(
      'INSERT INTO doc_snapshots (doc_id, state, last_seq, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (doc_id) DO UPDATE SET state = excluded.state, last_seq = excluded.last_seq, updated_at = excluded.updated_at',
    );
    this.#deleteUpdates = db.prepare<[string]>('DELETE FROM doc_updates WHERE doc_id = ?');
  }

  load(docId: string): LoadedDocument {
    return this.#db.transaction(() => {
      const snapshot = this.#snapshot.get(docId);
      const rows = this.#updatesAfter.all(docId, snapshot?.last_seq ?? 0);
      return {
        snapshot: snapshot ? new Uint8Array(snapshot.state) : null,
        updates: rows.map((row) => new Uint8Array(row.data)),
        lastSeq: rows.at(-1)?.seq ?? snapshot?.last_seq ?? 0,
        logCount: rows.length,
        logBytes: rows.reduce((sum, row) => sum + row.data.length, 0),
      };
    })();
  }

  /** Appends one update durably and returns its sequence number. */
  append(docId: string, update: Uint8Array, origin: 'local' | 'remote'): number {
    return this.#db.transaction(() => {
      const snapshotSeq = this.#snapshot.get(docId)?.last_seq ?? 0;
      const seq = Math.max(this.#lastSeq.get(docId)?.seq ?? 0, snapshotSeq) + 1;
      this.#append.run(docId, seq, update, origin, Date.now());
      return seq;
    }).immediate();
  }

  /**
   * Replaces all the cache holds of a document with one snapshot (a replica
   * rebuilt from the server's copy): replaying the old log would bring back
   * what the rebuild repaired. The snapshot takes the last sequence number,
   * so later appends follow it and a compaction that read the old log before
   * leaves it alone (compaction-worker.ts).
   */
  replace(docId: string, state: Uint8Array): void {
    this.#db
      .transaction(() => {
        const lastSeq = Math.max(this.#lastSeq.get(docId)?.seq ?? 0, this.#snapshot.get(docId)?.last_seq ?? 0);
        this.#putSnapshot.run(docId, state, lastSeq, Date.now());
        this.#deleteUpdates.run(docId);
      })
      .immediate();
  }

  /** Whether the cache holds anything of this document. */
  has(docId: string): boolean {
    return this.#snapshot.get(docId) !== undefined || (this.#lastSeq.get(docId)?.seq ?? null) !== null;
  }
}
