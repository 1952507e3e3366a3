import { z } from 'zod';
import { Me } from '../directory/schema.ts';
import { CreateDocumentRequest, DocumentId, DocumentSummary, Share, ShareRequest } from '../documents/schema.ts';
import { method, type ContractSpec } from '../rpc/contract.ts';
import { LoginParams, SessionInfo } from '../session/schema.ts';
import { DeepLinkRoute } from './shell.ts';

const None = z.object({}).strict();

/** What the app was configured with, for forms to start from. */
export const AppDefaults = z.object({
  homeserverUrl: z.url().nullable(),
});
export type AppDefaults = z.infer<typeof AppDefaults>;

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
 * The API between the renderer and core, the same in Electron (preload + IPC)
 * and in browser mode (loopback WebSocket). Methods are `<feature>.<verb>`.
 */
export const desktopContract = {
  methods: {
    'app.defaults': method(None, AppDefaults),
    /** The network is back (the OS or the browser said so): reconnect now instead of at the next backoff. */
    'app.reconnect': method(None, Ok),
    'session.login': method(LoginParams, SessionInfo),
    'session.current': method(None, SessionInfo.nullable()),
    'session.logout': method(None, Ok),
    /** The caller as the organisation directory knows them (cached for offline use); null before the first answer. */
    'directory.me': method(None, Me.nullable()),
    /** The cached list at once; a fresh one follows as a documents.changed event when the server answers. */
    'documents.list': method(None, z.object({ documents: z.array(DocumentSummary) })),
    'documents.create': method(CreateDocumentRequest, DocumentSummary),
    /** Opens core's replica; `messages` bring the renderer's Y.Doc up to date. */
    'documents.open': method(DocumentRef, z.object({ document: DocumentSummary, status: DocumentStatus, messages: z.array(Bytes) })),
    'documents.close': method(DocumentRef, Ok),
    /** A y-protocols message from the renderer's Y.Doc; the reply (SyncStep2 for a SyncStep1) goes back to that renderer only. */
    'documents.sync': method(z.object({ documentId: DocumentId, message: Bytes }).strict(), z.object({ reply: Bytes.nullable() })),
    'documents.share': method(z.object({ documentId: DocumentId, share: ShareRequest }).strict(), Share),
  },
  events: {
    'session.changed': SessionInfo.nullable(),
    /** The shell asks the UI to show a route (a govdesk:// deep link, a clicked notification). */
    'app.navigate': z.object({ route: DeepLinkRoute }),
    'documents.sync': z.object({ documentId: DocumentId, message: Bytes }),
    'documents.status': z.object({ documentId: DocumentId, status: DocumentStatus }),
    'documents.changed': z.object({ documents: z.array(DocumentSummary) }),
  },
} satisfies ContractSpec;

export type DesktopContract = typeof desktopContract;
