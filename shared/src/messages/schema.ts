import { z } from 'zod';
import { MatrixUserId } from '../directory/ids.ts';
import { EventId, RoomId } from './ids.ts';

/**
 * What the renderer sees of messaging. Core runs the Matrix client and keeps
 * the cache; these are the shapes it hands over, already reduced to what a
 * screen shows (names resolved, edits applied, redactions blanked).
 */

export const Member = z.object({
  userId: MatrixUserId,
  displayName: z.string(),
});
export type Member = z.infer<typeof Member>;

export const RoomKind = z.enum(['dm', 'group']);
export type RoomKind = z.infer<typeof RoomKind>;

export const RoomSummary = z.object({
  roomId: RoomId,
  /** For a DM, the other person's name. */
  name: z.string(),
  kind: RoomKind,
  topic: z.string(),
  /** `invite`: the user was invited and has not joined yet. */
  membership: z.enum(['join', 'invite']),
  memberCount: z.number().int().nonnegative(),
  /** Messages from others after the user's read receipt. */
  unread: z.number().int().nonnegative(),
  /** Of those, the ones that mention the user (or are in a DM). */
  mentions: z.number().int().nonnegative(),
  lastMessage: z
    .object({
      senderName: z.string(),
      /** One line of plain text: the body, or [文件] name, [图片] … */
      preview: z.string(),
      ts: z.number().int(),
    })
    .nullable(),
  /** When the room last had activity, for sorting. */
  ts: z.number().int(),
});
export type RoomSummary = z.infer<typeof RoomSummary>;

export const FileInfo = z.object({
  name: z.string(),
  mimeType: z.string(),
  size: z.number().int().nonnegative(),
  /** Images: their size in pixels, so the timeline reserves the space before the thumbnail arrives. */
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
});
export type FileInfo = z.infer<typeof FileInfo>;

/** Where one of the user's own messages is on its way to the homeserver (the outbox). */
export const SendState = z.enum(['sending', 'failed', 'sent']);
export type SendState = z.infer<typeof SendState>;

export const TimelineItem = z.object({
  /**
   * Stable for the item's whole life: the transaction ID of a message sent
   * from this device (the same before and after the homeserver has it), the
   * event ID otherwise. The renderer replaces an item by this key.
   */
  key: z.string().min(1).max(300),
  /** null until the homeserver has the event. */
  eventId: EventId.nullable(),
  sender: MatrixUserId,
  senderName: z.string(),
  ts: z.number().int(),
  kind: z.enum(['text', 'notice', 'emote', 'file', 'image', 'redacted', 'membership']),
  /** The text shown: the latest edit's, empty when redacted, a sentence for membership changes. */
  body: z.string(),
  edited: z.boolean(),
  replyTo: z.object({ eventId: EventId, senderName: z.string(), preview: z.string() }).nullable(),
  /** Users mentioned (m.mentions). */
  mentions: z.array(MatrixUserId),
  file: FileInfo.nullable(),
  send: SendState,
  /** Why sending failed, worded by core. */
  sendError: z.string().nullable(),
  /** Of the members other than the sender, how many have read up to this event; null before it reached the homeserver. */
  receipts: z.object({ read: z.number().int().nonnegative(), unread: z.number().int().nonnegative() }).nullable(),
});
export type TimelineItem = z.infer<typeof TimelineItem>;

export const MessagesConnection = z.enum(['connecting', 'online', 'offline']);
export type MessagesConnection = z.infer<typeof MessagesConnection>;

/** Where a timeline window starts: the latest messages, older than an event (paging back), or around one (a search hit, the first unread). */
export const TimelineAnchor = z.discriminatedUnion('type', [
  z.object({ type: z.literal('latest') }).strict(),
  z.object({ type: z.literal('before'), eventId: EventId }).strict(),
  z.object({ type: z.literal('around'), eventId: EventId }).strict(),
]);
export type TimelineAnchor = z.infer<typeof TimelineAnchor>;

export const TimelineWindow = z.object({
  items: z.array(TimelineItem),
  /** No older events exist (the room's creation is in the window or before it). */
  atStart: z.boolean(),
  /** The first event from others the user has not read, if it is in the window. */
  firstUnread: EventId.nullable(),
});
export type TimelineWindow = z.infer<typeof TimelineWindow>;

export const SearchHit = z.object({
  roomId: RoomId,
  roomName: z.string(),
  eventId: EventId,
  senderName: z.string(),
  ts: z.number().int(),
  body: z.string(),
});
export type SearchHit = z.infer<typeof SearchHit>;

/** Files travel whole through the contract; larger ones are refused before they are read. */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

const Body = z.string().trim().min(1, '消息不能为空').max(20_000, '消息不能超过 20000 字');

export const SendMessageRequest = z
  .object({
    roomId: RoomId,
    body: Body,
    replyTo: EventId.optional(),
    mentions: z.array(MatrixUserId).max(100).optional(),
  })
  .strict();

export const EditMessageRequest = z.object({ roomId: RoomId, eventId: EventId, body: Body }).strict();

export const SendFileRequest = z
  .object({
    roomId: RoomId,
    name: z.string().trim().min(1).max(255),
    mimeType: z.string().max(255),
    data: z.custom<Uint8Array>((value) => value instanceof Uint8Array && value.byteLength <= MAX_FILE_BYTES, `expected at most ${MAX_FILE_BYTES} bytes`),
  })
  .strict();

export const CreateRoomRequest = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dm'), userId: MatrixUserId }).strict(),
  z.object({ kind: z.literal('group'), name: z.string().trim().min(1, '群名称不能为空').max(100), invite: z.array(MatrixUserId).min(1).max(200) }).strict(),
]);
export type CreateRoomRequest = z.infer<typeof CreateRoomRequest>;
