import * as Y from 'yjs';
import {
  decodeMessages,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdateMessage,
  type ApiClient,
  type DesktopContract,
  type DocumentStatus,
  type DocumentSummary,
} from '@govdesk/shared';

/**
 * Binds a renderer-side Y.Doc to core's replica of the same document, with the
 * y-protocols sync messages over the desktop API (IPC in Electron, the loopback
 * bridge in browser mode). Core is where persistence and the server connection
 * live; this side only edits and displays.
 */
export class CoreDocProvider {
  readonly doc: Y.Doc;
  readonly documentId: string;
  readonly #api: ApiClient<DesktopContract>;
  readonly #unsubscribe: (() => void)[] = [];
  /** Messages to core go one after another, so core applies them in the order they were made. */
  #sending: Promise<unknown> = Promise.resolve();
  #closed = false;
  status: DocumentStatus = { connection: 'connecting', savedToServer: false };
  #statusListeners = new Set<(status: DocumentStatus) => void>();

  constructor(api: ApiClient<DesktopContract>, documentId: string, doc: Y.Doc = new Y.Doc()) {
    this.#api = api;
    this.documentId = documentId;
    this.doc = doc;
  }

  /** Opens the document in core and brings this Y.Doc up to date with core's replica. */
  async open(): Promise<DocumentSummary> {
    this.#unsubscribe.push(
      this.#api.on('documents.sync', ({ documentId, message }) => {
        if (documentId === this.documentId) this.#receive(message);
      }),
      this.#api.on('documents.status', ({ documentId, status }) => {
        if (documentId === this.documentId) this.#setStatus(status);
      }),
    );
    const opened = await this.#api.call('documents.open', { documentId: this.documentId });
    this.#setStatus(opened.status);
    for (const message of opened.messages) this.#receive(message);
    const { reply } = await this.#api.call('documents.sync', { documentId: this.documentId, message: encodeSyncStep1(Y.encodeStateVector(this.doc)) });
    if (reply) this.#receive(reply);
    this.doc.on('update', this.#onLocalUpdate);
    return opened.document;
  }

  onStatus(listener: (status: DocumentStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  #setStatus(status: DocumentStatus): void {
    this.status = status;
    for (const listener of this.#statusListeners) listener(status);
  }

  #receive(message: Uint8Array): void {
    if (this.#closed) return;
    for (const item of decodeMessages(message)) {
      if (item.kind === 'sync-step1') this.#send(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, item.stateVector)));
      else if (item.kind === 'sync-step2' || item.kind === 'update') Y.applyUpdate(this.doc, item.update, this);
    }
  }

  readonly #onLocalUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin !== this) this.#send(encodeUpdateMessage(update));
  };

  #send(message: Uint8Array): void {
    this.#sending = this.#sending
      .then(async () => {
        const { reply } = await this.#api.call('documents.sync', { documentId: this.documentId, message });
        if (reply) this.#receive(reply);
      })
      .catch((error: unknown) => console.error('GovDesk: a document change did not reach core', error));
  }

  /** Resolves when every change made so far has reached core (and is therefore on disk). */
  flushed(): Promise<unknown> {
    return this.#sending;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.doc.off('update', this.#onLocalUpdate);
    await this.#sending;
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    await this.#api.call('documents.close', { documentId: this.documentId });
  }
}
