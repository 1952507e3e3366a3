import { applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import type { SyncMetrics } from '../metrics/metrics.ts';
import { PRESENCE_LIMITS, type Connection } from './connection.ts';
import { encodeAwarenessEntries, encodeAwarenessMessages, MAX_AWARENESS_ENTRIES, MAX_AWARENESS_STATE_BYTES, type AwarenessEntry } from './protocol.ts';
import type { SharedDoc } from './shared-doc.ts';

/**
 * A presence state as the server relays it: `user.id` is the authenticated
 * user's Matrix ID, whatever the client put there (`user` becomes an object if
 * it was not one), so that what others show (`user.name`) can be checked
 * against who is really there.
 */
function stampPresence(state: Record<string, unknown>, userId: string): Record<string, unknown> {
  const user = state.user !== null && typeof state.user === 'object' && !Array.isArray(state.user) ? state.user : {};
  return { ...state, user: { ...user, id: userId } };
}

/** What an awareness entry costs against a connection's presence byte rate besides its state: its client ID and clock, and the work of one more entry. */
const AWARENESS_ENTRY_COST = 16;

/**
 * The presence relay: who is in a document and where their cursor is
 * (y-protocols awareness), checked per connection, stamped with the user's
 * identity and sent on to the document's connections in batches.
 */
export class PresenceRelay {
  readonly #metrics: SyncMetrics;
  readonly #intervalMs: number;

  constructor(options: { metrics: SyncMetrics; intervalMs: number }) {
    this.#metrics = options.metrics;
    this.#intervalMs = options.intervalMs;
  }

  /** Relays what changes in a loaded document's presence. */
  watch(doc: SharedDoc): void {
    doc.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
      for (const id of [...added, ...updated, ...removed]) doc.changedAwareness.add(id);
      // Whoever spoke for a state that is gone (its client left, or y-protocols timed it out after 30 s without renewal) no longer does.
      for (const id of removed) {
        doc.awarenessOwners.get(id)?.awarenessIds.delete(id);
        doc.awarenessOwners.delete(id);
      }
      this.#schedule(doc);
    });
  }

  /** Everyone's presence now: for a connection that joins, or that asks (query-awareness). */
  current(doc: SharedDoc): Uint8Array[] {
    return encodeAwarenessMessages(doc.awareness, doc.awareness.getStates().keys());
  }

  /**
   * Presence from a connection, checked whole before any of it is applied; a
   * frame that breaks a rule is dropped and counted, the connection stays
   * (presence is not worth a reconnect, and a stock client echoes others'
   * presence back, which is dropped here as a spoof). A connection speaks only
   * for the client IDs it introduced: no one can move another person's cursor
   * or remove them. It introduces only IDs that are its user's or nobody's yet
   * (claiming them, as content written under an ID does), and only a few; its
   * states are stamped with its user's ID and must fit MAX_AWARENESS_STATE_BYTES
   * with the stamp, and its presence bytes a rate.
   */
  apply(conn: Connection, doc: SharedDoc, entries: AwarenessEntry[]): void {
    const metrics = this.#metrics;
    const accepted: { clientId: number; clock: number; stateJson: string }[] = [];
    const introduced = new Set<number>();
    let bytes = 0;
    for (const entry of entries) {
      const owner = doc.awarenessOwners.get(entry.clientId);
      // The server's own ID too: y-protocols would take a state under it for the server's own presence and renew it forever.
      if ((owner !== undefined && owner !== conn) || entry.clientId === doc.awareness.clientID || (owner === undefined && entry.state !== null && !doc.owners.allows(entry.clientId, conn.userId))) {
        metrics.droppedFrames.inc({ reason: 'awareness_spoof' });
        return;
      }
      // The departure of a state nobody holds changes nothing, but y-protocols would keep a clock for it.
      if (owner === undefined && entry.state === null) continue;
      if (owner === undefined) introduced.add(entry.clientId);
      const stateJson = JSON.stringify(entry.state === null ? null : stampPresence(entry.state as Record<string, unknown>, conn.userId));
      if (stateJson.length > MAX_AWARENESS_STATE_BYTES) {
        metrics.droppedFrames.inc({ reason: 'awareness_limit' });
        return;
      }
      accepted.push({ clientId: entry.clientId, clock: entry.clock, stateJson });
      bytes += AWARENESS_ENTRY_COST + stateJson.length;
    }
    if (conn.awarenessIds.size + introduced.size > PRESENCE_LIMITS.clientIdsPerConnection || doc.awareness.states.size + introduced.size > MAX_AWARENESS_ENTRIES) {
      metrics.droppedFrames.inc({ reason: 'awareness_limit' });
      return;
    }
    if (!conn.takePresenceBytes(bytes)) {
      metrics.droppedFrames.inc({ reason: 'awareness_rate' });
      return;
    }
    for (const clientId of introduced) doc.owners.claim(clientId, conn.userId);
    applyAwarenessUpdate(doc.awareness, encodeAwarenessEntries(accepted), conn);
    // What y-protocols took (a newer clock) is this connection's to change and remove; departures were forgotten by the 'update' listener.
    for (const { clientId } of accepted) {
      if (!doc.awareness.states.has(clientId)) continue;
      doc.awarenessOwners.set(clientId, conn);
      conn.awarenessIds.add(clientId);
    }
  }

  /** A connection left: the presence it spoke for goes with it. */
  leave(conn: Connection, doc: SharedDoc): void {
    if (conn.awarenessIds.size === 0) return;
    for (const id of conn.awarenessIds) doc.awarenessOwners.delete(id);
    removeAwarenessStates(doc.awareness, [...conn.awarenessIds], 'disconnect');
  }

  /** Presence is batched per document so a storm of cursor moves cannot crowd out document updates. */
  #schedule(doc: SharedDoc): void {
    if (doc.awarenessTimer) return;
    doc.awarenessTimer = setTimeout(() => {
      doc.awarenessTimer = null;
      if (doc.changedAwareness.size === 0) return;
      const gone = [...doc.changedAwareness].filter((id) => !doc.awareness.states.has(id));
      const present = [...doc.changedAwareness].filter((id) => doc.awareness.states.has(id));
      // Departures first, so that no client ever holds more states than the document has (MAX_AWARENESS_ENTRIES).
      const messages = encodeAwarenessMessages(doc.awareness, [...gone, ...present]);
      doc.changedAwareness.clear();
      // y-protocols keeps a clock for every client ID it has ever seen, also after its presence is gone: once the removal is relayed, forget it, or the map grows with every session (found by fuzzing).
      for (const id of gone) doc.awareness.meta.delete(id);
      for (const conn of doc.connections) for (const message of messages) conn.send(message);
    }, this.#intervalMs);
  }
}
