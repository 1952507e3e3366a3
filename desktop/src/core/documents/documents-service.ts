import * as Y from 'yjs';
import {
  decodeMessages,
  MalformedMessage,
  refuseClassified,
  RpcError,
  type CreateDocumentRequest,
  type DocumentStatus,
  type DocumentSummary,
  type Share,
  type ShareRequest,
} from '@govdesk/shared';
import type { CoreEvents } from '../events.ts';
import type { CoreMetrics } from '../metrics.ts';
import type { SyncSession } from '../session/sync-session.ts';
import type { LocalStore } from '../store/local-store.ts';
import type { SyncApiClient } from '../sync-api/client.ts';
import { SyncServer } from '../sync-api/sync-server.ts';
import { Replica } from './replica.ts';

/** How long after its last window closes a replica stays connected, so reopening is instant. */
const DEFAULT_LINGER_MS = 30_000;
/** The searchable text of a document follows its content at most this often. */
const TEXT_INDEX_DELAY_MS = 2_000;

interface OpenReplica {
  replica: Replica;
  opened: number;
  lingerTimer: NodeJS.Timeout | null;
  textTimer: NodeJS.Timeout | null;
}

export interface DocumentsServiceOptions {
  store: LocalStore;
  events: CoreEvents;
  /** null when this installation has no sync-server: documents then cannot be listed or opened. */
  api: SyncApiClient | null;
  session: SyncSession | null;
  metrics: CoreMetrics;
  lingerMs?: number | undefined;
  log?: (message: string, details?: Record<string, unknown>) => void;
}

/** Plain text of the document body, for the local full-text index. */
function plainText(doc: Y.Doc): string {
  const parts: string[] = [];
  const walk = (node: Y.XmlElement | Y.XmlFragment | Y.XmlText) => {
    if (node instanceof Y.XmlText) parts.push(node.toString().replace(/<[^>]*>/g, ''));
    else node.toArray().forEach((child) => walk(child as Y.XmlElement | Y.XmlText));
    if (node instanceof Y.XmlElement) parts.push('\n');
  };
  walk(doc.getXmlFragment('body'));
  return parts.join('').replace(/\n{2,}/g, '\n').trim();
}

/**
 * Documents on this device: the list as the sync-server last gave it (usable
 * offline), replicas of open documents, and the channel between each
 * renderer's Y.Doc and its replica.
 */
export class DocumentsService {
  readonly #options: DocumentsServiceOptions;
  readonly #open = new Map<string, OpenReplica>();
  #refreshing: Promise<void> | null = null;
  /** After a logout or shutdown, answers still in flight must not write into the store. */
  #closed = false;

  readonly #server: SyncServer;

  constructor(options: DocumentsServiceOptions) {
    this.#options = options;
    this.#server = new SyncServer(options.api, options.session);
  }

  get #serverKey(): string {
    return this.#options.api?.baseUrl ?? 'none';
  }

  /** The cached list at once; asks the server for a fresh one in the background. */
  list(): DocumentSummary[] {
    void this.refresh().catch((error: unknown) => this.#options.log?.('document list not refreshed', { error: String(error) }));
    return this.#options.store.documents.list(this.#serverKey);
  }

  refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      const { api, session } = this.#server.online();
      const { documents } = await api.call('listDocuments', { token: await session.token() });
      if (this.#closed) return;
      this.#options.store.documents.replaceAll(this.#serverKey, documents);
      this.#options.events.emit('documents.changed', { documents });
    })().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async create(request: CreateDocumentRequest): Promise<DocumentSummary> {
    // 涉密不上网, before anything leaves the device: the contract screens calls of documents.create with the same
    // rule, and this holds for any other way core comes to create a document.
    refuseClassified(request);
    const document = await this.#server.request('documents.create', 'createDocument', { body: request });
    this.#options.store.documents.put(this.#serverKey, document);
    this.#options.events.emit('documents.changed', { documents: this.#options.store.documents.list(this.#serverKey) });
    return document;
  }

  async open(documentId: string): Promise<{ document: DocumentSummary; status: DocumentStatus; messages: Uint8Array[] }> {
    const { api, session } = this.#server.online();
    let document = this.#options.store.documents.get(this.#serverKey, documentId);
    if (!document) {
      // Not in the list yet (a link someone sent): ask the server, which checks the right.
      document = await this.#server.request('documents.open', 'getDocument', { params: { id: documentId } });
      this.#options.store.documents.put(this.#serverKey, document);
    }
    let entry = this.#open.get(documentId);
    if (!entry) {
      const replica = new Replica({
        documentId,
        store: this.#options.store,
        serverKey: this.#serverKey,
        serverUrl: api.documentsUrl,
        token: ({ renew }) => session.token({ renew }),
        toRenderers: (message) => this.#options.events.emit('documents.sync', { documentId, message }),
        onStatus: (status) => this.#options.events.emit('documents.status', { documentId, status }),
        onContent: () => {
          const opened = this.#open.get(documentId);
          if (opened) this.#scheduleTextIndex(opened);
        },
        contentCheck: {
          fetchDigest: async () => api.call('getDocumentDigest', { token: await session.token(), params: { id: documentId } }),
          metrics: this.#options.metrics,
        },
        log: this.#options.log,
      });
      entry = { replica, opened: 0, lingerTimer: null, textTimer: null };
      this.#open.set(documentId, entry);
    }
    if (entry.lingerTimer) {
      clearTimeout(entry.lingerTimer);
      entry.lingerTimer = null;
    }
    entry.opened += 1;
    return { document, status: entry.replica.status, messages: entry.replica.initialMessages() };
  }

  sync(documentId: string, message: Uint8Array): Uint8Array | null {
    const entry = this.#open.get(documentId);
    if (!entry) throw new RpcError('not_open', 'the document is not open');
    let messages;
    try {
      messages = decodeMessages(message);
    } catch (error) {
      if (error instanceof MalformedMessage) throw new RpcError('malformed_message', error.message);
      throw error;
    }
    let reply: Uint8Array | null = null;
    for (const item of messages) reply = entry.replica.fromRenderer(item) ?? reply;
    return reply;
  }

  close(documentId: string): void {
    const entry = this.#open.get(documentId);
    if (!entry || entry.opened === 0) return;
    entry.opened -= 1;
    if (entry.opened > 0) return;
    const linger = this.#options.lingerMs ?? DEFAULT_LINGER_MS;
    if (linger === 0) {
      this.#release(documentId);
      return;
    }
    entry.lingerTimer = setTimeout(() => this.#release(documentId), linger);
    entry.lingerTimer.unref();
  }

  async share(documentId: string, share: ShareRequest): Promise<Share> {
    return this.#server.request('documents.share', 'putShare', { params: { id: documentId }, body: share });
  }

  /** The network may be back: retry every connection now rather than at the next backoff. */
  reconnect(): void {
    for (const entry of this.#open.values()) entry.replica.retryNow();
  }

  #scheduleTextIndex(entry: OpenReplica): void {
    if (entry.textTimer) return;
    entry.textTimer = setTimeout(() => {
      entry.textTimer = null;
      this.#options.store.documents.setPlainText(this.#serverKey, entry.replica.documentId, plainText(entry.replica.doc));
    }, TEXT_INDEX_DELAY_MS);
    entry.textTimer.unref();
  }

  #release(documentId: string): void {
    const entry = this.#open.get(documentId);
    if (!entry || entry.opened > 0) return;
    if (entry.textTimer) clearTimeout(entry.textTimer);
    this.#options.store.documents.setPlainText(this.#serverKey, documentId, plainText(entry.replica.doc));
    entry.replica.close();
    this.#open.delete(documentId);
  }

  closeAll(): void {
    this.#closed = true;
    for (const [documentId, entry] of this.#open) {
      if (entry.lingerTimer) clearTimeout(entry.lingerTimer);
      entry.opened = 0;
      this.#release(documentId);
    }
  }
}
