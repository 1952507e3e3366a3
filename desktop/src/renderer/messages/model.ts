import type { EventId, Language, Member, RoomId, RoomSummary, TimelineItem, TimelineWindow } from '@govdesk/shared';
import type { T } from './labels.ts';

/**
 * The pure part of the messages UI: how core's answers and events combine
 * into what the screen shows (the room list, the rows of a timeline) and how
 * times, receipts and typing are worded. No React, no core: unit-tested
 * as is (desktop/test/unit/renderer-messages.test.ts).
 */

// ---------------------------------------------------------------- rooms

/** One collator for every sort: `localeCompare` with a locale builds one per call, slow over a thousand rooms. */
const byName = new Intl.Collator('zh-CN').compare;

/** Most recent activity first; ties by name, so the order never flickers. */
export function sortRooms(rooms: readonly RoomSummary[]): RoomSummary[] {
  return [...rooms].sort((a, b) => b.ts - a.ts || byName(a.name, b.name));
}

/** A `messages.rooms` event applied to the list: rooms replaced whole by ID, removed ones dropped. */
export function applyRoomsDiff(rooms: readonly RoomSummary[], diff: { upserted: readonly RoomSummary[]; removed: readonly RoomId[] }): RoomSummary[] {
  const byId = new Map(rooms.map((room) => [room.roomId, room]));
  for (const roomId of diff.removed) byId.delete(roomId);
  for (const room of diff.upserted) byId.set(room.roomId, room);
  return sortRooms([...byId.values()]);
}

/** Search by name: case-insensitive for Latin names, substring for Chinese ones. */
export function matchesName(room: RoomSummary, query: string): boolean {
  const wanted = query.trim().toLocaleLowerCase();
  return wanted === '' || room.name.toLocaleLowerCase().includes(wanted);
}

/** The sidebar badge: unread messages, plus one for each invitation waiting for an answer. */
export function unreadTotal(rooms: readonly RoomSummary[]): number {
  return rooms.reduce((total, room) => total + (room.membership === 'invite' ? Math.max(1, room.unread) : room.unread), 0);
}

/** The room list's second line: in a group, who wrote it. */
export function previewLine(room: RoomSummary): string | null {
  if (!room.lastMessage) return null;
  return room.kind === 'group' ? `${room.lastMessage.senderName}：${room.lastMessage.preview}` : room.lastMessage.preview;
}

// ---------------------------------------------------------------- timeline

/** A contiguous stretch of a room's timeline, as the screen holds it. */
export interface TimelineState {
  items: TimelineItem[];
  /** Nothing older exists. */
  atStart: boolean;
  /** Nothing newer exists: live messages are appended. False for a window around an old event. */
  atEnd: boolean;
  firstUnread: EventId | null;
}

export function timelineFromWindow(window: TimelineWindow, atEnd: boolean): TimelineState {
  return { items: [...window.items], atStart: window.atStart, atEnd, firstUnread: window.firstUnread };
}

/**
 * Items of a `messages.timeline` event (or an older page) merged in: a known
 * key is replaced where it stands (a sent message keeps its place when its
 * event ID arrives); a new one is placed by time, but only inside the
 * stretch held, so a window around an old event never grows a gap.
 */
export function upsertItems(state: TimelineState, incoming: readonly TimelineItem[]): TimelineState {
  const items = [...state.items];
  const index = new Map(items.map((item, position) => [item.key, position]));
  let changed = false;
  for (const item of incoming) {
    const known = index.get(item.key);
    if (known !== undefined) {
      items[known] = item;
      changed = true;
      continue;
    }
    const first = items[0];
    const last = items[items.length - 1];
    const afterStart = state.atStart || (first !== undefined && item.ts >= first.ts);
    const beforeEnd = state.atEnd || (last !== undefined && item.ts <= last.ts);
    if (!afterStart || !beforeEnd) continue;
    // After every item at the same time or earlier: equal times keep their arrival order.
    let at = items.length;
    while (at > 0 && (items[at - 1] as TimelineItem).ts > item.ts) at -= 1;
    items.splice(at, 0, item);
    for (const [position, moved] of items.entries()) index.set(moved.key, position);
    changed = true;
  }
  return changed ? { ...state, items } : state;
}

/** An older page (anchor `before` the first item) put in front; items already held are not repeated. */
export function prependOlder(state: TimelineState, older: TimelineWindow): TimelineState {
  const held = new Set(state.items.map((item) => item.key));
  return { ...state, items: [...older.items.filter((item) => !held.has(item.key)), ...state.items], atStart: older.atStart, firstUnread: state.firstUnread ?? older.firstUnread };
}

/** The event a page of older messages starts before: the oldest item the homeserver has. */
export function oldestEventId(state: TimelineState): EventId | null {
  return state.items.find((item) => item.eventId !== null)?.eventId ?? null;
}

/** The newest event the homeserver has, which a read receipt names. */
export function latestEventId(items: readonly TimelineItem[]): EventId | null {
  for (let position = items.length - 1; position >= 0; position -= 1) {
    const eventId = (items[position] as TimelineItem).eventId;
    if (eventId !== null) return eventId;
  }
  return null;
}

export type Row =
  | { type: 'day'; key: string; ts: number }
  | { type: 'unread'; key: string }
  /** `continued`: the same sender as the row above, within a few minutes, so no name or avatar is repeated. */
  | { type: 'message'; key: string; item: TimelineItem; continued: boolean }
  /** Membership changes and the like: one centred line. */
  | { type: 'notice'; key: string; item: TimelineItem };

const RUN_GAP_MS = 5 * 60 * 1000;

/** A calendar day in local time, the unit of the timeline's day separators. */
export function localDay(ts: number): string {
  const date = new Date(ts);
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

/** The rows of a timeline: a separator at each new day, "以下为新消息" before the first unread, messages grouped by sender. */
export function timelineRows(items: readonly TimelineItem[], firstUnread: EventId | null): Row[] {
  const rows: Row[] = [];
  let day: string | null = null;
  let previous: TimelineItem | null = null;
  for (const item of items) {
    const itemDay = localDay(item.ts);
    let breaks = false;
    if (itemDay !== day) {
      rows.push({ type: 'day', key: `day:${itemDay}`, ts: item.ts });
      day = itemDay;
      breaks = true;
    }
    if (firstUnread !== null && item.eventId === firstUnread) {
      rows.push({ type: 'unread', key: 'unread' });
      breaks = true;
    }
    if (item.kind === 'membership') {
      rows.push({ type: 'notice', key: item.key, item });
      previous = null;
      continue;
    }
    const continued = !breaks && previous !== null && previous.sender === item.sender && item.ts - previous.ts < RUN_GAP_MS;
    rows.push({ type: 'message', key: item.key, item, continued });
    previous = item;
  }
  return rows;
}

// ---------------------------------------------------------------- words

/**
 * Intl formatters by language and options. Building one costs far more than
 * formatting with it (a fraction of a millisecond each), and the room list
 * and timeline format a time per row.
 */
const DATE_OPTIONS = {
  clock: { hour: '2-digit', minute: '2-digit', hour12: false },
  weekday: { weekday: 'short' },
  monthDay: { month: 'long', day: 'numeric' },
  date: { year: 'numeric', month: 'numeric', day: 'numeric' },
  dayThisYear: { month: 'long', day: 'numeric', weekday: 'long' },
  dayOtherYear: { year: 'numeric', month: 'long', day: 'numeric' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

const formatters = new Map<string, Intl.DateTimeFormat>();

function dateFormat(language: Language, kind: keyof typeof DATE_OPTIONS): Intl.DateTimeFormat {
  const key = `${language} ${kind}`;
  let format = formatters.get(key);
  if (!format) formatters.set(key, (format = new Intl.DateTimeFormat(language, DATE_OPTIONS[kind])));
  return format;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function daysBetween(ts: number, now: number): number {
  const startOf = (value: number) => {
    const date = new Date(value);
    return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
  };
  return Math.round((startOf(now) - startOf(ts)) / DAY_MS);
}

/** A day separator: 今天, 昨天, 5月3日星期日, or with the year when it is not this one. */
export function dayLabel(t: T, language: Language, ts: number, now: number): string {
  const days = daysBetween(ts, now);
  if (days === 0) return t('day.today');
  if (days === 1) return t('day.yesterday');
  const sameYear = new Date(ts).getFullYear() === new Date(now).getFullYear();
  return dateFormat(language, sameYear ? 'dayThisYear' : 'dayOtherYear').format(ts);
}

/** The time of a message: 09:05. */
export function clockTime(language: Language, ts: number): string {
  return dateFormat(language, 'clock').format(ts);
}

/** The room list's time, as chat apps show it: 09:05 today, 昨天, 周三 this week, 5月3日 this year, 2025/5/3 before. */
export function roomTimeLabel(t: T, language: Language, ts: number, now: number): string {
  const days = daysBetween(ts, now);
  if (days <= 0) return clockTime(language, ts);
  if (days === 1) return t('day.yesterday');
  if (days < 7) return dateFormat(language, 'weekday').format(ts);
  if (new Date(ts).getFullYear() === new Date(now).getFullYear()) return dateFormat(language, 'monthDay').format(ts);
  return dateFormat(language, 'date').format(ts);
}

/** Under one's own message: "1 人已读 / 1 人未读" in a group (全部已读 once nobody is left), 已读 or 未读 in a DM. */
export function receiptsLabel(t: T, receipts: { read: number; unread: number }, kind: RoomSummary['kind']): string {
  if (kind === 'dm') return receipts.unread === 0 && receipts.read > 0 ? t('receipts.dmRead') : t('receipts.dmUnread');
  if (receipts.unread === 0 && receipts.read > 0) return t('receipts.allRead');
  return t('receipts.summary', { read: receipts.read, unread: receipts.unread });
}

/** 张伟 正在输入…, 张伟、李娜 正在输入…, 张伟 等 3 人正在输入…; null when nobody is typing. */
export function typingLabel(t: T, members: readonly Member[]): string | null {
  const [first, second] = members;
  if (!first) return null;
  if (!second) return t('typing.one', { name: first.displayName });
  if (members.length === 2) return t('typing.two', { first: first.displayName, second: second.displayName });
  return t('typing.many', { name: first.displayName, count: members.length, others: members.length - 1 });
}

/**
 * Who a message mentions: the members whose "@name" is still in the text
 * when it is sent (a mention picked and then deleted does not count). Longer
 * names are matched first, so "@张伟明" is not also taken for "@张伟".
 */
export function mentionedUserIds(text: string, members: readonly Member[]): string[] {
  let rest = text;
  const found: string[] = [];
  for (const member of [...members].sort((a, b) => b.displayName.length - a.displayName.length)) {
    const mention = `@${member.displayName}`;
    if (member.displayName !== '' && rest.includes(mention)) {
      found.push(member.userId);
      rest = rest.replaceAll(mention, '');
    }
  }
  return found;
}

/** 1.2 MB, 830 KB, 12 B. */
export function formatBytes(language: Language, bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${new Intl.NumberFormat(language, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

const MAX_IMAGE = { width: 320, height: 240 };

/** The space an image takes in the timeline, reserved from its declared size before its thumbnail arrives. */
export function imageBox(file: { width?: number; height?: number }): { width: number; height: number } {
  const width = file.width ?? MAX_IMAGE.width;
  const height = file.height ?? MAX_IMAGE.height;
  const scale = Math.min(1, MAX_IMAGE.width / width, MAX_IMAGE.height / height);
  return { width: Math.max(48, Math.round(width * scale)), height: Math.max(48, Math.round(height * scale)) };
}

/** A transfer's progress in whole percent; 0 while the size is unknown. */
export function percentOf(loaded: number, total: number): number {
  return total > 0 ? Math.min(100, Math.floor((loaded / total) * 100)) : 0;
}

/** A search result's text cut into plain and matching parts, for highlighting; matching ignores Latin case. */
export function highlightParts(text: string, query: string): { text: string; match: boolean }[] {
  const wanted = query.trim().toLocaleLowerCase();
  if (wanted === '') return [{ text, match: false }];
  const lower = text.toLocaleLowerCase();
  const parts: { text: string; match: boolean }[] = [];
  let from = 0;
  for (let at = lower.indexOf(wanted); at !== -1; at = lower.indexOf(wanted, at + wanted.length)) {
    if (at > from) parts.push({ text: text.slice(from, at), match: false });
    parts.push({ text: text.slice(at, at + wanted.length), match: true });
    from = at + wanted.length;
  }
  if (from < text.length) parts.push({ text: text.slice(from), match: false });
  return parts;
}
