import { RpcError, type SessionTokens } from '@govdesk/shared';
import type { SecretStore } from '../store/secrets.ts';
import { SyncApiError, type SyncApiClient } from '../sync-api/client.ts';

const REFRESH_SECRET = 'sync.refreshToken';
/** Renew a little before expiry so a token never dies in flight. */
const RENEW_BEFORE_MS = 60_000;

export interface OpenIdSource {
  /** A fresh Matrix OpenID token and the homeserver's server name. */
  openIdToken(): Promise<{ token: string; serverName: string }>;
}

/**
 * The session with the sync-server: login once (a Matrix OpenID token), then
 * short-lived access tokens renewed with the single-use refresh token, which
 * is kept in the SecretStore so a restart needs no new login.
 */
export class SyncSession {
  readonly #api: SyncApiClient;
  readonly #secrets: SecretStore;
  readonly #matrix: OpenIdSource;
  #access: { token: string; expiresAt: number } | null = null;
  #user: SessionTokens['user'] | null = null;
  #pending: Promise<string> | null = null;

  constructor(api: SyncApiClient, secrets: SecretStore, matrix: OpenIdSource) {
    this.#api = api;
    this.#secrets = secrets;
    this.#matrix = matrix;
  }

  get user(): SessionTokens['user'] | null {
    return this.#user;
  }

  /** A valid access token; `renew` forces a new one (the server refused the last). One renewal at a time. */
  token(options: { renew?: boolean } = {}): Promise<string> {
    if (!options.renew && this.#access && this.#access.expiresAt - Date.now() > RENEW_BEFORE_MS) return Promise.resolve(this.#access.token);
    this.#pending ??= this.#renew().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  async #renew(): Promise<string> {
    const refreshToken = await this.#secrets.get(REFRESH_SECRET);
    if (refreshToken) {
      try {
        return await this.#accept(await this.#api.call('refreshSession', { body: { refreshToken } }));
      } catch (error) {
        // A refused refresh token means logging in again; anything else (offline) is for the caller.
        if (!(error instanceof SyncApiError && error.status === 401)) throw error;
        await this.#secrets.delete(REFRESH_SECRET);
      }
    }
    const { token, serverName } = await this.#matrix.openIdToken();
    return this.#accept(await this.#api.call('createSession', { body: { homeserver: serverName, openIdToken: token } }));
  }

  async #accept(tokens: SessionTokens): Promise<string> {
    await this.#secrets.set(REFRESH_SECRET, tokens.refreshToken);
    this.#access = { token: tokens.accessToken, expiresAt: Date.parse(tokens.accessTokenExpiresAt) };
    this.#user = tokens.user;
    return tokens.accessToken;
  }

  /** Ends the session on the server when it can be reached; forgets it here in any case. */
  async end(): Promise<void> {
    const access = this.#access;
    this.#access = null;
    this.#user = null;
    await this.#secrets.delete(REFRESH_SECRET);
    if (!access) return;
    try {
      await this.#api.call('deleteSession', { token: access.token });
    } catch (error) {
      if (!(error instanceof RpcError)) throw error;
    }
  }
}
