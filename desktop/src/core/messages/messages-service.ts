import type { ISyncResponse } from 'matrix-js-sdk';
import {
  eventKey,
  MatrixUserId,
  messageRoutes,
  refuseClassifiedMessage,
  roomKey,
  RpcError,
  type CreateRoomRequest,
  type Member,
  type MessagesConnection,
  type RoomSummary,
  type SearchHit,
  type TimelineAnchor,
  type TimelineItem,
  type TimelineWindow,
} from '@govdesk/shared';
import type { CoreEvents, ShellEventStream } from '../events.ts';
import type { LocalStore } from '../store/local-store.ts';
import type { EventRow, MatrixCache, RoomRow } from '../store/matrix-cache.ts';
import { newTxnId, type Outbox, type OutboxEntry } from '../store/outbox.ts';
import { CacheWriter, Changes, type Gap, type RawEvent } from './cache-writer.ts';
import { mayRedactOthers, startMatrixClient, type Log, type RunningClient } from './matrix-client.ts';
import { MatrixHttp, MatrixRequestError, matrixPath } from './matrix-http.ts';
import { downloadMedia, imageSize, uploadMedia } from './media.ts';
import { OutboxSender } from './outbox-sender.ts';
import { firstUnread, receiptLists } from './receipts.ts';
import { personName } from './room-names.ts';
import { fileInfo, mediaOf, messageKind, shownContent } from './timeline-items.ts';
import { isOwnMessage, TimelineView, type Me } from './timeline-view.ts';

/**
 * Messaging for the signed-in account: matrix-js-sdk's sync loop feeds the
 * encrypted cache, the renderer is answered from the cache (so an offline
 * start shows rooms and messages at once) and told about changes as
 * contract events; messages go out through the durable outbox. The
 * renderer never sees the access token.
 */

export interface MessagesServiceOptions {
  store: LocalStore;
  events: CoreEvents;
  shell: ShellEventStream;
  session: { homeserverUrl: string; userId: string; deviceId: string; accessToken: string; displayName: string };
  log?: Log | undefined;
}

/** The account whose messages the cache holds: another account's login starts from an empty cache. */
const OWNER_SETTING = 'messages.owner';
/** Pages of 100 events fetched to close a gap before the older cached events are given up. */
const GAP_PAGES = 5;
const PAGE_SIZE = 100;
/** Pages fetched for one timeline call whose window the cache cannot fill, each within this time. */
const WINDOW_PAGES = 3;
const WINDOW_FETCH_TIMEOUT_MS = 5_000;
/** Item updates per room in one event: more than a screen holds. */
const ITEMS_PER_EVENT = 100;
/** Files and images up to this size are kept in the cache, so they open offline. */
const MEDIA_CACHE_MAX = 2 * 1024 * 1024;
/** Transfers report progress at most this often (plus the last chunk). */
const PROGRESS_INTERVAL_MS = 100;
/** How long createRoom and join wait for the room to come through sync, so the renderer can open it at once. */
const ROOM_WAIT_MS = 15_000;
/** How long an edit or a redaction of a message sent a moment ago waits for its echo. */
const ECHO_WAIT_MS = 5_000;

/** People one directory search lists. */
const PEOPLE_LIMIT = 20;

const UNREACHABLE = '无法连接消息服务器，请联网后再试';

function summaryOf(row: RoomRow): RoomSummary {
  return {
    roomId: row.roomId,
    name: row.name || '未命名会话',
    kind: row.isDirect ? 'dm' : 'group',
    topic: row.topic,
    membership: row.membership === 'invite' ? 'invite' : 'join',
    memberCount: row.memberCount,
    unread: row.unread,
    // In a DM every message is addressed to the user.
    mentions: row.isDirect ? row.unread : Math.min(row.highlights, row.unread),
    lastMessage: row.preview === null ? null : { senderName: row.previewSender, preview: row.preview, ts: row.previewTs },
    ts: row.lastEventTs,
  };
}

const truncate = (text: string, max: number) => ([...text].length > max ? `${[...text].slice(0, max - 1).join('')}…` : text);

export class MessagesService {
  readonly #options: MessagesServiceOptions;
  readonly #cache: MatrixCache;
  readonly #outbox: Outbox;
  readonly #http: MatrixHttp;
  readonly #me: Me;
  readonly #writer: CacheWriter;
  readonly #view: TimelineView;
  readonly #sender: OutboxSender;
  #running: RunningClient | null = null;
  #connection: MessagesConnection = 'connecting';
  #focus: string | null = null;
  #closed = false;
  #badge = -1;
  /** Per room, the fetch of older events under way: gap fills and back-pagination share the room's token. */
  readonly #paging = new Map<string, Promise<unknown>>();
  /** Called after every sync response (createRoom and join wait for their room). */
  readonly #afterSync = new Set<() => void>();

  constructor(options: MessagesServiceOptions) {
    this.#options = options;
    const { store, session } = options;
    this.#cache = store.matrix;
    this.#outbox = store.outbox;
    if (store.settings.getRaw(OWNER_SETTING) !== session.userId) {
      MessagesService.forget(store);
      store.settings.setRaw(OWNER_SETTING, session.userId);
    }
    this.#http = new MatrixHttp(session);
    this.#me = { userId: session.userId, displayName: session.displayName };
    this.#writer = new CacheWriter(this.#cache, this.#outbox, session.userId);
    this.#view = new TimelineView(this.#cache, this.#outbox, this.#me);
    this.#sender = new OutboxSender({ outbox: this.#outbox, cache: this.#cache, http: this.#http, onEntry: (entry) => this.#entryChanged(entry), log: options.log });
  }

  /** Forgets the account's messages on this device (logout): the next person at this computer must not read them. */
  static forget(store: LocalStore): void {
    store.matrix.clear();
    store.outbox.clear();
    store.settings.delete(OWNER_SETTING);
  }

  /** Starts syncing and sending. Never waits for the network: everything answers from the cache meanwhile. */
  start(): void {
    const { session, log } = this.#options;
    this.#running = startMatrixClient({
      ...session,
      log,
      onSync: (data, initial) => this.#onSync(data, initial),
      onConnection: (connection) => this.#setConnection(connection),
    });
    this.#sender.start();
    this.#updateBadge();
  }

  async stop(): Promise<void> {
    this.#closed = true;
    this.#running?.stop();
    this.#running = null;
    this.#http.close();
    await this.#sender.stop();
    for (const resolve of this.#afterSync) resolve();
  }

  /** app.reconnect: the network may be back; retry the sync and the outbox now. */
  reconnect(): void {
    this.#running?.client.retryImmediately();
    this.#sender.kick();
  }

  // Reading

  rooms(): { rooms: RoomSummary[]; connection: MessagesConnection } {
    return { rooms: this.#cache.rooms().map(summaryOf), connection: this.#connection };
  }

  async timeline(roomId: string, anchor: TimelineAnchor, limit: number): Promise<TimelineWindow> {
    const room = this.#room(roomId);
    if (room.membership === 'invite') return { items: [], atStart: true, firstUnread: null };
    let rows: EventRow[];
    let latest = false;
    if (anchor.type === 'latest') {
      rows = await this.#filled(roomId, limit, () => this.#cache.latest(roomId, limit));
      latest = true;
    } else {
      const target = this.#event(roomId, anchor.eventId);
      if (anchor.type === 'before') {
        rows = await this.#filled(roomId, limit, () => this.#cache.before(roomId, target, limit));
      } else {
        const half = Math.floor(limit / 2);
        const after = this.#cache.after(roomId, target, limit - half - 1);
        rows = [...this.#cache.before(roomId, target, half), target, ...after];
        latest = after.length < limit - half - 1;
      }
    }
    const current = this.#room(roomId);
    const oldest = rows[0];
    const atStart = current.atStart && (oldest === undefined || this.#cache.before(roomId, oldest, 1).length === 0);
    const unread = current.unread > 0 ? firstUnread(rows, this.#me.userId, this.#cache.position(roomId, this.#me.userId)) : null;
    return { items: this.#view.items(roomId, rows, { withOutbox: latest }), atStart, firstUnread: unread };
  }

  /** Rows from the cache; when it has fewer than `limit` and the homeserver is reachable, older events are fetched first. */
  async #filled(roomId: string, limit: number, read: () => EventRow[]): Promise<EventRow[]> {
    let rows = read();
    for (let page = 0; page < WINDOW_PAGES && rows.length < limit && this.#connection === 'online'; page++) {
      const more = await this.#paginate(roomId).catch((error: unknown) => {
        this.#options.log?.('older messages not fetched', { level: 'warn', roomId, error: String(error) });
        return false;
      });
      if (!more) break;
      rows = read();
    }
    return rows;
  }

  receipts(roomId: string, eventId: string): { read: Member[]; unread: Member[] } {
    this.#room(roomId);
    const members = this.#cache
      .memberPositions(roomId)
      .filter((member) => MatrixUserId.safeParse(member.userId).success)
      .map((member) => ({ ...member, displayName: personName(member.userId, member.displayName) }));
    // Sent a moment ago, its echo not back yet: nobody has read it.
    const sent = this.#cache.event(eventId) === null ? this.#outbox.byEventId(eventId) : null;
    if (sent && sent.roomId === roomId) return receiptLists({ ts: Number.MAX_SAFE_INTEGER, id: 0, sender: this.#me.userId }, members.map((member) => ({ ...member, position: null })));
    const event = this.#event(roomId, eventId);
    return receiptLists({ ts: event.ts, id: event.id, sender: event.sender }, members);
  }

  members(roomId: string): { members: Member[] } {
    this.#room(roomId);
    const members = this.#cache
      .members(roomId)
      .filter((member) => member.membership === 'join' && MatrixUserId.safeParse(member.userId).success)
      .map((member) => ({ userId: member.userId, displayName: personName(member.userId, member.displayName) }))
      .sort((a, b) => a.displayName.localeCompare(b.displayName, 'zh-CN'));
    return { members };
  }

  search(query: string, limit: number): { hits: SearchHit[] } {
    const names = new Map<string, string>();
    const hits: SearchHit[] = [];
    for (const hit of this.#options.store.search.messages(query, limit)) {
      let roomName = names.get(hit.roomId);
      if (roomName === undefined) {
        const room = this.#cache.room(hit.roomId);
        if (!room || (room.membership !== 'join' && room.membership !== 'invite')) continue;
        names.set(hit.roomId, (roomName = room.name || '未命名会话'));
      }
      hits.push({ roomId: hit.roomId, roomName, eventId: hit.eventId, senderName: this.#view.nameOf(hit.roomId, hit.sender), ts: hit.ts, body: hit.body });
    }
    return { hits };
  }

  focus(roomId: string | null): void {
    this.#focus = roomId;
  }

  // Writing

  send(request: { roomId: string; body: string; replyTo?: string | undefined; mentions?: string[] | undefined }): { item: TimelineItem } {
    refuseClassifiedMessage(request);
    this.#joined(request.roomId);
    const mentions = new Set(request.mentions ?? []);
    const content: Record<string, unknown> = { msgtype: 'm.text', body: request.body };
    if (request.replyTo) {
      content['m.relates_to'] = { 'm.in_reply_to': { event_id: request.replyTo } };
      // A reply notifies the person replied to.
      const original = this.#cache.event(request.replyTo);
      if (original && original.sender !== this.#me.userId) mentions.add(original.sender);
    }
    // An empty m.mentions would say "nobody" explicitly, but Synapse takes measurably longer (about 2 ms) to accept a message carrying one;
    // without it, only its legacy rules (the user's name as a whole word, which Chinese text never has) could mention someone.
    if (mentions.size > 0) content['m.mentions'] = { user_ids: [...mentions] };
    return { item: this.#enqueue(request.roomId, content) };
  }

  async edit(request: { roomId: string; eventId: string; body: string }): Promise<void> {
    refuseClassifiedMessage(request);
    this.#joined(request.roomId);
    const original = await this.#eventSoon(request.roomId, request.eventId);
    const shown = shownContent(original);
    const kind = messageKind(shown);
    if (original.sender !== this.#me.userId || original.type !== 'm.room.message' || original.redacted || (kind !== 'text' && kind !== 'notice' && kind !== 'emote')) {
      throw new RpcError('not_allowed', '只能修改自己发送的文字消息');
    }
    const msgtype = shown.msgtype;
    this.#outbox.enqueue(request.roomId, 'm.room.message', {
      msgtype,
      body: `* ${request.body}`,
      'm.new_content': { msgtype, body: request.body, 'm.mentions': {} },
      'm.relates_to': { rel_type: 'm.replace', event_id: request.eventId },
      'm.mentions': {},
    });
    this.#emitRows(request.roomId, [original]);
    this.#sender.kick();
  }

  async redact(roomId: string, eventId: string): Promise<void> {
    this.#joined(roomId);
    const target = await this.#eventSoon(roomId, eventId);
    if (target.redacted) return;
    if (target.sender !== this.#me.userId && !(this.#running && mayRedactOthers(this.#running.client, roomId))) throw new RpcError('not_allowed', '只能撤回自己发送的消息');
    this.#outbox.enqueue(roomId, 'm.room.redaction', { redacts: eventId });
    this.#emitRows(roomId, [target]);
    this.#sender.kick();
  }

  retry(roomId: string, key: string): void {
    const entry = this.#outbox.byTxn(key);
    if (!entry || entry.roomId !== roomId) throw new RpcError('not_found', '没有这条待发送的消息');
    if (this.#outbox.retry(entry.id)) this.#entryChanged({ ...entry, state: 'pending', lastError: null });
    this.#sender.kick();
  }

  async sendFile(request: { roomId: string; name: string; mimeType: string; data: Uint8Array }): Promise<{ item: TimelineItem }> {
    refuseClassifiedMessage(request);
    this.#joined(request.roomId);
    const txnId = newTxnId();
    let mxc: string;
    try {
      mxc = await uploadMedia(this.#http, request, this.#progress(request.roomId, txnId, 'up'));
    } catch (error) {
      if (error instanceof MatrixRequestError && (error.status === 413 || error.errcode === 'M_TOO_LARGE')) throw new RpcError('file_too_large', '文件超过服务器允许的大小');
      throw this.#homeserverError(error);
    }
    if (this.#closed) throw new RpcError('not_logged_in', '已退出登录');
    const mimeType = request.mimeType || 'application/octet-stream';
    const image = mimeType.startsWith('image/');
    const size = image ? imageSize(request.data) : null;
    if (request.data.byteLength <= MEDIA_CACHE_MAX) this.#cache.putMedia(mxc, 'full', mimeType, request.data);
    const content = {
      msgtype: image ? 'm.image' : 'm.file',
      body: request.name,
      filename: request.name,
      url: mxc,
      info: { mimetype: mimeType, size: request.data.byteLength, ...(size ? { w: size.width, h: size.height } : {}) },
    };
    return { item: this.#enqueue(request.roomId, content, txnId) };
  }

  async download(roomId: string, eventId: string, thumbnail: boolean): Promise<{ name: string; mimeType: string; data: Uint8Array }> {
    this.#room(roomId);
    const event = this.#event(roomId, eventId);
    const content = shownContent(event);
    const media = event.redacted ? null : mediaOf(content);
    const file = fileInfo(content);
    if (!media || !file) throw new RpcError('not_found', '这条消息没有文件');
    const wantsThumbnail = thumbnail && messageKind(content) === 'image';
    // An image's own thumbnail is a small image of its own; otherwise the homeserver scales it.
    const [mxc, variant, viaThumbnailApi] = wantsThumbnail ? (media.thumbnailUrl ? [media.thumbnailUrl, 'full', false] : [media.url, 'thumbnail', true]) : [media.url, 'full', false];
    const cached = this.#cache.media(mxc, variant as 'full' | 'thumbnail') ?? (variant === 'thumbnail' ? this.#cache.media(mxc, 'full') : null);
    if (cached) return { name: file.name, mimeType: cached.mimeType, data: cached.data };
    const progress = this.#progress(roomId, eventId, 'down');
    let fetched: { mimeType: string; data: Uint8Array };
    try {
      fetched = await downloadMedia(this.#http, mxc, viaThumbnailApi as boolean, progress).catch((error: unknown) => {
        // No thumbnail can be made (a format the homeserver cannot scale): the image itself.
        if (viaThumbnailApi && error instanceof MatrixRequestError && error.failure === 'refused') return downloadMedia(this.#http, mxc, false, progress);
        throw error;
      });
    } catch (error) {
      if (error instanceof MatrixRequestError && error.status === 404) throw new RpcError('not_found', '文件已不在服务器上');
      throw this.#homeserverError(error);
    }
    if (!this.#closed && (variant === 'thumbnail' || fetched.data.byteLength <= MEDIA_CACHE_MAX)) this.#cache.putMedia(mxc, variant as 'full' | 'thumbnail', fetched.mimeType, fetched.data);
    return { name: file.name, mimeType: file.mimeType === 'application/octet-stream' ? fetched.mimeType : file.mimeType, data: fetched.data };
  }

  markRead(roomId: string, eventId: string): void {
    const room = this.#joined(roomId);
    const changes = new Changes();
    this.#cache.transaction(() => {
      const before = this.#cache.position(roomId, this.#me.userId);
      this.#writer.markRead(roomId, eventId, changes);
      const moved = this.#cache.position(roomId, this.#me.userId);
      // An older event than the one already read changes nothing, unless the homeserver still counts unread messages.
      if (room.unread === 0 && room.highlights === 0 && before !== null && moved !== null && before.ts === moved.ts && before.id === moved.id) return;
      this.#cache.markReadLocally(roomId, eventId);
      changes.rooms.add(roomId);
      changes.unreadChanged = true;
    });
    this.#emit(changes);
    this.#sender.kick();
  }

  async typing(roomId: string, typing: boolean): Promise<void> {
    this.#joined(roomId);
    await this.#http
      .json('PUT', matrixPath`/_matrix/client/v3/rooms/${roomId}/typing/${this.#me.userId}`, { body: typing ? { typing, timeout: 30_000 } : { typing }, timeoutMs: 5_000 })
      .catch((error: unknown) => this.#options.log?.('typing notice not sent', { error: String(error) }));
  }

  /**
   * The homeserver's user directory. Synapse splits Chinese names into single
   * characters when it indexes them but not when it reads a query, so a full
   * name (李娜) finds nobody: a Chinese query is also asked by its first
   * character, and those answers are kept when the name contains the query.
   */
  async findPeople(query: string): Promise<{ people: Member[] }> {
    const term = query.trim();
    if (!term) return { people: [] };
    const first = [...term][0] as string;
    const searches: { term: string; keep: (name: string) => boolean }[] = [{ term, keep: () => true }];
    if (/\p{Script=Han}/u.test(first) && first !== term) searches.push({ term: first, keep: (name: string) => name.includes(term) });
    const people = new Map<string, Member>();
    for (const search of searches) {
      let answer: { results?: { user_id?: unknown; display_name?: unknown }[] };
      try {
        // The first character's answers are filtered here: ask for more of them.
        const limit = search.term === term ? PEOPLE_LIMIT : PEOPLE_LIMIT * 5;
        answer = await this.#http.json('POST', '/_matrix/client/v3/user_directory/search', { body: { search_term: search.term, limit } });
      } catch (error) {
        throw this.#homeserverError(error);
      }
      for (const result of answer.results ?? []) {
        if (typeof result.user_id !== 'string' || result.user_id === this.#me.userId || !MatrixUserId.safeParse(result.user_id).success) continue;
        const displayName = personName(result.user_id, typeof result.display_name === 'string' ? result.display_name : null);
        if (search.keep(displayName)) people.set(result.user_id, { userId: result.user_id, displayName });
      }
    }
    return { people: [...people.values()].slice(0, PEOPLE_LIMIT) };
  }

  async createRoom(request: CreateRoomRequest): Promise<{ roomId: string }> {
    refuseClassifiedMessage(request);
    if (request.kind === 'dm') {
      const existing = this.#cache.rooms().find((room) => {
        const other = room.isDirect && room.membership === 'join' ? this.#cache.member(room.roomId, request.userId) : null;
        return other !== null && (other.membership === 'join' || other.membership === 'invite');
      });
      if (existing) return { roomId: existing.roomId };
    }
    const body =
      request.kind === 'dm'
        ? { preset: 'trusted_private_chat', is_direct: true, invite: [request.userId] }
        : { preset: 'private_chat', name: request.name, invite: request.invite.filter((userId) => userId !== this.#me.userId) };
    let roomId: string;
    try {
      ({ room_id: roomId } = await this.#http.json<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', { body }));
      if (request.kind === 'dm') await this.#addDirect(request.userId, roomId);
    } catch (error) {
      throw this.#homeserverError(error);
    }
    await this.#roomSynced(roomId);
    return { roomId };
  }

  async join(roomId: string): Promise<void> {
    const invited = this.#cache.room(roomId);
    try {
      await this.#http.json('POST', matrixPath`/_matrix/client/v3/join/${roomId}`, { body: {} });
      // The inviter marked it as a DM; this side keeps its own m.direct.
      if (invited?.isDirect) {
        const other = this.#cache.members(roomId).find((member) => member.userId !== this.#me.userId);
        if (other) await this.#addDirect(other.userId, roomId);
      }
    } catch (error) {
      if (error instanceof MatrixRequestError && error.failure === 'refused' && (error.errcode === 'M_NOT_FOUND' || error.errcode === 'M_FORBIDDEN')) throw new RpcError('not_found', '没有这个邀请，或邀请已撤回');
      throw this.#homeserverError(error);
    }
    await this.#roomSynced(roomId);
  }

  // Internals

  #room(roomId: string): RoomRow {
    const room = this.#cache.room(roomId);
    if (!room || (room.membership !== 'join' && room.membership !== 'invite')) throw new RpcError('not_found', '没有这个会话');
    return room;
  }

  #joined(roomId: string): RoomRow {
    const room = this.#room(roomId);
    if (room.membership !== 'join') throw new RpcError('not_found', '尚未加入这个会话');
    return room;
  }

  #event(roomId: string, eventId: string): EventRow {
    const event = this.#cache.event(eventId);
    if (!event || event.roomId !== roomId) throw new RpcError('not_found', '没有这条消息');
    return event;
  }

  /** An event, waiting (bounded) for its echo when it is the user's own message that the homeserver has just taken. */
  async #eventSoon(roomId: string, eventId: string): Promise<EventRow> {
    await this.#syncedUntil(() => this.#cache.event(eventId) !== null || this.#outbox.byEventId(eventId) === null, ECHO_WAIT_MS);
    return this.#event(roomId, eventId);
  }

  #enqueue(roomId: string, content: Record<string, unknown>, txnId?: string): TimelineItem {
    const entry = this.#outbox.enqueue(roomId, 'm.room.message', content, txnId);
    const item = this.#view.outboxItem(entry);
    if (!item) throw new Error('an outbox message without an item');
    this.#options.events.emit('messages.timeline', { roomId, items: [item] });
    this.#sender.kick();
    return item;
  }

  #homeserverError(error: unknown): RpcError {
    if (!(error instanceof MatrixRequestError)) return error as RpcError;
    if (error.status === 429 || error.errcode === 'M_LIMIT_EXCEEDED') return new RpcError('homeserver_error', '请求过于频繁，请稍后再试', { errcode: error.errcode });
    if (error.transient) return new RpcError('homeserver_unreachable', UNREACHABLE);
    return new RpcError('homeserver_error', `消息服务器拒绝了请求（${error.message}）`, { errcode: error.errcode });
  }

  async #addDirect(userId: string, roomId: string): Promise<void> {
    // The homeserver's copy, not the one sync brought: right after login there may be none yet, and a PUT replaces the whole list.
    const path = matrixPath`/_matrix/client/v3/user/${this.#me.userId}/account_data/m.direct`;
    const current = await this.#http.json<Record<string, unknown>>('GET', path).catch((error: unknown): Record<string, unknown> => {
      if (error instanceof MatrixRequestError && error.status === 404) return {};
      throw error;
    });
    const rooms = Array.isArray(current[userId]) ? (current[userId] as unknown[]).filter((id): id is string => typeof id === 'string') : [];
    if (rooms.includes(roomId)) return;
    await this.#http.json('PUT', path, { body: { ...current, [userId]: [...rooms, roomId] } });
  }

  /** Waits (bounded) until sync has brought the room in as joined, so the renderer can open it right away. */
  #roomSynced(roomId: string): Promise<void> {
    return this.#syncedUntil(() => this.#cache.room(roomId)?.membership === 'join', ROOM_WAIT_MS);
  }

  /** Resolves once `ready()` holds after a sync response (or at once), or after `timeoutMs`. */
  #syncedUntil(ready: () => boolean, timeoutMs: number): Promise<void> {
    if (this.#closed || ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#afterSync.delete(check);
        resolve();
      };
      const check = () => {
        if (this.#closed || ready()) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#afterSync.add(check);
    });
  }

  #progress(roomId: string, key: string, direction: 'up' | 'down'): (loaded: number, total: number) => void {
    let last = 0;
    return (loaded, total) => {
      const now = Date.now();
      if (loaded < total && now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      this.#options.events.emit('messages.transfer', { roomId, key, direction, loaded, total });
    };
  }

  #setConnection(connection: MessagesConnection): void {
    if (this.#closed || connection === this.#connection) return;
    this.#connection = connection;
    this.#options.events.emit('messages.connection', { connection });
    // Sync is back: so is the way to send.
    if (connection === 'online') this.#sender.kick();
  }

  async #onSync(data: ISyncResponse, initial: boolean): Promise<void> {
    const client = this.#running?.client;
    if (this.#closed || !client) return;
    // A throw here would end matrix-js-sdk's sync loop: log it and keep syncing.
    try {
      const changes = await this.#writer.writeSync(data, initial, client, () => this.#closed);
      if (this.#closed) return;
      this.#emit(changes, { notify: !initial });
      for (const gap of changes.gaps) void this.#fillGap(gap);
    } catch (error) {
      this.#options.log?.('a sync response was not cached', { level: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
    for (const check of [...this.#afterSync]) check();
  }

  /** Tells renderers (rooms, items, typing) and the shell (notifications, badge) what changed. */
  #emit(changes: Changes, options: { notify?: boolean } = {}): void {
    const { events } = this.#options;
    for (const [roomId, ids] of changes.rows) {
      const rows = [...ids].map((id) => this.#cache.eventByRowId(id)).filter((row): row is EventRow => row !== null);
      this.#emitRows(roomId, rows);
    }
    if (changes.rooms.size > 0 || changes.removed.size > 0) {
      const upserted: RoomSummary[] = [];
      for (const roomId of changes.rooms) {
        const row = this.#cache.room(roomId);
        if (row && (row.membership === 'join' || row.membership === 'invite')) upserted.push(summaryOf(row));
      }
      events.emit('messages.rooms', { upserted, removed: [...changes.removed] });
    }
    for (const [roomId, userIds] of changes.typing) {
      const members = userIds.filter((userId) => MatrixUserId.safeParse(userId).success).map((userId) => ({ userId, displayName: this.#view.nameOf(roomId, userId) }));
      events.emit('messages.typing', { roomId, members });
    }
    if (options.notify) this.#notify(changes);
    if (changes.unreadChanged) this.#updateBadge();
  }

  #emitRows(roomId: string, rows: readonly EventRow[]): void {
    const latest = [...rows].sort((a, b) => a.ts - b.ts || a.id - b.id).slice(-ITEMS_PER_EVENT);
    const items = this.#view.items(roomId, latest);
    if (items.length > 0) this.#options.events.emit('messages.timeline', { roomId, items });
  }

  #entryChanged(entry: OutboxEntry): void {
    if (isOwnMessage(entry)) {
      const item = this.#view.outboxItem(entry);
      if (item) this.#options.events.emit('messages.timeline', { roomId: entry.roomId, items: [item] });
      return;
    }
    // An edit or a redaction: its target shows it (or, failed, no longer does).
    const target = typeof entry.content.redacts === 'string' ? entry.content.redacts : (entry.content['m.relates_to'] as { event_id?: unknown } | undefined)?.event_id;
    const row = typeof target === 'string' ? this.#cache.event(target) : null;
    if (row) this.#emitRows(row.roomId, [row]);
  }

  #notify(changes: Changes): void {
    const { shell } = this.#options;
    for (const [roomId, row] of changes.incoming) {
      // The homeserver's push rules decide what notifies (a muted room does not); the room in front of the user does not either.
      if (roomId === this.#focus || (changes.notifying.get(roomId) ?? 0) === 0) continue;
      const room = this.#cache.room(roomId);
      if (!room) continue;
      const [item] = this.#view.items(roomId, [row]);
      if (!item) continue;
      const text = item.kind === 'image' ? '[图片]' : item.kind === 'file' ? `[文件] ${item.body}` : item.body.replace(/\s+/g, ' ');
      shell.emit('shell.notify', {
        title: truncate(room.name || item.senderName, 200),
        body: truncate(room.isDirect ? text : `${item.senderName}：${text}`, 1000),
        route: messageRoutes.event.href({ room: roomKey(roomId), event: eventKey(row.eventId) }),
      });
    }
    for (const roomId of changes.invites) {
      if (roomId === this.#focus) continue;
      const room = this.#cache.room(roomId);
      if (!room) continue;
      shell.emit('shell.notify', {
        title: truncate(room.name, 200),
        body: room.isDirect ? '邀请你开始单聊' : '邀请你加入群聊',
        route: messageRoutes.room.href({ room: roomKey(roomId) }),
      });
    }
  }

  #updateBadge(): void {
    const unread = this.#cache.totalUnread();
    if (unread === this.#badge) return;
    this.#badge = unread;
    this.#options.shell.emit('shell.badge', { unread });
  }

  /** Fetches older events for a window; false when there are none or no token to fetch with. */
  #paginate(roomId: string): Promise<boolean> {
    return this.#exclusive(roomId, async () => {
      const room = this.#cache.room(roomId);
      if (!room?.backToken || room.atStart) return false;
      // Someone waits for this window: a slow homeserver must not keep the cached part from them for long.
      const page = await this.#messagesPage(roomId, room.backToken, WINDOW_FETCH_TIMEOUT_MS);
      if (this.#closed) return false;
      const changes = new Changes();
      this.#cache.refetchableTransaction(() => {
        this.#writer.writeHistory(roomId, [...page.chunk].reverse(), changes);
        const reachedStart = page.end === null || page.chunk.some((event) => event.type === 'm.room.create');
        this.#cache.setPagination(roomId, page.end, reachedStart);
        this.#writer.writePreviews(changes);
      });
      // The caller answers with the older rows; windows open elsewhere page back themselves.
      changes.rows.clear();
      this.#emit(changes);
      return page.chunk.length > 0 || page.end === null;
    });
  }

  /**
   * Fetches the events between a limited sync batch and the latest cached
   * one. When GAP_PAGES pages do not reach it, the older cached events no
   * longer connect to the rest: they are dropped and paging back starts
   * again from where the fetch stopped.
   */
  #fillGap(gap: Gap): Promise<void> {
    return this.#exclusive(gap.roomId, async () => {
      const { roomId } = gap;
      let token: string | null = gap.from;
      let oldestFresh: EventRow | null = null;
      let connected = false;
      const changes = new Changes();
      for (let page = 0; page < GAP_PAGES && token !== null && !connected; page++) {
        const answer = await this.#messagesPage(roomId, token);
        if (this.#closed) return;
        const known = answer.chunk.findIndex((event) => typeof event.event_id === 'string' && this.#cache.event(event.event_id) !== null);
        const fresh = known === -1 ? answer.chunk : answer.chunk.slice(0, known);
        this.#cache.refetchableTransaction(() => this.#writer.writeHistory(roomId, [...fresh].reverse(), changes));
        for (const event of fresh) if (typeof event.event_id === 'string') oldestFresh = this.#cache.event(event.event_id) ?? oldestFresh;
        connected = known !== -1 || answer.end === null;
        token = answer.end;
      }
      this.#cache.transaction(() => {
        if (!connected) {
          const stopAt = this.#cache.event(gap.stopAt);
          const keepFrom = oldestFresh ?? (stopAt ? (this.#cache.after(roomId, stopAt, 1)[0] ?? null) : null);
          if (keepFrom) this.#cache.deleteBefore(roomId, keepFrom);
          this.#cache.setPagination(roomId, token, false);
          this.#outbox.dropSent(roomId);
          this.#options.log?.('a gap in a room was too long to fill; older cached messages dropped', { level: 'warn', roomId });
        }
        changes.previews.add(roomId);
        this.#writer.writePreviews(changes);
      });
      this.#emit(changes);
    }).catch((error: unknown) => this.#options.log?.('a gap in a room was not filled', { level: 'warn', roomId: gap.roomId, error: String(error) }));
  }

  async #messagesPage(roomId: string, from: string, timeoutMs?: number): Promise<{ chunk: RawEvent[]; end: string | null }> {
    const answer = await this.#http.json<{ chunk?: RawEvent[]; end?: string }>('GET', matrixPath`/_matrix/client/v3/rooms/${roomId}/messages`, {
      query: { dir: 'b', from, limit: PAGE_SIZE },
      timeoutMs,
    });
    return { chunk: answer.chunk ?? [], end: typeof answer.end === 'string' ? answer.end : null };
  }

  #exclusive<T>(roomId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#paging.get(roomId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => (this.#closed ? Promise.reject(new Error('messaging stopped')) : work()));
    const tail = next.catch(() => {});
    this.#paging.set(roomId, tail);
    void tail.then(() => {
      if (this.#paging.get(roomId) === tail) this.#paging.delete(roomId);
    });
    return next;
  }
}
