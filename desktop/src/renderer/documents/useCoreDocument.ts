import * as Y from 'yjs';
import type { DocumentStatus, DocumentSummary } from '@govdesk/shared';
import { asCoreError, useCore, useLoad, type CoreError, type Loadable } from '../data/core.tsx';
import { CoreDocProvider } from './core-provider.ts';

export interface OpenDocument {
  doc: Y.Doc;
  document: DocumentSummary;
  status: DocumentStatus;
}

/** Opening runs documents.open, then documents.sync to bring the renderer's copy up to date. */
export type OpenError = CoreError<'documents.open' | 'documents.sync'>;

/**
 * Opens a document through core for as long as the component is mounted. Not
 * a query: opening holds a replica in core until it is closed, and the status
 * follows documents.status events for this document only.
 */
export function useCoreDocument(documentId: string): Loadable<OpenDocument, OpenError> & { retry(): void } {
  const api = useCore();
  return useLoad<OpenDocument, OpenError>(documentId, ({ settle, update }) => {
    const provider = new CoreDocProvider(api, documentId, new Y.Doc());
    const stop = provider.onStatus((status) => update((data) => data && { ...data, status }));
    provider.open().then(
      (document) => settle({ status: 'ready', data: { doc: provider.doc, document, status: provider.status } }),
      (error: unknown) => settle({ status: 'failed', error: asCoreError<'documents.open' | 'documents.sync'>(error) }),
    );
    return () => {
      stop();
      provider
        .close()
        // Core gone (it restarted, or the app is closing): it has no replica left to close.
        .catch((error: unknown) => console.error('GovDesk: a document was not closed in core', error))
        .finally(() => provider.doc.destroy());
    };
  });
}
