import { useEffect, useState } from 'react';
import * as Y from 'yjs';
import type { DocumentStatus, DocumentSummary } from '@govdesk/shared';
import { api } from '../api.ts';
import { CoreDocProvider } from './core-provider.ts';

export type CoreDocumentState =
  | { state: 'opening' }
  | { state: 'open'; doc: Y.Doc; document: DocumentSummary; status: DocumentStatus }
  | { state: 'failed'; error: unknown };

/** Opens a document through core for as long as the component is mounted. */
export function useCoreDocument(documentId: string): CoreDocumentState {
  const [state, setState] = useState<CoreDocumentState>({ state: 'opening' });
  useEffect(() => {
    const provider = new CoreDocProvider(api, documentId, new Y.Doc());
    let active = true;
    const stop = provider.onStatus((status) => {
      if (active) setState((previous) => (previous.state === 'open' ? { ...previous, status } : previous));
    });
    provider
      .open()
      .then((document) => active && setState({ state: 'open', doc: provider.doc, document, status: provider.status }))
      .catch((error: unknown) => active && setState({ state: 'failed', error }));
    return () => {
      active = false;
      stop();
      void provider.close().finally(() => provider.doc.destroy());
    };
  }, [documentId]);
  return state;
}
