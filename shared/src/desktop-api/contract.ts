import { z } from 'zod';
import { DirectorySearchRequest, DirectorySearchResult, Me } from '../directory/schema.ts';
import { classifiedFields, CLASSIFIED_REFUSAL } from '../documents/classified.ts';
import { CreateDocumentRequest, DocumentId, DocumentSummary, Share, ShareRequest } from '../documents/schema.ts';
import { method, type ContractSpec } from '../rpc/contract.ts';
import { RpcError } from '../rpc/envelope.ts';
import { classifiedMessageFields } from '../messages/classified.ts';
import { EventId, RoomId } from '../messages/ids.ts';
import {
  CreateRoomRequest,
  EditMessageRequest,
  Member,
  MessagesConnection,
  RoomSummary,
  SearchHit,
  SendFileRequest,
  SendMessageRequest,
  TimelineAnchor,
  TimelineItem,
  TimelineWindow,
} from '../messages/schema.ts';
import { LoginParams, SessionInfo } from '../session/schema.ts';
import { DeepLinkRoute } from './routes.ts';

const None = z.object({}).strict();

/** What the app was configured with, for forms to start from. */
export const AppDefaults = z.object({
  homeserverUrl: z.url().nullable(),
});
export type AppDefaults = z.infer<typeof AppDefaults>;

/** The languages of the UI, Chinese first. Core keeps the choice; the renderer and Electron main follow it. */
export const Language = z.enum(['zh-CN', 'en']);
export type Language = z.infer<typeof Language>;
const LanguageChoice = z.object({ language: Language }).strict();

/** y-protocols messages between the renderer's Y.Doc and core's replica. */
const Bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'expected bytes');

export const DocumentStatus = z.object({
  /** online: synced with the sync-server; connecting; offline: edits stay in the local cache; no_access: the right was revoked. */
  connection: z.enum(['connecting', 'online', 'offline', 'no_access']),
  /** The sync-server holds, durably, everything this device has (已保存到服务器). */
  savedToServer: z.boolean(),
});
export type DocumentStatus = z.infer<typeof DocumentStatus>;

const DocumentRef = z.object({ documentId: DocumentId }).strict();
const Ok = z.object({ ok: z.literal(true) });

/**
 * 涉密不上网 (shared/src/documents/classified.ts) as documents.create answers
 * it: `classified_refused`, naming the fields. It screens the request as it
 * came, so it wins over whatever else is wrong with it, and core's documents
 * service applies it again for any other way a document is created.
 */
export function refuseClassified(request: unknown): void {
  const fields = classifiedFields(request);
  if (fields.length > 0) throw new RpcError(CLASSIFIED_REFUSAL.code, CLASSIFIED_REFUSAL['zh-CN'], fields);
}

/** 涉密不上网 for messages, files and room names (shared/src/messages/classified.ts), decided before anything is sent. */
export function refuseClassifiedMessage(request: unknown): void {
  const fields = classifiedMessageFields(request);
  if (fields.length > 0) throw new RpcError(CLASSIFIED_REFUSAL.code, CLASSIFIED_REFUSAL['zh-CN'], fields);
}

/**
 * Error codes shared by several methods.
 * - `not_logged_in`: the session ended while the call was on its way (another window logged out).
 * - `no_sync_server`: this installation has no sync-server configured.
 * - `sync_server_unreachable`: offline, or the sync-server is down.
 * - `sync_server_error`: the sync-server (or the homeserver it checks logins with) refused or failed in a way the
 *   method does not word on its own; the message says what happened.
 */
const SIGNED_IN = ['not_logged_in'] as const;
const SYNC_SERVER = ['not_logged_in', 'no_sync_server', 'sync_server_unreachable', 'sync_server_error'] as const;
/**
 * - `homeserver_unreachable`: offline, or the homeserver is down (only for what cannot wait in the outbox).
 * - `homeserver_error`: the homeserver refused; the message says why.
 * - `not_found`: no such room (or event) that the user is in.
 */
const HOMESERVER = ['not_logged_in', 'homeserver_unreachable', 'homeserver_error'] as const;
const RoomRef = z.object({ roomId: RoomId }).strict();
const EventRef = z.object({ roomId: RoomId, eventId: EventId }).strict();

/**
 * The API between the renderer and core, the same in Electron (preload + IPC)
 * and in browser mode (loopback WebSocket). Methods are `<feature>.<verb>`;
 * each declares the error codes it fails with, which the renderer's feature
 * words in its labels (createDispatcher turns any other code into `internal`).
 */
export const desktopContract = {
  methods: {
    'app.defaults': method(None, AppDefaults),
    /** The network is back (the OS or the browser said so): reconnect now instead of at the next backoff. */
    'app.reconnect': method(None, Ok),
    /** The UI language chosen on this device (zh-CN until someone chooses). */
    'app.language': method(None, LanguageChoice),
    /** Chooses the UI language for every window and the shell's menus; an `app.language` event tells them. */
    'app.setLanguage': method(LanguageChoice, LanguageChoice),
    'session.login': method(LoginParams, SessionInfo, ['invalid_credentials', 'homeserver_unreachable', 'rate_limited', 'homeserver_error']),
    'session.current': method(None, SessionInfo.nullable()),
    'session.logout': method(None, Ok),
    /** The caller as the organisation directory knows them (cached for offline use); null before the first answer. */
    'directory.me': method(None, Me.nullable(), SIGNED_IN),
    /** The sync-server's directory search (no offline copy: a province's directory is the server's); civil servants only. */
    'directory.search': method(DirectorySearchRequest, DirectorySearchResult, [...SYNC_SERVER, 'not_allowed']),
    /** The cached list at once; a fresh one follows as a documents.changed event when the server answers. */
    'documents.list': method(None, z.object({ documents: z.array(DocumentSummary) }), SIGNED_IN),
    /** `classified_refused` (涉密不上网) is decided on this device, so it holds offline too. */
    'documents.create': method(CreateDocumentRequest, DocumentSummary, [...SYNC_SERVER, 'classified_refused', 'not_allowed'], { screen: refuseClassified }),
    /** Opens core's replica; `messages` bring the renderer's Y.Doc up to date. `not_found`: no such document, or no right on it. */
    'documents.open': method(DocumentRef, z.object({ document: DocumentSummary, status: DocumentStatus, messages: z.array(Bytes) }), [...SYNC_SERVER, 'not_found']),
    'documents.close': method(DocumentRef, Ok, SIGNED_IN),
    /** A y-protocols message from the renderer's Y.Doc; the reply (SyncStep2 for a SyncStep1) goes back to that renderer only. */
    'documents.sync': method(z.object({ documentId: DocumentId, message: Bytes }).strict(), z.object({ reply: Bytes.nullable() }), [...SIGNED_IN, 'not_open', 'malformed_message']),
    'documents.share': method(z.object({ documentId: DocumentId, share: ShareRequest }).strict(), Share, [
      ...SYNC_SERVER,
      'not_allowed',
      'not_found',
      'internal_to_external',
      'unknown_principal',
      'last_owner',
    ]),
    /** The cached room list at once, before any network answer; `messages.rooms` events follow. */
    'messages.rooms': method(None, z.object({ rooms: z.array(RoomSummary), connection: MessagesConnection }), SIGNED_IN),
    /** A window of a room's timeline, from the cache first, then the homeserver when the cache has no more. */
    'messages.timeline': method(z.object({ roomId: RoomId, anchor: TimelineAnchor, limit: z.number().int().min(1).max(200).default(50) }).strict(), TimelineWindow, [
      ...SIGNED_IN,
      'not_found',
    ]),
    /** Queues the message in the outbox; it shows as 发送中 until the homeserver has it. */
    'messages.send': method(SendMessageRequest, z.object({ item: TimelineItem }), [...SIGNED_IN, 'not_found', 'classified_refused'], { screen: refuseClassifiedMessage }),
    'messages.edit': method(EditMessageRequest, Ok, [...SIGNED_IN, 'not_found', 'not_allowed', 'classified_refused'], { screen: refuseClassifiedMessage }),
    'messages.redact': method(EventRef, Ok, [...SIGNED_IN, 'not_found', 'not_allowed']),
    /** Sends a failed message again (发送失败（重试）). */
    'messages.retry': method(z.object({ roomId: RoomId, key: z.string().min(1).max(300) }).strict(), Ok, [...SIGNED_IN, 'not_found']),
    /** Uploads through the homeserver's media API (progress as `messages.transfer` events), then sends the file event through the outbox. */
    'messages.sendFile': method(SendFileRequest, z.object({ item: TimelineItem }), [...HOMESERVER, 'not_found', 'classified_refused', 'file_too_large'], {
      screen: refuseClassifiedMessage,
    }),
    /** A file or image of an event, through the authenticated media API (progress as `messages.transfer` events). */
    'messages.download': method(
      z.object({ roomId: RoomId, eventId: EventId, thumbnail: z.boolean().default(false) }).strict(),
      z.object({ name: z.string(), mimeType: z.string(), data: Bytes }),
      [...HOMESERVER, 'not_found'],
    ),
    /** The user has seen the room up to this event: a read receipt (sent when the network allows). */
    'messages.markRead': method(EventRef, Ok, [...SIGNED_IN, 'not_found']),
    /** Who of the room's other members has read up to this event (x 人已读 / y 人未读). */
    'messages.receipts': method(EventRef, z.object({ read: z.array(Member), unread: z.array(Member) }), [...SIGNED_IN, 'not_found']),
    /** The room's joined members, for @-mentions. */
    'messages.members': method(RoomRef, z.object({ members: z.array(Member) }), [...SIGNED_IN, 'not_found']),
    'messages.typing': method(z.object({ roomId: RoomId, typing: z.boolean() }).strict(), Ok, [...SIGNED_IN, 'not_found']),
    /** The room the user is looking at (null: none, or the window is hidden): no notifications for it. */
    'messages.focus': method(z.object({ roomId: RoomId.nullable() }).strict(), Ok, SIGNED_IN),
    /** Full-text search over cached messages; works offline and finds Chinese substrings of any length. */
    'messages.search': method(z.object({ query: z.string().max(200), limit: z.number().int().min(1).max(200).default(50) }).strict(), z.object({ hits: z.array(SearchHit) }), SIGNED_IN),
    /** People to start a DM or a group with (the homeserver's user directory). */
    'messages.findPeople': method(z.object({ query: z.string().max(100) }).strict(), z.object({ people: z.array(Member) }), HOMESERVER),
    'messages.createRoom': method(CreateRoomRequest, z.object({ roomId: RoomId }), [...HOMESERVER, 'classified_refused'], { screen: refuseClassifiedMessage }),
    /** Accepts an invitation. */
    'messages.join': method(RoomRef, Ok, [...HOMESERVER, 'not_found']),
  },
  events: {
    'session.changed': SessionInfo.nullable(),
    /** The shell asks the UI to show a route (a govdesk:// deep link, a clicked notification). */
    'app.navigate': z.object({ route: DeepLinkRoute }),
    /** The UI language changed (in any window). */
    'app.language': LanguageChoice,
    'documents.sync': z.object({ documentId: DocumentId, message: Bytes }),
    'documents.status': z.object({ documentId: DocumentId, status: DocumentStatus }),
    'documents.changed': z.object({ documents: z.array(DocumentSummary) }),
    /** Rooms that changed (new, renamed, new message, read) and rooms the user left. */
    'messages.rooms': z.object({ upserted: z.array(RoomSummary), removed: z.array(RoomId) }),
    'messages.connection': z.object({ connection: MessagesConnection }),
    /** Items of a room's timeline that are new or changed (edited, redacted, sent, failed, read by more people); replace by `key`. */
    'messages.timeline': z.object({ roomId: RoomId, items: z.array(TimelineItem) }),
    /** Who is typing in a room now (never the user). */
    'messages.typing': z.object({ roomId: RoomId, members: z.array(Member) }),
    /** Progress of an upload (`key` of the file's item) or a download (`key` = the event ID). */
    'messages.transfer': z.object({ roomId: RoomId, key: z.string(), direction: z.enum(['up', 'down']), loaded: z.number().nonnegative(), total: z.number().nonnegative() }),
  },
} satisfies ContractSpec;

export type DesktopContract = typeof desktopContract;
