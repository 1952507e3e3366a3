import { Me, RpcError, type DirectorySearchRequest, type DirectorySearchResult } from '@govdesk/shared';
import type { LocalStore } from '../store/local-store.ts';
import type { SyncServer } from '../sync-api/sync-server.ts';

const ME_SETTING = 'directory.me';

/**
 * The directory as one signed-in account sees it, from the sync-server that
 * keeps it: the account's own record (its last answer kept for offline use)
 * and searches, which are never copied to the device (a province's directory
 * is too big, and too internal).
 */
export class DirectoryService {
  readonly #store: LocalStore;
  readonly #server: SyncServer;
  /** After a logout or shutdown, answers still in flight must not write into the store. */
  #closed = false;

  constructor(store: LocalStore, server: SyncServer) {
    this.#store = store;
    this.#server = server;
  }

  async me(): Promise<Me | null> {
    try {
      const { api, session } = this.#server.online();
      const me = await api.call('me', { token: await session.token() });
      if (!this.#closed) this.#store.settings.set(ME_SETTING, me);
      return me;
    } catch (error) {
      if (!(error instanceof RpcError)) throw error;
      // Offline: the last known answer.
      return this.#store.settings.get(ME_SETTING, Me);
    }
  }

  search({ query, limit }: DirectorySearchRequest): Promise<DirectorySearchResult> {
    return this.#server.request('directory.search', 'search', { query: { q: query, ...(limit === undefined ? {} : { limit: String(limit) }) } });
  }

  close(): void {
    this.#closed = true;
  }
}
