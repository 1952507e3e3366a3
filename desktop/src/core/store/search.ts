import type { CacheDatabase } from './database.ts';

export interface MessageHit {
  eventId: string;
  roomId: string;
  sender: string;
  ts: number;
  body: string;
}

/** FTS5's trigram tokenizer indexes three-character runs; shorter queries cannot use it. */
const TRIGRAM = 3;

/** A query string as one FTS5 phrase: a substring to find anywhere, whatever characters it holds. */
function phrase(query: string): string {
  return `"${query.replaceAll('"', '""')}"`;
}

function likePattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * Full-text search over cached messages and documents. The trigram index finds
 * Chinese substrings (防汛工作 in 关于做好2026年防汛工作的通知) without a word
 * segmenter. One- and two-character queries fall back to a scan, newest first.
 */
export class Search {
  readonly #messagesFts;
  readonly #messagesLike;
  readonly #documentsFts;
  readonly #documentsLike;

  constructor(db: CacheDatabase) {
    const columns = 'e.event_id AS eventId, e.room_id AS roomId, e.sender AS sender, e.ts AS ts, e.body AS body';
    this.#messagesFts = db.prepare<[string, number], MessageHit>(
      `SELECT ${columns} FROM messages_fts f JOIN matrix_events e ON e.id = f.rowid WHERE messages_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?`,
    );
    this.#messagesLike = db.prepare<[string, number], MessageHit>(`SELECT ${columns} FROM matrix_events e WHERE e.body LIKE ? ESCAPE '\\' ORDER BY e.id DESC LIMIT ?`);
    this.#documentsFts = db.prepare<[string, number], { server: string; docId: string; title: string }>(
      'SELECT d.server, d.doc_id AS docId, d.title FROM documents_fts f JOIN documents d ON d.id = f.rowid WHERE documents_fts MATCH ? ORDER BY rank LIMIT ?',
    );
    this.#documentsLike = db.prepare<[string, string, number], { server: string; docId: string; title: string }>(
      "SELECT server, doc_id AS docId, title FROM documents WHERE title LIKE ? ESCAPE '\\' OR plain_text LIKE ? ESCAPE '\\' ORDER BY updated_at DESC LIMIT ?",
    );
  }

  messages(query: string, limit = 50): MessageHit[] {
    const text = query.trim();
    if (text.length === 0) return [];
    return [...text].length >= TRIGRAM ? this.#messagesFts.all(phrase(text), limit) : this.#messagesLike.all(likePattern(text), limit);
  }

  documents(query: string, limit = 50): { server: string; docId: string; title: string }[] {
    const text = query.trim();
    if (text.length === 0) return [];
    return [...text].length >= TRIGRAM ? this.#documentsFts.all(phrase(text), limit) : this.#documentsLike.all(likePattern(text), likePattern(text), limit);
  }
}
