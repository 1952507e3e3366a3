import { MatrixUserId, type FileInfo, type SendState, type TimelineItem } from '@govdesk/shared';
import type { EventRow } from '../store/matrix-cache.ts';

/**
 * From cached Matrix events to what the timeline shows. Pure: the service
 * reads the cache and resolves names, replies and receipts; these functions
 * only decide how an event reads.
 */

type Content = Record<string, unknown>;

/** A cached event as the cache gives it back, wherever its row is. */
export type EventRecord = Omit<EventRow, 'id' | 'roomId'>;

export type MessageKind = 'text' | 'notice' | 'emote' | 'file' | 'image';

const isObject = (value: unknown): value is Content => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const positiveInt = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined);

export function messageKind(content: Content): MessageKind | null {
  if (typeof content.body !== 'string') return null;
  switch (content.msgtype) {
    case 'm.notice':
      return 'notice';
    case 'm.emote':
      return 'emote';
    case 'm.image':
      return 'image';
    case 'm.file':
    case 'm.audio':
    case 'm.video':
      return 'file';
    default:
      // Unknown message types must still show their body, says the spec.
      return 'text';
  }
}

/** The content a message shows: the latest edit's, or its own. */
export function shownContent(record: Pick<EventRecord, 'content' | 'edit'>): Content {
  return record.edit ?? record.content;
}

export function fileInfo(content: Content): FileInfo | null {
  const kind = messageKind(content);
  if (kind !== 'file' && kind !== 'image') return null;
  const info = isObject(content.info) ? content.info : {};
  const size = typeof info.size === 'number' && Number.isInteger(info.size) && info.size >= 0 ? info.size : 0;
  const file: FileInfo = {
    name: text(content.filename) ?? text(content.body) ?? '',
    mimeType: text(info.mimetype) ?? 'application/octet-stream',
    size,
  };
  const width = positiveInt(info.w);
  const height = positiveInt(info.h);
  if (width !== undefined && height !== undefined) Object.assign(file, { width, height });
  return file;
}

/** The mxc:// URI of a file or image message, and of its thumbnail if it has one. */
export function mediaOf(content: Content): { url: string; thumbnailUrl: string | null } | null {
  const url = text(content.url);
  if (!url?.startsWith('mxc://')) return null;
  const info = isObject(content.info) ? content.info : {};
  const thumbnailUrl = text(info.thumbnail_url);
  return { url, thumbnailUrl: thumbnailUrl?.startsWith('mxc://') ? thumbnailUrl : null };
}

/** The event a message replies to (m.relates_to.m.in_reply_to). */
export function replyTargetOf(content: Content): string | null {
  const relates = isObject(content['m.relates_to']) ? content['m.relates_to'] : null;
  const reply = relates && isObject(relates['m.in_reply_to']) ? relates['m.in_reply_to'] : null;
  const eventId = reply ? text(reply.event_id) : null;
  return eventId?.startsWith('$') ? eventId : null;
}

/** An edit (m.replace): the event it replaces and the new content. */
export function editOf(content: Content): { target: string; newContent: Content } | null {
  const relates = isObject(content['m.relates_to']) ? content['m.relates_to'] : null;
  if (relates?.rel_type !== 'm.replace') return null;
  const target = text(relates.event_id);
  const newContent = content['m.new_content'];
  if (!target?.startsWith('$') || !isObject(newContent)) return null;
  return { target, newContent };
}

/**
 * Replies once carried a quote of the original ("> <@a:b> text" lines and a
 * blank line) in front of the body; the reply is shown with its original
 * instead, so the quote goes.
 */
export function stripReplyFallback(body: string): string {
  if (!body.startsWith('>')) return body;
  const lines = body.split('\n');
  let index = 0;
  while (index < lines.length && (lines[index] as string).startsWith('>')) index++;
  if (index < lines.length && lines[index] === '') index++;
  return lines.slice(index).join('\n');
}

/** Users a message mentions (m.mentions.user_ids), valid IDs only. */
export function mentionsOf(content: Content): string[] {
  const mentions = isObject(content['m.mentions']) ? content['m.mentions'] : null;
  const ids = mentions && Array.isArray(mentions.user_ids) ? mentions.user_ids : [];
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && MatrixUserId.safeParse(id).success))].slice(0, 100);
}

const PREVIEW_LENGTH = 120;

/** One line for a room list or a quoted original: the text, or [图片] / [文件] name. */
export function previewOf(record: Pick<EventRecord, 'content' | 'edit' | 'redacted'>): string {
  if (record.redacted) return '[消息已撤回]';
  const content = shownContent(record);
  const kind = messageKind(content);
  if (kind === null) return '';
  if (kind === 'image') return '[图片]';
  if (kind === 'file') return `[文件] ${fileInfo(content)?.name ?? ''}`.trim();
  const body = stripReplyFallback(content.body as string).replace(/\s+/g, ' ').trim();
  const line = kind === 'emote' ? `* ${body}` : body;
  return [...line].length > PREVIEW_LENGTH ? `${[...line].slice(0, PREVIEW_LENGTH).join('')}…` : line;
}

/**
 * What a membership change reads as in a group ("李娜 加入了群聊"), or null
 * for changes nobody needs to see (an avatar) and for DMs, where joining and
 * inviting is how the conversation starts.
 */
export function membershipSentence(record: EventRecord, nameOf: (userId: string) => string, isDirect: boolean): string | null {
  if (isDirect) return null;
  if (record.type === 'm.room.create') return `${nameOf(record.sender)} 创建了群聊`;
  if (record.type !== 'm.room.member' || record.stateKey === null) return null;
  const membership = text(record.content.membership);
  const previous = text(record.prevContent?.membership) ?? 'leave';
  const target = text(record.content.displayname) ?? nameOf(record.stateKey);
  const actor = nameOf(record.sender);
  const self = record.sender === record.stateKey;
  switch (membership) {
    case 'join': {
      if (previous !== 'join') return `${target} 加入了群聊`;
      const before = text(record.prevContent?.displayname);
      const after = text(record.content.displayname);
      return before !== null && after !== null && before !== after ? `${before} 将名字改为 ${after}` : null;
    }
    case 'invite':
      return `${actor} 邀请 ${target} 加入了群聊`;
    case 'leave':
      if (self) return previous === 'invite' ? `${target} 拒绝了邀请` : `${target} 退出了群聊`;
      if (previous === 'invite') return `${actor} 撤回了对 ${target} 的邀请`;
      if (previous === 'ban') return `${actor} 解除了对 ${target} 的封禁`;
      return `${actor} 将 ${target} 移出了群聊`;
    case 'ban':
      return `${actor} 将 ${target} 移出群聊并禁止再加入`;
    case 'knock':
      return `${target} 申请加入群聊`;
    default:
      return null;
  }
}

export interface ItemParts {
  senderName: string;
  /** The original a reply quotes, already resolved (null: not a reply). */
  replyTo: TimelineItem['replyTo'];
  receipts: TimelineItem['receipts'];
  send: SendState;
  sendError: string | null;
  /** The user's own edits and redactions still in the outbox, shown at once. */
  pendingEdit?: Content | null;
  pendingRedaction?: boolean;
}

/** A cached event as a timeline item, or null when it shows nothing. */
export function eventItem(record: EventRecord, parts: ItemParts, nameOf: (userId: string) => string, isDirect: boolean): TimelineItem | null {
  if (!MatrixUserId.safeParse(record.sender).success) return null;
  const base = {
    key: record.txnId ?? record.eventId,
    eventId: record.eventId,
    sender: record.sender,
    senderName: parts.senderName,
    ts: record.ts,
    edited: false,
    replyTo: null,
    mentions: [],
    file: null,
    send: parts.send,
    sendError: parts.sendError,
    receipts: parts.receipts,
  } satisfies Partial<TimelineItem>;
  if (record.type !== 'm.room.message') {
    const sentence = membershipSentence(record, nameOf, isDirect);
    return sentence === null ? null : { ...base, kind: 'membership', body: sentence };
  }
  if (record.redacted || parts.pendingRedaction) return { ...base, kind: 'redacted', body: '' };
  const edit = parts.pendingEdit ?? record.edit;
  const content = edit ?? record.content;
  const kind = messageKind(content);
  if (kind === null) return null;
  const file = fileInfo(content);
  return {
    ...base,
    kind,
    body: kind === 'file' || kind === 'image' ? (file?.name ?? '') : stripReplyFallback(content.body as string),
    edited: edit !== null,
    replyTo: parts.replyTo,
    // The original's mentions: an edit's m.mentions lists only people mentioned anew.
    mentions: mentionsOf(record.content),
    file,
  };
}

/** A message still in the outbox (发送中, 发送失败, or sent and waiting for the homeserver's echo). */
export function outboxItem(
  entry: { txnId: string; eventId: string | null; createdAt: number; content: Content },
  me: { userId: string; displayName: string },
  parts: Pick<ItemParts, 'replyTo' | 'send' | 'sendError' | 'receipts'>,
): TimelineItem | null {
  const record: EventRecord = {
    eventId: entry.eventId ?? '',
    txnId: entry.txnId,
    sender: me.userId,
    type: 'm.room.message',
    stateKey: null,
    ts: entry.createdAt,
    content: entry.content,
    prevContent: null,
    edit: null,
    redacted: false,
  };
  const item = eventItem(record, { ...parts, senderName: me.displayName }, () => me.displayName, false);
  return item && { ...item, eventId: entry.eventId };
}

/** Whether an event is one the cache keeps as a timeline row (edits and redactions change rows instead). */
export function isTimelineEvent(type: string, content: Content): boolean {
  if (type === 'm.room.message') return editOf(content) === null;
  return type === 'm.room.member' || type === 'm.room.create';
}
