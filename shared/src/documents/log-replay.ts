import * as Y from 'yjs';

/**
 * A document's stored content — a snapshot and the logged updates after it —
 * merged into one update for a new snapshot, the same for the sync-server's
 * and the desktop cache's compaction. The log is replayed into a Y.Doc with
 * garbage collection: the result keeps what was deleted only as a length,
 * never its text (Y.mergeUpdates would keep every deleted character for ever,
 * and let the snapshot grow without bound).
 */
export function mergeSnapshotAndLog(snapshot: Uint8Array | undefined, updates: Iterable<Uint8Array>): Uint8Array {
  const doc = new Y.Doc({ gc: true });
  try {
    Y.transact(doc, () => {
      if (snapshot) Y.applyUpdate(doc, snapshot);
      for (const update of updates) Y.applyUpdate(doc, update);
    });
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}
