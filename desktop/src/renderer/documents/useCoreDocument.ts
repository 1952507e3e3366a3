import { useCallback, useEffect, useState } from 'react';
import * as Y from 'yjs';
import type { DocumentStatus, DocumentSummary } from '@govdesk/shared';
import { asCoreError, useCore, type CoreError, type Loadable } from '../data/core.tsx';
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
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<{ attempt: number; value: Loadable<OpenDocument, OpenError> } | null>(null);
  useEffect(() => {
    const provider = new CoreDocProvider(api, documentId, new Y.Doc());
    let active = true;
    const settle = (value: Loadable<OpenDocument, OpenError>) => active && setState({ attempt, value });
    const stop = provider.onStatus((status) => {
      if (active) setState((previous) => (previous?.attempt === attempt && previous.value.status === 'ready' ? { attempt, value: { status: 'ready', data: { ...previous.value.data, status } } } : previous));
    });
    provider.open().then(
      (document) => settle({ status: 'ready', data: { doc: provider.doc, document, status: provider.status } }),
      (error: unknown) => settle({ status: 'failed', error: asCoreError<'documents.open' | 'documents.sync'>(error) }),
    );
    return () => {
      active = false;
      stop();
      provider
        .close()
        // Core gone (it restarted, or the app is closing): it has no replica left to close.
        .catch((error: unknown) => console.error('GovDesk: a document was not closed in core', error))
        .finally(() => provider.doc.destroy());
    };
  }, [api, documentId, attempt]);
  const retry = useCallback(() => setAttempt((count) => count + 1), []);
  return { ...(state?.attempt === attempt ? state.value : { status: 'loading' }), retry };
}
