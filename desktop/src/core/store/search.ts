import type { CacheDatabase } from './database.ts';

export interface MessageHit {
  eventId: string;
  roomId: string;
  sender: string;
  ts: number;
  body: string;
}

/** FTS5's trigram tokenizer indexes three-character runs; shorter queries use the character index. */
const TRIGRAM = 3;

/** A query string as one FTS5 phrase: a substring to find anywhere, whatever characters it holds. */
function phrase(query: string): string {
  return `"${query.replaceAll('"', '""')}"`;
}

function likePattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * What the character index (unicode61) keeps of a text: letters and digits.
 * Spaces and punctuation are not tokens, so a query made only of them
 * cannot use it.
 */
const TOKEN_CHARACTER = /[\p{L}\p{N}]/u;

/**
 * Full-text search over cached messages and documents, finding Chinese
 * substrings (防汛工作 in 关于做好2026年防汛工作的通知) without a word
 * segmenter. Three characters and more go to the trigram index; one and two
 * to the character index (migration 2), as a term or a phrase of two
 * adjacent characters. Every candidate is then checked with LIKE against
 * the text itself, because the character index ignores the spaces and
 * punctuation between characters. Newest first.
 */
export class Search {
  readonly #messagesFts;
  readonly #messagesChars;
  readonly #messagesLike;
  readonly #documentsFts;
  readonly #documentsLike;

  constructor(db: CacheDatabase) {
    const columns = 'e.event_id AS eventId, e.room_id AS roomId, e.sender AS sender, e.ts AS ts, e.body AS body';
    this.#messagesFts = db.prepare<[string, number], MessageHit>(
      `SELECT ${columns} FROM messages_fts f JOIN matrix_events e ON e.id = f.rowid WHERE messages_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?`,
    );
    this.#messagesChars = db.prepare<[string, string, number], MessageHit>(
      `SELECT ${columns} FROM messages_chars c JOIN matrix_events e ON e.id = c.rowid WHERE messages_chars MATCH ? AND e.body LIKE ? ESCAPE '\\' ORDER BY c.rowid DESC LIMIT ?`,
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
    const characters = Array.from(text);
    if (characters.length >= TRIGRAM) return this.#messagesFts.all(phrase(text), limit);
    const tokens = characters.filter((char) => TOKEN_CHARACTER.test(char));
    // Only punctuation (a lone "，"): nothing to look up, so scan — rare, and the LIKE is exact.
    if (tokens.length === 0) return this.#messagesLike.all(likePattern(text), limit);
    return this.#messagesChars.all(phrase(tokens.join(' ')), likePattern(text), limit);
  }

  documents(query: string, limit = 50): { server: string; docId: string; title: string }[] {
    const text = query.trim();
    if (text.length === 0) return [];
    return [...text].length >= TRIGRAM ? this.#documentsFts.all(phrase(text), limit) : this.#documentsLike.all(likePattern(text), likePattern(text), limit);
  }
}
