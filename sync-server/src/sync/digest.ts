import * as Y from 'yjs';
import { bytesToBase64, contentDigest, type DocumentDigest } from '@govdesk/shared';
import { replayInto } from '@govdesk/shared/documents/log-replay';
import type { ContentStore } from '../storage/types.ts';

/** What clients check their copy against: the digest of what this copy shows, and the snapshot it shows it at. */
export function describeContent(ydoc: Y.Doc): DocumentDigest {
  return { digest: contentDigest(ydoc), snapshot: bytesToBase64(Y.encodeSnapshot(Y.snapshot(ydoc))) };
}

/** The same for a document that is not in memory, loaded from the store as the hub would load it. */
export async function describeStoredContent(store: ContentStore, documentId: string): Promise<DocumentDigest> {
  const content = await store.load(documentId);
  const ydoc = new Y.Doc({ gc: true });
  try {
    replayInto(ydoc, content);
    return describeContent(ydoc);
  } finally {
    ydoc.destroy();
  }
}
