import type { CacheDatabase } from './database.ts';

/**
 * Rooms, members, timeline events, read receipts and small media as last
 * seen, so that a cold start shows the room list and recent messages before
 * any network answer.
 *
 * - A room row carries its summary (name, kind, counts, the last message's
 *   preview), so the room list is one scan of one table.
 * - An event's place in the timeline is (ts, row id); the (room_id, ts, id)
 *   index serves every window.
 * - `body` is what search indexes (triggers on matrix_events.body): an edit
 *   rewrites the original's body, a redaction sets it to NULL.
 */

type Content = Record<string, unknown>;

export type Membership = 'join' | 'invite' | 'leave' | 'ban' | 'knock';

/** What the room's state says of it: what sync writes. */
export interface RoomStateRow {
  roomId: string;
  name: string;
  topic: string;
  isDirect: boolean;
  membership: Membership;
  memberCount: number;
  /** When the room was first seen (an invitation has no event of its own to sort by). */
  seenTs: number;
}

/** A room as the room list reads it: its state and its summary. */
export interface RoomRow extends Omit<RoomStateRow, 'seenTs'> {
  /** The homeserver's notification count (messages from others after the user's receipt). */
  unread: number;
  /** Of those, the ones that mention the user (highlight count). */
  highlights: number;
  preview: string | null;
  previewSender: string;
  previewTs: number;
  lastEventTs: number;
  /** The /messages token for events older than the oldest cached one. */
  backToken: string | null;
  /** The room's first event is cached: nothing older exists. */
  atStart: boolean;
  /** A read receipt the user gave that the homeserver has not yet taken (offline). */
  readPending: string | null;
}


export interface MemberRow {
  userId: string;
  displayName: string;
  membership: string;
}

/** An event to cache. */
export interface CachedEvent {
  eventId: string;
  roomId: string;
  sender: string;
  type: string;
  ts: number;
  content: Content;
  stateKey?: string | null;
  prevContent?: Content | null;
  txnId?: string | null;
  /** The homeserver sent it already redacted. */
  redacted?: boolean;
}

export interface EventRow {
  id: number;
  eventId: string;
  roomId: string;
  /** Set for messages this device sent: the item keeps the key it had while 发送中. */
  txnId: string | null;
  sender: string;
  type: string;
  stateKey: string | null;
  ts: number;
  content: Content;
  /** m.room.member: what the membership was before (unsigned.prev_content). */
  prevContent: Content | null;
  /** The latest edit's m.new_content, if the message was edited. */
  edit: Content | null;
  redacted: boolean;
}

export interface Position {
  ts: number;
  id: number;
}

interface EventDbRow {
  id: number;
  event_id: string;
  room_id: string;
  txn_id: string | null;
  sender: string;
  type: string;
  state_key: string | null;
  ts: number;
  content: string;
  prev_content: string | null;
  edit: string | null;
  redacted: number;
}

interface RoomDbRow {
  room_id: string;
  name: string;
  topic: string;
  is_direct: number;
  membership: Membership;
  member_count: number;
  unread: number;
  highlights: number;
  preview: string | null;
  preview_sender: string;
  preview_ts: number;
  last_event_ts: number;
  back_token: string | null;
  at_start: number;
  read_pending: string | null;
}

const EVENT_COLUMNS = 'id, event_id, room_id, txn_id, sender, type, state_key, ts, content, prev_content, edit, redacted';

const toEvent = (row: EventDbRow): EventRow => ({
  id: row.id,
  eventId: row.event_id,
  roomId: row.room_id,
  txnId: row.txn_id,
  sender: row.sender,
  type: row.type,
  stateKey: row.state_key,
  ts: row.ts,
  content: JSON.parse(row.content) as Content,
  prevContent: row.prev_content === null ? null : (JSON.parse(row.prev_content) as Content),
  edit: row.edit === null ? null : (JSON.parse(row.edit) as Content),
  redacted: row.redacted === 1,
});

const toRoom = (row: RoomDbRow): RoomRow => ({
  roomId: row.room_id,
  name: row.name,
  topic: row.topic,
  isDirect: row.is_direct === 1,
  membership: row.membership,
  memberCount: row.member_count,
  unread: row.unread,
  highlights: row.highlights,
  preview: row.preview,
  previewSender: row.preview_sender,
  previewTs: row.preview_ts,
  lastEventTs: row.last_event_ts,
  backToken: row.back_token,
  atStart: row.at_start === 1,
  readPending: row.read_pending,
});

/** The text a person would search for in an event, if any. */
function searchableBody(type: string, content: Content, redacted: boolean): string | null {
  if (redacted || type !== 'm.room.message') return null;
  return typeof content.body === 'string' ? content.body : null;
}

/**
 * Runs writes committed to the WAL without waiting for the disk flush
 * (synchronous = NORMAL), for what can be had again after a power cut: an app
 * crash still loses nothing, and the cache stays consistent either way. The
 * connection's own setting (FULL) comes back after each.
 */
export function relaxedWrites(db: CacheDatabase): <T>(work: () => T) => T {
  const setting = db.pragma('synchronous', { simple: true }) as number;
  const relax = db.prepare('PRAGMA synchronous = NORMAL');
  const restore = db.prepare(`PRAGMA synchronous = ${setting}`);
  return (work) => {
    relax.run();
    try {
      return work();
    } finally {
      restore.run();
    }
  };
}

/** Small media (thumbnails, images) kept so that they show offline; the oldest go first past this many. */
const MEDIA_KEPT = 500;

export class MatrixCache {
  readonly #db: CacheDatabase;
  readonly #relaxed;
  readonly #s;

  constructor(db: CacheDatabase) {
    this.#db = db;
    this.#relaxed = relaxedWrites(db);
    const event = (where: string) => db.prepare<unknown[], EventDbRow>(`SELECT ${EVENT_COLUMNS} FROM matrix_events ${where}`);
    this.#s = {
      upsertRoom: db.prepare(
        'INSERT INTO matrix_rooms (room_id, name, topic, is_direct, membership, member_count, last_event_ts, updated_at) VALUES (@roomId, @name, @topic, @isDirect, @membership, @memberCount, @seenTs, @now) ' +
          'ON CONFLICT (room_id) DO UPDATE SET name = excluded.name, topic = excluded.topic, is_direct = excluded.is_direct, membership = excluded.membership, member_count = excluded.member_count, updated_at = excluded.updated_at',
      ),
      room: db.prepare<[string], RoomDbRow>('SELECT * FROM matrix_rooms WHERE room_id = ?'),
      rooms: db.prepare<[], RoomDbRow>("SELECT * FROM matrix_rooms WHERE membership IN ('join', 'invite') ORDER BY last_event_ts DESC, room_id"),
      totalUnread: db.prepare<[], { total: number | null }>("SELECT sum(unread) AS total FROM matrix_rooms WHERE membership = 'join'"),
      setUnread: db.prepare('UPDATE matrix_rooms SET unread = ?, highlights = ? WHERE room_id = ? AND (unread != ? OR highlights != ?)'),
      setDirect: db.prepare('UPDATE matrix_rooms SET is_direct = ?, name = ? WHERE room_id = ? AND (is_direct != ? OR name != ?)'),
      readLocally: db.prepare('UPDATE matrix_rooms SET unread = 0, highlights = 0, read_pending = ? WHERE room_id = ?'),
      readSent: db.prepare('UPDATE matrix_rooms SET read_pending = NULL WHERE room_id = ? AND read_pending = ?'),
      pendingReads: db.prepare<[], { room_id: string; read_pending: string }>('SELECT room_id, read_pending FROM matrix_rooms WHERE read_pending IS NOT NULL'),
      setPreview: db.prepare('UPDATE matrix_rooms SET preview = ?, preview_sender = ?, preview_ts = ? WHERE room_id = ?'),
      setPagination: db.prepare('UPDATE matrix_rooms SET back_token = ?, at_start = ? WHERE room_id = ?'),
      touchRoom: db.prepare('UPDATE matrix_rooms SET last_event_ts = max(last_event_ts, ?) WHERE room_id = ?'),
      insertRoomIfMissing: db.prepare('INSERT INTO matrix_rooms (room_id, updated_at) VALUES (?, ?) ON CONFLICT (room_id) DO NOTHING'),

      upsertMember: db.prepare(
        'INSERT INTO matrix_members (room_id, user_id, display_name, membership) VALUES (?, ?, ?, ?) ON CONFLICT (room_id, user_id) DO UPDATE SET display_name = excluded.display_name, membership = excluded.membership',
      ),
      members: db.prepare<[string], { user_id: string; display_name: string; membership: string }>('SELECT user_id, display_name, membership FROM matrix_members WHERE room_id = ? ORDER BY user_id'),
      member: db.prepare<[string, string], { display_name: string; membership: string }>('SELECT display_name, membership FROM matrix_members WHERE room_id = ? AND user_id = ?'),
      memberPositions: db.prepare<[string], { user_id: string; display_name: string; pos_ts: number | null; pos_id: number | null }>(
        "SELECT m.user_id, m.display_name, r.pos_ts, r.pos_id FROM matrix_members m LEFT JOIN matrix_receipts r ON r.room_id = m.room_id AND r.user_id = m.user_id WHERE m.room_id = ? AND m.membership = 'join'",
      ),

      insertEvent: db.prepare(
        'INSERT INTO matrix_events (event_id, room_id, sender, type, ts, content, body, state_key, prev_content, txn_id, redacted) VALUES (@eventId, @roomId, @sender, @type, @ts, @content, @body, @stateKey, @prevContent, @txnId, @redacted) ON CONFLICT (event_id) DO NOTHING',
      ),
      setTxn: db.prepare('UPDATE matrix_events SET txn_id = ? WHERE id = ? AND txn_id IS NULL'),
      byEventId: event('WHERE event_id = ?'),
      byRowId: event('WHERE id = ?'),
      latest: event('WHERE room_id = ? ORDER BY ts DESC, id DESC LIMIT ?'),
      before: event('WHERE room_id = ? AND (ts, id) < (?, ?) ORDER BY ts DESC, id DESC LIMIT ?'),
      after: event('WHERE room_id = ? AND (ts, id) > (?, ?) ORDER BY ts, id LIMIT ?'),
      between: event('WHERE room_id = ? AND (ts, id) > (?, ?) AND (ts, id) <= (?, ?) ORDER BY ts DESC, id DESC LIMIT ?'),
      latestMessage: event("WHERE room_id = ? AND type = 'm.room.message' ORDER BY ts DESC, id DESC LIMIT 1"),
      deleteBefore: db.prepare('DELETE FROM matrix_events WHERE room_id = ? AND (ts, id) < (?, ?)'),

      insertEdit: db.prepare('INSERT INTO matrix_edits (event_id, room_id, target, sender, ts, content) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING'),
      latestEdit: db.prepare<[string, string], { ts: number; content: string }>('SELECT ts, content FROM matrix_edits WHERE target = ? AND sender = ? ORDER BY ts DESC, event_id DESC LIMIT 1'),
      editTarget: db.prepare<[string], { target: string }>('SELECT target FROM matrix_edits WHERE event_id = ?'),
      deleteEdit: db.prepare('DELETE FROM matrix_edits WHERE event_id = ?'),
      applyEdit: db.prepare('UPDATE matrix_events SET edit = ?, edit_ts = ?, body = ? WHERE id = ?'),
      redactRow: db.prepare("UPDATE matrix_events SET redacted = 1, content = '{}', edit = NULL, edit_ts = NULL, body = NULL WHERE id = ?"),
      pendingRedaction: db.prepare<[string], { target: string }>('SELECT target FROM matrix_redactions WHERE target = ?'),
      insertRedaction: db.prepare('INSERT INTO matrix_redactions (target, room_id) VALUES (?, ?) ON CONFLICT (target) DO NOTHING'),

      receipt: db.prepare<[string, string], { event_id: string; pos_ts: number; pos_id: number }>('SELECT event_id, pos_ts, pos_id FROM matrix_receipts WHERE room_id = ? AND user_id = ?'),
      upsertReceipt: db.prepare(
        'INSERT INTO matrix_receipts (room_id, user_id, event_id, pos_ts, pos_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (room_id, user_id) DO UPDATE SET event_id = excluded.event_id, pos_ts = excluded.pos_ts, pos_id = excluded.pos_id',
      ),
      resolveReceipts: db.prepare('UPDATE matrix_receipts SET pos_ts = ?, pos_id = ? WHERE room_id = ? AND event_id = ?'),

      media: db.prepare<[string, string], { mime_type: string; data: Buffer }>('SELECT mime_type, data FROM matrix_media WHERE mxc = ? AND variant = ?'),
      putMedia: db.prepare('INSERT INTO matrix_media (mxc, variant, mime_type, data, stored_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (mxc, variant) DO UPDATE SET stored_at = excluded.stored_at'),
      trimMedia: db.prepare(`DELETE FROM matrix_media WHERE (mxc, variant) IN (SELECT mxc, variant FROM matrix_media ORDER BY stored_at DESC LIMIT -1 OFFSET ${MEDIA_KEPT})`),
    };
  }

  /** Runs `work` in one transaction (one fsync for a whole sync response). */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }

  /**
   * A transaction of what the homeserver already holds (sync responses,
   * history pages), committed without waiting for the disk: after a power
   * loss the cache is still consistent (WAL) and the lost commit is fetched
   * again, and received messages reach the screen a disk flush sooner. What
   * the user writes (the outbox, read receipts) keeps the connection's full
   * durability.
   */
  refetchableTransaction<T>(work: () => T): T {
    return this.#relaxed(() => this.#db.transaction(work)());
  }

  // Rooms

  upsertRoom(room: RoomStateRow): void {
    this.#s.upsertRoom.run({ ...room, isDirect: room.isDirect ? 1 : 0, now: Date.now() });
  }

  room(roomId: string): RoomRow | null {
    const row = this.#s.room.get(roomId);
    return row ? toRoom(row) : null;
  }

  /** Rooms the user is in or invited to, most recently active first. */
  rooms(): RoomRow[] {
    return this.#s.rooms.all().map(toRoom);
  }

  totalUnread(): number {
    return this.#s.totalUnread.get()?.total ?? 0;
  }

  /** Returns whether the counts changed. */
  setUnread(roomId: string, unread: number, highlights: number): boolean {
    return this.#s.setUnread.run(unread, highlights, roomId, unread, highlights).changes > 0;
  }

  /** Returns whether anything changed. */
  setDirect(roomId: string, isDirect: boolean, name: string): boolean {
    const flag = isDirect ? 1 : 0;
    return this.#s.setDirect.run(flag, name, roomId, flag, name).changes > 0;
  }

  /** The user has read the room up to `eventId`: no unread left here, and a receipt to send. */
  markReadLocally(roomId: string, eventId: string): void {
    this.#s.readLocally.run(eventId, roomId);
  }

  /** The homeserver took the receipt for `eventId` (a later markRead may have replaced it meanwhile). */
  readSent(roomId: string, eventId: string): void {
    this.#s.readSent.run(roomId, eventId);
  }

  pendingReads(): { roomId: string; eventId: string }[] {
    return this.#s.pendingReads.all().map((row) => ({ roomId: row.room_id, eventId: row.read_pending }));
  }

  setPreview(roomId: string, preview: { text: string; senderName: string; ts: number } | null): void {
    this.#s.setPreview.run(preview?.text ?? null, preview?.senderName ?? '', preview?.ts ?? 0, roomId);
  }

  setPagination(roomId: string, backToken: string | null, atStart: boolean): void {
    this.#s.setPagination.run(backToken, atStart ? 1 : 0, roomId);
  }

  // Members

  upsertMembers(roomId: string, members: readonly MemberRow[]): void {
    for (const member of members) this.#s.upsertMember.run(roomId, member.userId, member.displayName, member.membership);
  }

  members(roomId: string): MemberRow[] {
    return this.#s.members.all(roomId).map((row) => ({ userId: row.user_id, displayName: row.display_name, membership: row.membership }));
  }

  member(roomId: string, userId: string): { displayName: string; membership: string } | null {
    const row = this.#s.member.get(roomId, userId);
    return row ? { displayName: row.display_name, membership: row.membership } : null;
  }

  /** Joined members and how far each has read (null: no receipt and no message of theirs cached). */
  memberPositions(roomId: string): { userId: string; displayName: string; position: Position | null }[] {
    return this.#s.memberPositions.all(roomId).map((row) => ({
      userId: row.user_id,
      displayName: row.display_name,
      position: row.pos_ts === null || row.pos_id === null ? null : { ts: row.pos_ts, id: row.pos_id },
    }));
  }

  // Events

  /**
   * Stores an event (an event already stored keeps its row; it only gains the
   * transaction ID if it lacked one). A new row takes any edit or redaction
   * that arrived before it, and receipts that pointed at it get its position.
   */
  insertEvent(event: CachedEvent): { row: EventRow; inserted: boolean } {
    const pendingRedaction = this.#s.pendingRedaction.get(event.eventId) !== undefined;
    const redacted = event.redacted === true || pendingRedaction;
    const content = redacted ? {} : event.content;
    const result = this.#s.insertEvent.run({
      eventId: event.eventId,
      roomId: event.roomId,
      sender: event.sender,
      type: event.type,
      ts: event.ts,
      content: JSON.stringify(content),
      body: searchableBody(event.type, content, redacted),
      stateKey: event.stateKey ?? null,
      prevContent: event.prevContent ? JSON.stringify(event.prevContent) : null,
      txnId: event.txnId ?? null,
      redacted: redacted ? 1 : 0,
    });
    const inserted = result.changes > 0;
    let row = this.event(event.eventId) as EventRow;
    if (!inserted) {
      if (event.txnId && row.txnId === null) this.#s.setTxn.run(event.txnId, row.id);
      if (event.redacted && !row.redacted) this.#s.redactRow.run(row.id);
      if ((event.txnId && row.txnId === null) || (event.redacted && !row.redacted)) row = this.event(event.eventId) as EventRow;
      return { row, inserted };
    }
    this.#s.insertRoomIfMissing.run(event.roomId, Date.now());
    this.#s.touchRoom.run(event.ts, event.roomId);
    this.#s.resolveReceipts.run(row.ts, row.id, row.roomId, row.eventId);
    if (!redacted && this.#applyLatestEdit(row)) row = this.event(event.eventId) as EventRow;
    return { row, inserted };
  }

  /** Stores events and returns how many were new. */
  insertEvents(events: readonly CachedEvent[]): number {
    return this.transaction(() => events.reduce((inserted, event) => inserted + (this.insertEvent(event).inserted ? 1 : 0), 0));
  }

  /**
   * Records an edit (m.replace) and applies it to its original when the
   * original is cached and this is its sender's latest edit. Returns the
   * original's row when it changed.
   */
  applyEdit(edit: { eventId: string; roomId: string; sender: string; ts: number; target: string; newContent: Content }): EventRow | null {
    this.#s.insertEdit.run(edit.eventId, edit.roomId, edit.target, edit.sender, edit.ts, JSON.stringify(edit.newContent));
    const original = this.event(edit.target);
    if (!original || original.redacted) return null;
    return this.#applyLatestEdit(original) ? this.event(edit.target) : null;
  }

  #applyLatestEdit(original: EventRow): boolean {
    // Only the sender may edit a message.
    const latest = this.#s.latestEdit.get(original.eventId, original.sender);
    const content = latest ? (JSON.parse(latest.content) as Content) : null;
    if (JSON.stringify(content) === JSON.stringify(original.edit)) return false;
    const body = searchableBody(original.type, content ?? original.content, false);
    this.#s.applyEdit.run(latest ? latest.content : null, latest?.ts ?? null, body, original.id);
    return true;
  }

  /**
   * A redaction: the event's content goes (its text leaves the search index
   * too). A redacted edit no longer counts. When the event is not cached
   * yet, it arrives redacted. Returns the row that changed, if any.
   */
  redact(roomId: string, target: string): EventRow | null {
    const edited = this.#s.editTarget.get(target);
    if (edited) {
      this.#s.deleteEdit.run(target);
      const original = this.event(edited.target);
      return original && !original.redacted && this.#applyLatestEdit(original) ? this.event(edited.target) : null;
    }
    const row = this.event(target);
    if (!row) {
      this.#s.insertRedaction.run(target, roomId);
      return null;
    }
    if (row.redacted) return null;
    this.#s.redactRow.run(row.id);
    return this.event(target);
  }

  event(eventId: string): EventRow | null {
    const row = this.#s.byEventId.get(eventId);
    return row ? toEvent(row) : null;
  }

  eventByRowId(id: number): EventRow | null {
    const row = this.#s.byRowId.get(id);
    return row ? toEvent(row) : null;
  }

  /** The latest `limit` events of a room, oldest first. */
  latest(roomId: string, limit: number): EventRow[] {
    return this.#s.latest.all(roomId, limit).map(toEvent).reverse();
  }

  /** The `limit` events just before `position`, oldest first. */
  before(roomId: string, position: Position, limit: number): EventRow[] {
    return this.#s.before.all(roomId, position.ts, position.id, limit).map(toEvent).reverse();
  }

  /** The `limit` events just after `position`, oldest first. */
  after(roomId: string, position: Position, limit: number): EventRow[] {
    return this.#s.after.all(roomId, position.ts, position.id, limit).map(toEvent);
  }

  /** Events after `from` (exclusive; null: from the start) up to `to` (inclusive): the latest `limit` of them, oldest first. */
  between(roomId: string, from: Position | null, to: Position, limit: number): EventRow[] {
    const start = from ?? { ts: Number.MIN_SAFE_INTEGER, id: 0 };
    return this.#s.between.all(roomId, start.ts, start.id, to.ts, to.id, limit).map(toEvent).reverse();
  }

  latestMessage(roomId: string): EventRow | null {
    const row = this.#s.latestMessage.get(roomId);
    return row ? toEvent(row) : null;
  }

  /** Drops a room's events older than `position` (a gap that could not be closed: they no longer connect to the rest). */
  deleteBefore(roomId: string, position: Position): number {
    return this.#s.deleteBefore.run(roomId, position.ts, position.id).changes;
  }

  // Receipts

  position(roomId: string, userId: string): Position | null {
    const row = this.#s.receipt.get(roomId, userId);
    return row ? { ts: row.pos_ts, id: row.pos_id } : null;
  }

  /**
   * Moves a member's read position forward to `eventId` (a receipt, or their
   * own message). An event not cached yet is placed at the receipt's time
   * until it arrives. Returns the old and new positions when it moved.
   */
  moveReadPosition(roomId: string, userId: string, eventId: string, receiptTs: number): { from: Position | null; to: Position } | null {
    const event = this.event(eventId);
    const to: Position = event ? { ts: event.ts, id: event.id } : { ts: receiptTs, id: 0 };
    const current = this.#s.receipt.get(roomId, userId);
    const from = current ? { ts: current.pos_ts, id: current.pos_id } : null;
    if (from && (from.ts > to.ts || (from.ts === to.ts && from.id >= to.id))) return null;
    this.#s.upsertReceipt.run(roomId, userId, eventId, to.ts, to.id);
    return { from, to };
  }

  // Media

  media(mxc: string, variant: 'full' | 'thumbnail'): { mimeType: string; data: Uint8Array } | null {
    const row = this.#s.media.get(mxc, variant);
    return row ? { mimeType: row.mime_type, data: new Uint8Array(row.data) } : null;
  }

  putMedia(mxc: string, variant: 'full' | 'thumbnail', mimeType: string, data: Uint8Array): void {
    this.#s.putMedia.run(mxc, variant, mimeType, data, Date.now());
    this.#s.trimMedia.run();
  }

  /** Forgets everything of the account (logout, or another account on this device). */
  clear(): void {
    this.transaction(() => {
      for (const table of ['matrix_events', 'matrix_members', 'matrix_rooms', 'matrix_edits', 'matrix_redactions', 'matrix_receipts', 'matrix_media']) this.#db.prepare(`DELETE FROM ${table}`).run();
    });
  }
}
