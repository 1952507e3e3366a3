import { RpcError, type RouteName } from '@govdesk/shared';
import { asDeclared, type DesktopMethod } from '../declared-errors.ts';
import type { SyncSession } from '../session/sync-session.ts';
import type { CallOptions, CallResult, SyncApiClient } from './client.ts';

/**
 * The sync-server as one signed-in account reaches it, for the core features
 * that call it (documents, directory): the API client and the session whose
 * token each call carries, or `no_sync_server` when the installation has none.
 */
export class SyncServer {
  readonly #api: SyncApiClient | null;
  readonly #session: SyncSession | null;

  constructor(api: SyncApiClient | null, session: SyncSession | null) {
    this.#api = api;
    this.#session = session;
  }

  online(): { api: SyncApiClient; session: SyncSession } {
    if (!this.#api || !this.#session) throw new RpcError('no_sync_server', 'this installation has no sync-server configured');
    return { api: this.#api, session: this.#session };
  }

  /** A call with a valid session token, on behalf of the desktop method `method` (its failures: asDeclared). */
  async request<R extends RouteName>(method: DesktopMethod, route: R, options: Omit<CallOptions<R>, 'token'> = {}): Promise<CallResult<R>> {
    const { api, session } = this.online();
    try {
      return await api.call(route, { ...options, token: await session.token() });
    } catch (error) {
      throw asDeclared(method, error);
    }
  }
}
