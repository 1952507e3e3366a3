import { parentPort } from 'node:worker_threads';
import { openDatabase, type SqliteDatabase } from './database.ts';

/**
 * Appends batches of updates to the log, durably (synchronous=FULL: the commit
 * returns after fsync), in its own thread: while a commit waits for the disk,
 * the server's event loop goes on reading frames and sending updates that are
 * already durable. Batches are committed in the order they arrive.
 */

export interface AppendRequest {
  id: number;
  file: string;
  entries: { documentId: string; seq: number; update: Uint8Array }[];
}

export type AppendAnswer = { id: number; ok: true; committedAt: number } | { id: number; ok: false; error: string };

let db: SqliteDatabase | null = null;
let insert: ((documentId: string, seq: number, update: Uint8Array) => void) | null = null;

parentPort?.on('message', (request: AppendRequest) => {
  try {
    if (!db) {
      db = openDatabase(request.file);
      const statement = db.prepare<[string, number, Uint8Array]>('INSERT INTO document_updates (document_id, seq, data) VALUES (?, ?, ?)');
      insert = (documentId, seq, update) => void statement.run(documentId, seq, update);
    }
    const append = insert!;
    db.transaction(() => {
      for (const entry of request.entries) append(entry.documentId, entry.seq, entry.update);
    })();
    parentPort?.postMessage({ id: request.id, ok: true, committedAt: Date.now() } satisfies AppendAnswer);
  } catch (error) {
    parentPort?.postMessage({ id: request.id, ok: false, error: String(error) } satisfies AppendAnswer);
  }
});
