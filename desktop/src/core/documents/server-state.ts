import * as Y from 'yjs';

type DeleteSet = ReturnType<typeof Y.createDeleteSet>;

/**
 * What a sync-server is known to hold of one document, durably: its state
 * vector and its delete set (a deletion moves no clock, so a state vector
 * alone cannot tell whether a deletion reached the server). Fed by the
 * server's SyncStep1, by SyncStep2 (which carries the whole delete set) and by
 * every update it sends or echoes back — the sync-server sends nothing before
 * it is on disk, so whatever arrives from it is durable there.
 */
export class ServerState {
  #sv: Map<number, number>;
  #ds: DeleteSet;

  constructor(encoded: Uint8Array | null = null) {
    const snapshot = encoded ? Y.decodeSnapshot(encoded) : Y.emptySnapshot;
    this.#sv = new Map(snapshot.sv);
    this.#ds = Y.mergeDeleteSets([snapshot.ds]);
  }

  get snapshot(): Y.Snapshot {
    return Y.createSnapshot(this.#ds, this.#sv);
  }

  encode(): Uint8Array {
    return Y.encodeSnapshot(this.snapshot);
  }

  /** The server's own state vector (its SyncStep1). */
  observeStateVector(stateVector: Uint8Array): void {
    for (const [client, clock] of Y.decodeStateVector(stateVector)) {
      if ((this.#sv.get(client) ?? 0) < clock) this.#sv.set(client, clock);
    }
  }

  /** An update the server sent: it holds every struct and deletion in it. */
  observeUpdate(update: Uint8Array): void {
    const { structs, ds } = Y.decodeUpdate(update);
    for (const struct of structs) {
      if (struct instanceof Y.Skip) continue;
      const end = struct.id.clock + struct.length;
      if ((this.#sv.get(struct.id.client) ?? 0) < end) this.#sv.set(struct.id.client, end);
    }
    if (ds.clients.size > 0) this.#ds = Y.mergeDeleteSets([this.#ds, ds]);
  }

  /** Whether the server holds everything in `update`. */
  contains(update: Uint8Array): boolean {
    return Y.snapshotContainsUpdate(this.snapshot, update);
  }

  /** What `doc` has that the server is not known to hold, as one update (empty of structs when only deletions are missing). */
  missingFrom(doc: Y.Doc): Uint8Array {
    return Y.encodeStateAsUpdate(doc, Y.encodeStateVector(this.#sv));
  }
}
