import { RpcError, type LoginParams, type SessionInfo } from '@govdesk/shared';
import type { CoreEvents } from '../events.ts';
import { fetchDisplayName, loginWithPassword, logout, type MatrixCredentials } from './matrix-login.ts';

/** Who is logged in to this app, and with which credentials. */
export class SessionService {
  readonly #events: CoreEvents;
  readonly #deviceName: string;
  #credentials: MatrixCredentials | null = null;
  #info: SessionInfo | null = null;

  constructor(events: CoreEvents, deviceName: string) {
    this.#events = events;
    this.#deviceName = deviceName;
  }

  current(): SessionInfo | null {
    return this.#info;
  }

  credentials(): MatrixCredentials {
    if (!this.#credentials) throw new RpcError('not_logged_in', 'not logged in');
    return this.#credentials;
  }

  async login(params: LoginParams): Promise<SessionInfo> {
    const credentials = await loginWithPassword(params, this.#deviceName);
    const displayName = await fetchDisplayName(credentials);
    this.#credentials = credentials;
    this.#info = { userId: credentials.userId, deviceId: credentials.deviceId, homeserverUrl: credentials.homeserverUrl, displayName };
    this.#events.emit('session.changed', this.#info);
    return this.#info;
  }

  async logout(): Promise<void> {
    if (this.#credentials) await logout(this.#credentials);
    this.#credentials = null;
    this.#info = null;
    this.#events.emit('session.changed', null);
  }
}
