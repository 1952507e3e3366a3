import { RpcError, SessionInfo, type LoginParams } from '@govdesk/shared';
import type { CoreEvents } from '../events.ts';
import type { SecretStore } from '../store/secrets.ts';
import type { KeyValueTable } from '../store/settings.ts';
import { fetchDisplayName, loginWithPassword, logout, requestOpenIdToken, type MatrixCredentials } from './matrix-login.ts';
import type { OpenIdSource } from './sync-session.ts';

const SESSION_SETTING = 'session';
const ACCESS_TOKEN_SECRET = 'matrix.accessToken';

/**
 * Who is logged in to this app. The login is kept across restarts — the
 * access token in the SecretStore, the rest in the cache — so an offline cold
 * start goes straight to the workspace.
 */
export class SessionService implements OpenIdSource {
  readonly #events: CoreEvents;
  readonly #settings: KeyValueTable;
  readonly #secrets: SecretStore;
  readonly #deviceName: string;
  #credentials: MatrixCredentials | null = null;
  #info: SessionInfo | null = null;
  readonly #listeners = new Set<(info: SessionInfo | null) => void>();

  constructor(events: CoreEvents, settings: KeyValueTable, secrets: SecretStore, deviceName: string) {
    this.#events = events;
    this.#settings = settings;
    this.#secrets = secrets;
    this.#deviceName = deviceName;
  }

  /** Picks up the login of the last run, if any; never touches the network. */
  async restore(): Promise<void> {
    const info = this.#settings.get(SESSION_SETTING, SessionInfo);
    const accessToken = await this.#secrets.get(ACCESS_TOKEN_SECRET);
    if (!info || !accessToken) return;
    this.#info = info;
    this.#credentials = { homeserverUrl: info.homeserverUrl, userId: info.userId, deviceId: info.deviceId, accessToken };
  }

  current(): SessionInfo | null {
    return this.#info;
  }

  credentials(): MatrixCredentials {
    if (!this.#credentials) throw new RpcError('not_logged_in', 'not logged in');
    return this.#credentials;
  }

  /** Called with the new session (or null) after login, logout and restore. */
  onChange(listener: (info: SessionInfo | null) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async login(params: LoginParams): Promise<SessionInfo> {
    const credentials = await loginWithPassword(params, this.#deviceName);
    const displayName = await fetchDisplayName(credentials);
    const info: SessionInfo = { userId: credentials.userId, deviceId: credentials.deviceId, homeserverUrl: credentials.homeserverUrl, displayName };
    await this.#secrets.set(ACCESS_TOKEN_SECRET, credentials.accessToken);
    this.#settings.set(SESSION_SETTING, info);
    this.#credentials = credentials;
    this.#info = info;
    this.#changed();
    return info;
  }

  async logout(): Promise<void> {
    const credentials = this.#credentials;
    this.#credentials = null;
    this.#info = null;
    this.#settings.delete(SESSION_SETTING);
    await this.#secrets.delete(ACCESS_TOKEN_SECRET);
    this.#changed();
    if (credentials) {
      try {
        await logout(credentials);
      } catch (error) {
        // Offline: the device stays listed on the homeserver until the user removes it there; locally the session is gone.
        if (!(error instanceof RpcError)) throw error;
      }
    }
  }

  async openIdToken(): Promise<{ token: string; serverName: string }> {
    return requestOpenIdToken(this.credentials());
  }

  #changed(): void {
    this.#events.emit('session.changed', this.#info);
    for (const listener of this.#listeners) listener(this.#info);
  }
}
