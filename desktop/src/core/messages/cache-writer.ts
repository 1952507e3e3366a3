import type { IJoinedRoom, ISyncResponse, MatrixClient } from 'matrix-js-sdk';
import type { EventRow, MatrixCache, Membership } from '../store/matrix-cache.ts';
import type { Outbox } from '../store/outbox.ts';
import { directRoomIds, roomStateOf } from './matrix-client.ts';
import { isDirectRoom, roomName } from './room-names.ts';
import { editOf, isTimelineEvent, membershipSentence, previewOf } from './timeline-items.ts';

/**
 * Writes what the homeserver sends — /sync responses and /messages pages —
 * into the cache, and collects what changed so the service can tell the
 * renderer (items, room summaries), the shell (notifications) and itself
 * (gaps to fill).
 */

type Content = Record<string, unknown>;

/** An event as the client-server API delivers it. */
export interface RawEvent {
  event_id?: unknown;
  type?: unknown;
  sender?: unknown;
  origin_server_ts?: unknown;
  content?: unknown;
  state_key?: unknown;
  redacts?: unknown;
  unsigned?: { transaction_id?: unknown; redacted_because?: unknown; prev_content?: unknown };
}

/** Between the cached timeline and a limited sync batch lie events neither has: fetch them back to `stopAt`. */
export interface Gap {
  roomId: string;
  /** The batch's prev_batch token. */
  from: string;
  /** The latest event cached before the batch came. */
  stopAt: string;
}

export class Changes {
  /** Rooms whose summary changed. */
  readonly rooms = new Set<string>();
  /** Rooms the user left or was removed from. */
  readonly removed = new Set<string>();
  /** Rows whose item changed (new, edited, redacted, sent, read by more people), per room. */
  readonly rows = new Map<string, Set<number>>();
  /** Rooms whose last message may have changed. */
  readonly previews = new Set<string>();
  readonly gaps: Gap[] = [];
  /** Who types now, per room the homeserver told about. */
  readonly typing = new Map<string, string[]>();
  /** The latest new message from someone else, per room (live syncs only): what a notification shows. */
  readonly incoming = new Map<string, EventRow>();
  /** The homeserver's notification count per room, as this response gave it. */
  readonly notifying = new Map<string, number>();
  /** Invitations that arrived in this response (not at the first sync). */
  readonly invites: string[] = [];
  unreadChanged = false;

  row(roomId: string, id: number): void {
    let rows = this.rows.get(roomId);
    if (!rows) this.rows.set(roomId, (rows = new Set()));
    rows.add(id);
  }
}

const isObject = (value: unknown): value is Content => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Rooms of one sync response written per transaction. */
const SYNC_CHUNK = 50;

/** Of the events a receipt newly covers, this many (the latest) have their item refreshed: enough for what a screen shows. */
const RECEIPT_REFRESH = 100;

export class CacheWriter {
  readonly #cache: MatrixCache;
  readonly #outbox: Outbox;
  readonly #me: string;

  constructor(cache: MatrixCache, outbox: Outbox, me: string) {
    this.#cache = cache;
    this.#outbox = outbox;
    this.#me = me;
  }

  /**
   * One /sync response. `initial`: the first sync of this client
   * (matrix-js-sdk keeps no sync token across restarts, so every start
   * begins with one), whose events are history, not news. A large response
   * (the first sync of an account with many rooms) is written in
   * transactions of SYNC_CHUNK rooms, letting the event loop answer the
   * renderer from the cache between them; a usual one is one transaction.
   */
  async writeSync(data: ISyncResponse, initial: boolean, client: MatrixClient, stopped: () => boolean): Promise<Changes> {
    const changes = new Changes();
    const direct = directRoomIds(client);
    const joined = Object.entries(data.rooms?.join ?? {});
    for (let start = 0; start < joined.length; start += SYNC_CHUNK) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      // Logged out meanwhile: the cache was emptied and must stay so.
      if (stopped()) return changes;
      this.#cache.refetchableTransaction(() => {
        for (const [roomId, room] of joined.slice(start, start + SYNC_CHUNK)) this.#writeJoined(roomId, room, initial, client, direct, changes);
      });
    }
    this.#cache.refetchableTransaction(() => {
      for (const roomId of Object.keys(data.rooms?.invite ?? {})) {
        const known = this.#cache.room(roomId);
        this.#writeRoom(roomId, 'invite', client, direct, changes, true);
        if (!initial && known?.membership !== 'invite') changes.invites.push(roomId);
      }
      for (const roomId of Object.keys(data.rooms?.leave ?? {})) {
        this.#writeRoom(roomId, 'leave', client, direct, changes, false);
        changes.rooms.delete(roomId);
        changes.removed.add(roomId);
        changes.unreadChanged = true;
      }
      if ((data.account_data?.events ?? []).some((event) => event.type === 'm.direct')) this.#refreshKinds(client, changes);
      this.writePreviews(changes);
    });
    return changes;
  }

  #writeJoined(roomId: string, joined: IJoinedRoom, initial: boolean, client: MatrixClient, direct: Set<string>, changes: Changes): void {
    const known = this.#cache.room(roomId);
    const events = (joined.timeline?.events ?? []) as RawEvent[];
    const stateChanged =
      initial ||
      known?.membership !== 'join' ||
      (joined.state?.events.length ?? 0) > 0 ||
      (joined['org.matrix.msc4222.state_after']?.events.length ?? 0) > 0 ||
      events.some((event) => typeof event.state_key === 'string');
    this.#writeRoom(roomId, 'join', client, direct, changes, stateChanged);
    const latestBefore = this.#cache.latest(roomId, 1)[0] ?? null;
    for (const event of events) this.writeEvent(roomId, event, changes, { live: !initial });
    this.#placeBatch(roomId, joined.timeline ?? { events: [], prev_batch: null }, events, initial, latestBefore, changes);
    for (const event of (joined.ephemeral?.events ?? []) as RawEvent[]) this.#writeEphemeral(roomId, event, changes);
    // A room seen for the first time has nothing on screen to update.
    if (initial && latestBefore === null) changes.rows.delete(roomId);
    const counts = joined.unread_notifications ?? {};
    const unread = counts.notification_count ?? 0;
    changes.notifying.set(roomId, unread);
    // Until the homeserver has the user's receipt, its counts predate it.
    if (!this.#cache.room(roomId)?.readPending && this.#cache.setUnread(roomId, unread, counts.highlight_count ?? 0)) {
      changes.rooms.add(roomId);
      changes.unreadChanged = true;
    }
    if (known?.membership !== 'join') changes.unreadChanged = true;
  }

  /** Events of a /messages page (oldest first): history, never news. */
  writeHistory(roomId: string, events: readonly RawEvent[], changes: Changes): void {
    for (const event of events) this.writeEvent(roomId, event, changes, { live: false });
  }

  /** One timeline event: a new row, an edit or a redaction of one, or nothing the timeline shows. */
  writeEvent(roomId: string, raw: RawEvent, changes: Changes, options: { live: boolean }): void {
    if (typeof raw.event_id !== 'string' || typeof raw.type !== 'string' || typeof raw.sender !== 'string') return;
    const eventId = raw.event_id;
    const content = isObject(raw.content) ? raw.content : {};
    const ts = typeof raw.origin_server_ts === 'number' ? raw.origin_server_ts : Date.now();
    const txnId = typeof raw.unsigned?.transaction_id === 'string' ? raw.unsigned.transaction_id : null;
    // The user's own event back from the homeserver: its outbox entry is done.
    const echo = raw.sender === this.#me ? this.#outbox.echoed({ txnId, eventId }) : null;

    if (raw.type === 'm.room.redaction') {
      const target = typeof raw.redacts === 'string' ? raw.redacts : typeof content.redacts === 'string' ? content.redacts : null;
      if (target === null) return;
      const row = this.#cache.redact(roomId, target) ?? (echo ? this.#cache.event(target) : null);
      if (row) this.#changed(row, changes);
      return;
    }
    const edit = raw.type === 'm.room.message' ? editOf(content) : null;
    if (edit) {
      const row = this.#cache.applyEdit({ eventId, roomId, sender: raw.sender, ts, target: edit.target, newContent: edit.newContent }) ?? (echo ? this.#cache.event(edit.target) : null);
      if (row) this.#changed(row, changes);
      return;
    }
    if (!isTimelineEvent(raw.type, content)) return;
    const stateKey = typeof raw.state_key === 'string' ? raw.state_key : null;
    const prevContent = isObject(raw.unsigned?.prev_content) ? raw.unsigned.prev_content : null;
    // Avatar and other profile changes say nothing worth a line.
    if (raw.type === 'm.room.member' && membershipSentence({ eventId, txnId, sender: raw.sender, type: raw.type, stateKey, ts, content, prevContent, edit: null, redacted: false }, (id) => id, false) === null) return;
    const { row, inserted } = this.#cache.insertEvent({
      eventId,
      roomId,
      sender: raw.sender,
      type: raw.type,
      ts,
      content,
      stateKey,
      prevContent,
      txnId: txnId ?? echo?.txnId ?? null,
      redacted: raw.unsigned?.redacted_because !== undefined,
    });
    if (!inserted && !echo) return;
    this.#changed(row, changes);
    if (!inserted || row.type !== 'm.room.message') return;
    // Whoever writes has read what came before.
    this.#moveReadPosition(roomId, raw.sender, eventId, ts, changes);
    if (options.live && raw.sender !== this.#me && !row.redacted) changes.incoming.set(roomId, row);
  }

  /** Recomputes the last message of rooms whose messages changed. */
  writePreviews(changes: Changes): void {
    for (const roomId of changes.previews) {
      const latest = this.#cache.latestMessage(roomId);
      const room = this.#cache.room(roomId);
      const preview = latest ? { text: previewOf(latest), senderName: this.#senderName(roomId, latest.sender), ts: latest.ts } : null;
      if (room && (room.preview !== (preview?.text ?? null) || room.previewTs !== (preview?.ts ?? 0))) {
        this.#cache.setPreview(roomId, preview);
        changes.rooms.add(roomId);
      }
    }
    changes.previews.clear();
  }

  /** Moves a member's read position (a receipt, or their own message) and refreshes the items whose counts changed. */
  #moveReadPosition(roomId: string, userId: string, eventId: string, receiptTs: number, changes: Changes): void {
    const moved = this.#cache.moveReadPosition(roomId, userId, eventId, receiptTs);
    if (!moved) return;
    for (const row of this.#cache.between(roomId, moved.from, moved.to, RECEIPT_REFRESH)) if (row.sender !== userId && row.type === 'm.room.message') changes.row(roomId, row.id);
  }

  /** Moves the user's own read position (messages.markRead), refreshing the items whose counts changed. */
  markRead(roomId: string, eventId: string, changes: Changes): void {
    this.#moveReadPosition(roomId, this.#me, eventId, Date.now(), changes);
  }

  #changed(row: EventRow, changes: Changes): void {
    changes.row(row.roomId, row.id);
    if (row.type === 'm.room.message') changes.previews.add(row.roomId);
  }

  #senderName(roomId: string, userId: string): string {
    const member = this.#cache.member(roomId, userId);
    return member?.displayName || (userId.startsWith('@') && userId.includes(':') ? userId.slice(1, userId.indexOf(':')) : userId);
  }

  /** Name, kind, topic, members and membership from matrix-js-sdk's current state of the room. */
  #writeRoom(roomId: string, membership: Membership, client: MatrixClient, direct: Set<string>, changes: Changes, withMembers: boolean): void {
    const room = client.getRoom(roomId);
    if (!room) return;
    const state = roomStateOf(room);
    const isDirect = isDirectRoom(state, direct.has(roomId));
    this.#cache.upsertRoom({
      roomId,
      name: roomName(state, this.#me, isDirect),
      topic: state.topic,
      isDirect,
      membership,
      memberCount: state.members.filter((member) => member.membership === 'join').length,
      seenTs: Date.now(),
    });
    if (withMembers) this.#cache.upsertMembers(roomId, state.members);
    changes.rooms.add(roomId);
  }

  /** m.direct changed: rooms may have become DMs (or stopped being ones), which changes their names too. */
  #refreshKinds(client: MatrixClient, changes: Changes): void {
    const direct = directRoomIds(client);
    for (const cached of this.#cache.rooms()) {
      const room = client.getRoom(cached.roomId);
      if (!room) continue;
      const state = roomStateOf(room);
      const isDirect = isDirectRoom(state, direct.has(cached.roomId));
      if (this.#cache.setDirect(cached.roomId, isDirect, roomName(state, this.#me, isDirect))) changes.rooms.add(cached.roomId);
    }
  }

  /**
   * Where a sync batch sits against the cache: the first batch of a room
   * gives its back-pagination token; a limited batch that does not reach
   * the latest cached event leaves a gap to fill.
   */
  #placeBatch(
    roomId: string,
    timeline: { limited?: boolean; prev_batch: string | null },
    events: readonly RawEvent[],
    initial: boolean,
    latestBefore: EventRow | null,
    changes: Changes,
  ): void {
    const reachesStart = events.some((event) => event.type === 'm.room.create') || (initial && !timeline.limited);
    if (latestBefore === null) {
      const room = this.#cache.room(roomId);
      if (room && room.backToken === null && !room.atStart) this.#cache.setPagination(roomId, timeline.prev_batch, reachesStart || timeline.prev_batch === null);
      return;
    }
    if (events.length === 0 || !timeline.limited || timeline.prev_batch === null) return;
    if (events.some((event) => event.event_id === latestBefore.eventId)) return;
    changes.gaps.push({ roomId, from: timeline.prev_batch, stopAt: latestBefore.eventId });
  }

  #writeEphemeral(roomId: string, event: RawEvent, changes: Changes): void {
    const content = isObject(event.content) ? event.content : {};
    if (event.type === 'm.typing') {
      const ids = Array.isArray(content.user_ids) ? content.user_ids.filter((id): id is string => typeof id === 'string' && id !== this.#me) : [];
      changes.typing.set(roomId, ids);
      return;
    }
    if (event.type !== 'm.receipt') return;
    for (const [eventId, byType] of Object.entries(content)) {
      if (!isObject(byType)) continue;
      for (const type of ['m.read', 'm.read.private']) {
        const receipts = byType[type];
        if (!isObject(receipts)) continue;
        for (const [userId, receipt] of Object.entries(receipts)) {
          const ts = isObject(receipt) && typeof receipt.ts === 'number' ? receipt.ts : Date.now();
          this.#moveReadPosition(roomId, userId, eventId, ts, changes);
        }
      }
    }
  }
}
