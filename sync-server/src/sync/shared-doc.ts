import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import type { Connection } from './connection.ts';
import type { ClientOwners } from './client-owners.ts';

/** A document held in memory while people work on it. */
export class SharedDoc {
  readonly id: string;
  readonly ydoc = new Y.Doc({ gc: true });
  readonly awareness: Awareness;
  readonly connections = new Set<Connection>();
  readonly awarenessOwners = new Map<number, Connection>();
  readonly changedAwareness = new Set<number>();
  awarenessTimer: NodeJS.Timeout | null = null;
  unloadTimer: NodeJS.Timeout | null = null;
  /** Sequence number of the last update given to the log, and of the last one known durable. */
  lastSeq: number;
  durableSeq: number;
  logCount: number;
  logBytes: number;
  compacting = false;
  failed = false;
  /** Who may write under which Yjs client ID; set when the document is loaded. */
  owners!: ClientOwners;
  /** SyncStep2 with the whole state, shared by every client that joins with nothing. */
  fullStateMessage: Uint8Array | null = null;

  constructor(id: string, content: { lastSeq: number; logCount: number; logBytes: number }) {
    this.id = id;
    this.lastSeq = content.lastSeq;
    this.durableSeq = content.lastSeq;
    this.logCount = content.logCount;
    this.logBytes = content.logBytes;
    this.awareness = new Awareness(this.ydoc);
    // The server has no presence of its own.
    this.awareness.setLocalState(null);
  }

  destroy(): void {
    if (this.awarenessTimer) clearTimeout(this.awarenessTimer);
    if (this.unloadTimer) clearTimeout(this.unloadTimer);
    this.awareness.destroy();
    this.ydoc.destroy();
  }
}
