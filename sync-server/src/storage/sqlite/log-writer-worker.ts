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
  /** Client IDs taken by the updates of this batch (or by presence): durable together with them. */
  claims: { documentId: string; clientId: number; userId: string }[];
}

export type AppendAnswer = { id: number; ok: true; committedAt: number } | { id: number; ok: false; error: string };

let db: SqliteDatabase | null = null;
let insert: ((documentId: string, seq: number, update: Uint8Array) => void) | null = null;
let claim: ((documentId: string, clientId: number, userId: string) => void) | null = null;

parentPort?.on('message', (request: AppendRequest) => {
  try {
    if (!db) {
      db = openDatabase(request.file);
      const statement = db.prepare<[string, number, Uint8Array]>('INSERT INTO document_updates (document_id, seq, data) VALUES (?, ?, ?)');
      insert = (documentId, seq, update) => void statement.run(documentId, seq, update);
      const claimStatement = db.prepare<[string, number, string]>('INSERT INTO document_client_owners (document_id, client_id, user_id) VALUES (?, ?, ?)');
      claim = (documentId, clientId, userId) => void claimStatement.run(documentId, clientId, userId);
    }
    const append = insert!;
    const record = claim!;
    db.transaction(() => {
      for (const entry of request.entries) append(entry.documentId, entry.seq, entry.update);
      for (const entry of request.claims) record(entry.documentId, entry.clientId, entry.userId);
    })();
    parentPort?.postMessage({ id: request.id, ok: true, committedAt: Date.now() } satisfies AppendAnswer);
  } catch (error) {
    parentPort?.postMessage({ id: request.id, ok: false, error: String(error) } satisfies AppendAnswer);
  }
});
