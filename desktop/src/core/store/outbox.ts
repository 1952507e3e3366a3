import { randomBytes } from 'node:crypto';
import type { CacheDatabase } from './database.ts';
import { relaxedWrites } from './matrix-cache.ts';

export interface OutboxEntry {
  id: number;
  roomId: string;
  /** An event type (m.room.message) or m.room.redaction, whose content names the event to redact. */
  eventType: string;
  content: Record<string, unknown>;
  /** The Matrix transaction ID: sending the same entry twice cannot post it twice. */
  txnId: string;
  createdAt: number;
  attempts: number;
  lastError: string | null;
  /** `sent`: the homeserver has it; the entry stays until the event comes back through sync. */
  state: 'pending' | 'sent' | 'failed';
  /** The event ID the homeserver gave, once sent. */
  eventId: string | null;
}

interface OutboxRow {
  id: number;
  room_id: string;
  event_type: string;
  content: string;
  txn_id: string;
  created_at: number;
  attempts: number;
  last_error: string | null;
  state: OutboxEntry['state'];
  event_id: string | null;
}

const toEntry = (row: OutboxRow): OutboxEntry => ({
  id: row.id,
  roomId: row.room_id,
  eventType: row.event_type,
  content: JSON.parse(row.content) as Record<string, unknown>,
  txnId: row.txn_id,
  createdAt: row.created_at,
  attempts: row.attempts,
  lastError: row.last_error,
  state: row.state,
  eventId: row.event_id,
});

/** A new Matrix transaction ID (unique per access token is all the spec asks). */
export function newTxnId(): string {
  return `gd${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
}

/** Messages written offline, durable until the homeserver has them, sent in the order they were written. */
export class Outbox {
  readonly #db: CacheDatabase;
  readonly #s;
  readonly #relaxed;
  #flushing = false;

  constructor(db: CacheDatabase) {
    this.#db = db;
    this.#relaxed = relaxedWrites(db);
    this.#s = {
      insert: db.prepare('INSERT INTO outbox (room_id, event_type, content, txn_id, created_at) VALUES (?, ?, ?, ?, ?)'),
      pending: db.prepare<[], OutboxRow>("SELECT * FROM outbox WHERE state = 'pending' ORDER BY id"),
      next: db.prepare<[], OutboxRow>("SELECT * FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 1"),
      room: db.prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE room_id = ? ORDER BY id'),
      byTxn: db.prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE txn_id = ?'),
      byEventId: db.prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE event_id = ?'),
      markSent: db.prepare("UPDATE outbox SET state = 'sent', event_id = ?, attempts = attempts + 1, last_error = NULL WHERE id = ? AND state = 'pending'"),
      markAttempt: db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?'),
      markFailed: db.prepare("UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ? AND state = 'pending'"),
      retry: db.prepare("UPDATE outbox SET state = 'pending', last_error = NULL WHERE id = ? AND state = 'failed'"),
      echoedTxn: db.prepare<[string], OutboxRow>('DELETE FROM outbox WHERE txn_id = ? RETURNING *'),
      echoedEvent: db.prepare<[string], OutboxRow>("DELETE FROM outbox WHERE event_id = ? AND state = 'sent' RETURNING *"),
      dropRoom: db.prepare("DELETE FROM outbox WHERE room_id = ? AND state = 'sent'"),
      clear: db.prepare('DELETE FROM outbox'),
      // Rewrites one row as it is: a commit that makes every earlier one durable.
      touch: db.prepare('UPDATE outbox SET created_at = created_at WHERE id = (SELECT max(id) FROM outbox)'),
    };
  }

  /**
   * Queues an event. The row is committed without waiting for the disk, and
   * the disk flush follows at the end of this turn of the event loop, once
   * the sender has put the request on the wire: a message leaves one flush
   * sooner, and is on disk about a millisecond after the click. A crash of
   * the app loses nothing (the WAL is written); only a power cut within that
   * millisecond could.
   */
  enqueue(roomId: string, eventType: string, content: Record<string, unknown>, txnId = newTxnId()): OutboxEntry {
    const createdAt = Date.now();
    const id = Number(this.#relaxed(() => this.#s.insert.run(roomId, eventType, JSON.stringify(content), txnId, createdAt)).lastInsertRowid);
    this.#flushSoon();
    return { id, roomId, eventType, content, txnId, createdAt, attempts: 0, lastError: null, state: 'pending', eventId: null };
  }

  #flushSoon(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    setImmediate(() => {
      this.#flushing = false;
      if (this.#db.open) this.#s.touch.run();
    });
  }

  /** Everything still to send, in the order it was written. */
  pending(): OutboxEntry[] {
    return this.#s.pending.all().map(toEntry);
  }

  /** The first entry still to send: nothing may overtake it. */
  next(): OutboxEntry | null {
    const row = this.#s.next.get();
    return row ? toEntry(row) : null;
  }

  /** A room's entries not yet back from the homeserver, in order. */
  forRoom(roomId: string): OutboxEntry[] {
    return this.#s.room.all(roomId).map(toEntry);
  }

  byTxn(txnId: string): OutboxEntry | null {
    const row = this.#s.byTxn.get(txnId);
    return row ? toEntry(row) : null;
  }

  /** A sent entry whose echo has not come back through sync yet. */
  byEventId(eventId: string): OutboxEntry | null {
    const row = this.#s.byEventId.get(eventId);
    return row ? toEntry(row) : null;
  }

  /** Returns false when the entry is gone already (its echo came through sync before the answer to PUT). */
  markSent(id: number, eventId: string): boolean {
    // Lost in a power cut, the entry is sent again under its transaction ID, which the homeserver recognises.
    return this.#relaxed(() => this.#s.markSent.run(eventId, id)).changes > 0;
  }

  /** A temporary failure (offline, rate limited): the entry stays first in line. */
  recordAttempt(id: number, error: string): void {
    this.#relaxed(() => this.#s.markAttempt.run(error, id));
  }

  /** A permanent failure (the homeserver refused the event): shown to the user, who may retry. */
  markFailed(id: number, error: string): boolean {
    return this.#relaxed(() => this.#s.markFailed.run(error, id)).changes > 0;
  }

  retry(id: number): boolean {
    const retried = this.#relaxed(() => this.#s.retry.run(id)).changes > 0;
    this.#flushSoon();
    return retried;
  }

  /** The event came back through sync: the entry is done. Returns it, if it was here. */
  echoed(match: { txnId?: string | null; eventId: string }): OutboxEntry | null {
    const row = (match.txnId ? this.#s.echoedTxn.get(match.txnId) : undefined) ?? this.#s.echoedEvent.get(match.eventId);
    return row ? toEntry(row) : null;
  }

  /** Sent entries of a room whose echo can no longer come (the room's timeline was cut at a gap). */
  dropSent(roomId: string): void {
    this.#s.dropRoom.run(roomId);
  }

  clear(): void {
    this.#s.clear.run();
  }
}
