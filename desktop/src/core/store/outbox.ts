import { randomBytes } from 'node:crypto';
import type { CacheDatabase } from './database.ts';

export interface OutboxEntry {
  id: number;
  roomId: string;
  eventType: string;
  content: Record<string, unknown>;
  /** The Matrix transaction ID: sending the same entry twice cannot post it twice. */
  txnId: string;
  createdAt: number;
  attempts: number;
  lastError: string | null;
  state: 'pending' | 'sent' | 'failed';
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
});

/** Messages written offline, durable until the homeserver has them, sent in the order they were written. */
export class Outbox {
  readonly #insert;
  readonly #pending;
  readonly #markSent;
  readonly #markAttempt;
  readonly #markFailed;
  readonly #retry;

  constructor(db: CacheDatabase) {
    this.#insert = db.prepare('INSERT INTO outbox (room_id, event_type, content, txn_id, created_at) VALUES (?, ?, ?, ?, ?)');
    this.#pending = db.prepare<[], OutboxRow>("SELECT * FROM outbox WHERE state = 'pending' ORDER BY id");
    this.#markSent = db.prepare("UPDATE outbox SET state = 'sent', attempts = attempts + 1, last_error = NULL WHERE id = ?");
    this.#markAttempt = db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?');
    this.#markFailed = db.prepare("UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?");
    this.#retry = db.prepare("UPDATE outbox SET state = 'pending', last_error = NULL WHERE id = ? AND state = 'failed'");
  }

  enqueue(roomId: string, eventType: string, content: Record<string, unknown>): OutboxEntry {
    const txnId = `gd${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
    const createdAt = Date.now();
    const { lastInsertRowid } = this.#insert.run(roomId, eventType, JSON.stringify(content), txnId, createdAt);
    return { id: Number(lastInsertRowid), roomId, eventType, content, txnId, createdAt, attempts: 0, lastError: null, state: 'pending' };
  }

  /** Everything still to send, in the order it was written. */
  pending(): OutboxEntry[] {
    return this.#pending.all().map(toEntry);
  }

  markSent(id: number): void {
    this.#markSent.run(id);
  }

  /** A temporary failure (offline, rate limited): the entry stays first in line. */
  recordAttempt(id: number, error: string): void {
    this.#markAttempt.run(error, id);
  }

  /** A permanent failure (the homeserver refused the event): shown to the user, who may retry. */
  markFailed(id: number, error: string): void {
    this.#markFailed.run(error, id);
  }

  retry(id: number): void {
    this.#retry.run(id);
  }
}
