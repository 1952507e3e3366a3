import { parentPort } from 'node:worker_threads';
import { mergeSnapshotAndLog } from '@govdesk/shared/documents/log-replay';
import { openCacheDatabase, type CacheDatabase } from './database.ts';

/**
 * Compacts a document's local log in a worker thread, so that a large merge
 * never stalls core. The merge (`mergeSnapshotAndLog`) collects garbage, so
 * the new snapshot drops deleted content and loads fast.
 */

export interface LocalCompactionRequest {
  id: number;
  dataDir: string;
  key: Uint8Array;
  docId: string;
  upToSeq: number;
}

export type LocalCompactionResponse = { id: number; ok: true; merged: number; snapshotBytes: number } | { id: number; ok: false; error: string };

const databases = new Map<string, CacheDatabase>();

function compact(request: LocalCompactionRequest): LocalCompactionResponse {
  let db = databases.get(request.dataDir);
  if (!db) {
    db = openCacheDatabase(request.dataDir, request.key).db;
    databases.set(request.dataDir, db);
  }
  const { snapshot, updates } = db.transaction(() => {
    const snapshot = db.prepare<[string], { state: Buffer; last_seq: number }>('SELECT state, last_seq FROM doc_snapshots WHERE doc_id = ?').get(request.docId);
    const updates = db
      .prepare<[string, number, number], { seq: number; data: Buffer }>('SELECT seq, data FROM doc_updates WHERE doc_id = ? AND seq > ? AND seq <= ? ORDER BY seq')
      .all(request.docId, snapshot?.last_seq ?? 0, request.upToSeq);
    return { snapshot, updates };
  })();
  if (updates.length === 0) return { id: request.id, ok: true, merged: 0, snapshotBytes: snapshot?.state.length ?? 0 };
  const state = mergeSnapshotAndLog(snapshot?.state, updates.map((row) => row.data));
  const lastSeq = (updates.at(-1) as { seq: number }).seq;
  db.transaction(() => {
    // Only over an older snapshot: one that DocumentLog.replace wrote meanwhile already holds everything up to here.
    db.prepare(
      'INSERT INTO doc_snapshots (doc_id, state, last_seq, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (doc_id) DO UPDATE SET state = excluded.state, last_seq = excluded.last_seq, updated_at = excluded.updated_at WHERE excluded.last_seq > doc_snapshots.last_seq',
    ).run(
      request.docId,
      state,
      lastSeq,
      Date.now(),
    );
    db.prepare('DELETE FROM doc_updates WHERE doc_id = ? AND seq <= ?').run(request.docId, lastSeq);
  }).immediate();
  return { id: request.id, ok: true, merged: updates.length, snapshotBytes: state.length };
}

parentPort?.on('message', (request: LocalCompactionRequest) => {
  try {
    parentPort?.postMessage(compact(request));
  } catch (error) {
    parentPort?.postMessage({ id: request.id, ok: false, error: String(error) } satisfies LocalCompactionResponse);
  }
});
