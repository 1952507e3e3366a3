import type { CacheDatabase } from './database.ts';

/** Per sync-server, per document: what that server is known to hold durably. */
export class SyncClocks {
  readonly #get;
  readonly #put;

  constructor(db: CacheDatabase) {
    this.#get = db.prepare<[string, string], { server_state: Buffer }>('SELECT server_state FROM sync_clocks WHERE server = ? AND doc_id = ?');
    this.#put = db.prepare('INSERT INTO sync_clocks (server, doc_id, server_state, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (server, doc_id) DO UPDATE SET server_state = excluded.server_state, updated_at = excluded.updated_at');
  }

  get(server: string, docId: string): Uint8Array | null {
    const row = this.#get.get(server, docId);
    return row ? new Uint8Array(row.server_state) : null;
  }

  set(server: string, docId: string, serverState: Uint8Array): void {
    this.#put.run(server, docId, serverState, Date.now());
  }
}
