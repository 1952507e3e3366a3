import { DocumentSummary } from '@govdesk/shared';
import type { CacheDatabase } from './database.ts';

/** The document list as a sync-server last gave it, so the app can start and search offline. */
export class DocumentCache {
  readonly #db: CacheDatabase;
  readonly #upsert;
  readonly #list;
  readonly #get;
  readonly #removeOthers;
  readonly #setText;

  constructor(db: CacheDatabase) {
    this.#db = db;
    this.#upsert = db.prepare(
      'INSERT INTO documents (server, doc_id, summary, title, updated_at) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (server, doc_id) DO UPDATE SET summary = excluded.summary, title = excluded.title, updated_at = excluded.updated_at',
    );
    this.#list = db.prepare<[string], { summary: string }>('SELECT summary FROM documents WHERE server = ? ORDER BY updated_at DESC, doc_id');
    this.#get = db.prepare<[string, string], { summary: string }>('SELECT summary FROM documents WHERE server = ? AND doc_id = ?');
    this.#removeOthers = db.prepare("DELETE FROM documents WHERE server = ? AND doc_id NOT IN (SELECT value FROM json_each(?))");
    this.#setText = db.prepare('UPDATE documents SET plain_text = ? WHERE server = ? AND doc_id = ? AND plain_text != ?');
  }

  /** Replaces the cached list with what the server just said; documents no longer shared with the user leave the cache. */
  replaceAll(server: string, documents: readonly DocumentSummary[]): void {
    this.#db.transaction(() => {
      for (const document of documents) this.#upsert.run(server, document.id, JSON.stringify(document), document.title, Date.parse(document.createdAt));
      this.#removeOthers.run(server, JSON.stringify(documents.map((document) => document.id)));
    })();
  }

  put(server: string, document: DocumentSummary): void {
    this.#upsert.run(server, document.id, JSON.stringify(document), document.title, Date.parse(document.createdAt));
  }

  list(server: string): DocumentSummary[] {
    return this.#list.all(server).flatMap((row) => {
      const parsed = DocumentSummary.safeParse(JSON.parse(row.summary));
      return parsed.success ? [parsed.data] : [];
    });
  }

  get(server: string, docId: string): DocumentSummary | null {
    const row = this.#get.get(server, docId);
    if (!row) return null;
    const parsed = DocumentSummary.safeParse(JSON.parse(row.summary));
    return parsed.success ? parsed.data : null;
  }

  /** Keeps the searchable text of a document in step with its content. */
  setPlainText(server: string, docId: string, text: string): void {
    this.#setText.run(text, server, docId, text);
  }
}
