import type { CacheDatabase } from './database.ts';

export interface CachedRoom {
  roomId: string;
  name: string;
  topic: string;
  isDirect: boolean;
  isSpace: boolean;
  membership: string;
  lastEventTs: number;
}

export interface CachedEvent {
  eventId: string;
  roomId: string;
  sender: string;
  type: string;
  ts: number;
  content: Record<string, unknown>;
}

/** The text a person would search for in an event, if any. */
function searchableBody(event: CachedEvent): string | null {
  if (event.type !== 'm.room.message') return null;
  const body = event.content.body;
  return typeof body === 'string' ? body : null;
}

/**
 * Rooms, members and timeline events as last seen, so that a cold start shows
 * the room list and recent messages before any network answer.
 */
export class MatrixCache {
  readonly #db: CacheDatabase;
  readonly #upsertRoom;
  readonly #rooms;
  readonly #upsertMember;
  readonly #members;
  readonly #insertEvent;
  readonly #timeline;
  readonly #touchRoom;

  constructor(db: CacheDatabase) {
    this.#db = db;
    this.#upsertRoom = db.prepare(
      'INSERT INTO matrix_rooms (room_id, name, topic, is_direct, is_space, membership, last_event_ts, updated_at) VALUES (@roomId, @name, @topic, @isDirect, @isSpace, @membership, @lastEventTs, @updatedAt) ' +
        'ON CONFLICT (room_id) DO UPDATE SET name = excluded.name, topic = excluded.topic, is_direct = excluded.is_direct, is_space = excluded.is_space, membership = excluded.membership, ' +
        'last_event_ts = max(matrix_rooms.last_event_ts, excluded.last_event_ts), updated_at = excluded.updated_at',
    );
    this.#rooms = db.prepare<[], { room_id: string; name: string; topic: string; is_direct: number; is_space: number; membership: string; last_event_ts: number }>(
      "SELECT * FROM matrix_rooms WHERE membership IN ('join', 'invite') ORDER BY last_event_ts DESC, room_id",
    );
    this.#upsertMember = db.prepare(
      'INSERT INTO matrix_members (room_id, user_id, display_name, membership) VALUES (?, ?, ?, ?) ON CONFLICT (room_id, user_id) DO UPDATE SET display_name = excluded.display_name, membership = excluded.membership',
    );
    this.#members = db.prepare<[string], { user_id: string; display_name: string; membership: string }>('SELECT user_id, display_name, membership FROM matrix_members WHERE room_id = ? ORDER BY user_id');
    this.#insertEvent = db.prepare('INSERT INTO matrix_events (event_id, room_id, sender, type, ts, content, body) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING');
    this.#timeline = db.prepare<[string, number, number], { event_id: string; room_id: string; sender: string; type: string; ts: number; content: string }>(
      'SELECT event_id, room_id, sender, type, ts, content FROM (SELECT * FROM matrix_events WHERE room_id = ? AND ts < ? ORDER BY ts DESC, id DESC LIMIT ?) ORDER BY ts, id',
    );
    this.#touchRoom = db.prepare('UPDATE matrix_rooms SET last_event_ts = max(last_event_ts, ?) WHERE room_id = ?');
  }

  upsertRooms(rooms: readonly CachedRoom[]): void {
    const now = Date.now();
    this.#db.transaction(() => {
      for (const room of rooms) this.#upsertRoom.run({ ...room, isDirect: room.isDirect ? 1 : 0, isSpace: room.isSpace ? 1 : 0, updatedAt: now });
    })();
  }

  rooms(): CachedRoom[] {
    return this.#rooms.all().map((row) => ({
      roomId: row.room_id,
      name: row.name,
      topic: row.topic,
      isDirect: row.is_direct === 1,
      isSpace: row.is_space === 1,
      membership: row.membership,
      lastEventTs: row.last_event_ts,
    }));
  }

  upsertMembers(roomId: string, members: readonly { userId: string; displayName: string; membership: string }[]): void {
    this.#db.transaction(() => {
      for (const member of members) this.#upsertMember.run(roomId, member.userId, member.displayName, member.membership);
    })();
  }

  members(roomId: string): { userId: string; displayName: string; membership: string }[] {
    return this.#members.all(roomId).map((row) => ({ userId: row.user_id, displayName: row.display_name, membership: row.membership }));
  }

  /** Stores events (an event already stored is kept as it is) and returns how many were new. */
  insertEvents(events: readonly CachedEvent[]): number {
    return this.#db.transaction(() => {
      let inserted = 0;
      for (const event of events) {
        inserted += this.#insertEvent.run(event.eventId, event.roomId, event.sender, event.type, event.ts, JSON.stringify(event.content), searchableBody(event)).changes;
        this.#touchRoom.run(event.ts, event.roomId);
      }
      return inserted;
    })();
  }

  /** The latest `limit` events of a room before `beforeTs`, oldest first. */
  timeline(roomId: string, limit = 50, beforeTs = Number.MAX_SAFE_INTEGER): CachedEvent[] {
    return this.#timeline.all(roomId, beforeTs, limit).map((row) => ({
      eventId: row.event_id,
      roomId: row.room_id,
      sender: row.sender,
      type: row.type,
      ts: row.ts,
      content: JSON.parse(row.content) as Record<string, unknown>,
    }));
  }
}
