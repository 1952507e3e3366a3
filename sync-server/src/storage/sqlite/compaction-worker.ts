import { parentPort } from 'node:worker_threads';
import { mergeSnapshotAndLog } from '@govdesk/shared/documents/log-replay';
import { openDatabase, type SqliteDatabase } from './database.ts';

/**
 * Merges a document's logged updates into its snapshot, in a worker thread so
 * that a large document never stalls the event loop (the merge itself, with
 * garbage collection, is `mergeSnapshotAndLog`).
 */

export interface CompactionRequest {
  id: number;
  file: string;
  documentId: string;
  upToSeq: number;
}

export type CompactionResponse =
  | { id: number; ok: true; result: { mergedUpdates: number; logBytesBefore: number; snapshotBytes: number; durationMs: number } }
  | { id: number; ok: false; error: string };

const connections = new Map<string, SqliteDatabase>();

function database(file: string): SqliteDatabase {
  let db = connections.get(file);
  if (!db) {
    db = openDatabase(file);
    connections.set(file, db);
  }
  return db;
}

function compact(request: CompactionRequest): CompactionResponse {
  const started = performance.now();
  const db = database(request.file);
  const { snapshot, pending } = db.transaction(() => {
    const snapshot = db.prepare<[string], { state: Buffer; last_seq: number }>('SELECT state, last_seq FROM document_snapshots WHERE document_id = ?').get(request.documentId);
    const pending = db
      .prepare<[string, number, number], { seq: number; data: Buffer }>('SELECT seq, data FROM document_updates WHERE document_id = ? AND seq > ? AND seq <= ? ORDER BY seq')
      .all(request.documentId, snapshot?.last_seq ?? 0, request.upToSeq);
    return { snapshot, pending };
  })();
  if (pending.length === 0) {
    return { id: request.id, ok: true, result: { mergedUpdates: 0, logBytesBefore: 0, snapshotBytes: snapshot?.state.length ?? 0, durationMs: performance.now() - started } };
  }
  const merged = mergeSnapshotAndLog(snapshot?.state, pending.map((row) => row.data));
  const lastSeq = (pending.at(-1) as { seq: number }).seq;
  db.transaction(() => {
    db.prepare('INSERT INTO document_snapshots (document_id, state, last_seq, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (document_id) DO UPDATE SET state = excluded.state, last_seq = excluded.last_seq, updated_at = excluded.updated_at').run(
      request.documentId,
      merged,
      lastSeq,
      new Date().toISOString(),
    );
    db.prepare('DELETE FROM document_updates WHERE document_id = ? AND seq <= ?').run(request.documentId, lastSeq);
  }).immediate();
  return {
    id: request.id,
    ok: true,
    result: { mergedUpdates: pending.length, logBytesBefore: pending.reduce((sum, row) => sum + row.data.length, 0), snapshotBytes: merged.length, durationMs: performance.now() - started },
  };
}

parentPort?.on('message', (request: CompactionRequest) => {
  try {
    parentPort?.postMessage(compact(request));
  } catch (error) {
    parentPort?.postMessage({ id: request.id, ok: false, error: String(error) } satisfies CompactionResponse);
  }
});
