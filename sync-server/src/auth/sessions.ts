import { createHash, randomBytes } from 'node:crypto';
import type { SessionTokens } from '@govdesk/shared';
import { DomainError } from '../domain-error.ts';
import type { EventBus } from '../events.ts';
import type { SessionRepository } from '../storage/types.ts';
import type { DirectoryService } from '../directory/directory-service.ts';
import { verifyOpenIdToken } from './openid.ts';
import type { TokenClaims, TokenSigner } from './tokens.ts';

export interface Principal {
  userId: string;
  sessionId: string;
  /** When the session runs out unless it is refreshed (ms since the epoch). */
  sessionExpiresAt: number;
}

export interface SessionOptions {
  homeservers: Record<string, string>;
  sessionTtlSeconds: number;
  refreshTtlSeconds: number;
}

const hash = (token: string) => createHash('sha256').update(token).digest();

/**
 * Sessions: created from a verified Matrix OpenID token, kept in storage so
 * that they can be revoked, refreshed with single-use refresh tokens. A
 * refresh token presented twice means it leaked: the whole session ends.
 */
export class SessionService {
  readonly #signer: TokenSigner;
  readonly #sessions: SessionRepository;
  readonly #directory: DirectoryService;
  readonly #options: SessionOptions;
  readonly #events: Pick<EventBus, 'emit'>;

  constructor(signer: TokenSigner, sessions: SessionRepository, directory: DirectoryService, options: SessionOptions, events: Pick<EventBus, 'emit'>) {
    this.#signer = signer;
    this.#sessions = sessions;
    this.#directory = directory;
    this.#options = options;
    this.#events = events;
  }

  async create(serverName: string, openIdToken: string): Promise<SessionTokens> {
    const userId = await verifyOpenIdToken(this.#options.homeservers, serverName, openIdToken);
    const sessionId = randomBytes(16).toString('base64url');
    // The session ID leads the refresh token, so a refresh finds its session without a scan.
    const refreshToken = `${sessionId}.${randomBytes(32).toString('base64url')}`;
    const now = Date.now();
    const refreshExpiresAt = now + this.#options.refreshTtlSeconds * 1000;
    await this.#sessions.create({ id: sessionId, userId, refreshHash: hash(refreshToken), previousRefreshHash: null, createdAt: now, expiresAt: refreshExpiresAt });
    return this.#tokens(userId, sessionId, refreshToken, refreshExpiresAt);
  }

  async refresh(refreshToken: string): Promise<SessionTokens> {
    const [sessionId] = refreshToken.split('.');
    const session = sessionId ? await this.#sessions.get(sessionId) : null;
    const presented = hash(refreshToken);
    if (!session || session.expiresAt <= Date.now()) throw new DomainError('invalid_refresh_token', 'the refresh token is not valid');
    if (session.previousRefreshHash?.equals(presented)) {
      // A used refresh token came back: someone else holds a copy. End the session everywhere.
      await this.revoke(session.id);
      throw new DomainError('invalid_refresh_token', 'the refresh token was already used; the session has ended');
    }
    const next = `${session.id}.${randomBytes(32).toString('base64url')}`;
    const expiresAt = Date.now() + this.#options.refreshTtlSeconds * 1000;
    if (!(await this.#sessions.rotate(session.id, presented, hash(next), expiresAt))) throw new DomainError('invalid_refresh_token', 'the refresh token is not valid');
    return this.#tokens(session.userId, session.id, next, expiresAt);
  }

  async revoke(sessionId: string): Promise<void> {
    await this.#sessions.delete(sessionId);
    this.#events.emit('session.ended', { sessionId });
  }

  /** The principal behind a bearer token, or the reason it is refused (401). */
  async authenticate(token: string | undefined): Promise<Principal> {
    if (!token) throw new DomainError('unauthorized', 'a session token is required');
    const verified = this.#signer.verify(token);
    if ('problem' in verified) throw new DomainError('unauthorized', verified.problem === 'expired' ? 'the session token has expired' : 'the session token is not valid');
    const session = await this.#sessions.get(verified.claims.sid);
    // A session past its refresh lifetime is over even while its last access token is not (they are configured apart).
    if (!session || session.userId !== verified.claims.sub || session.expiresAt <= Date.now()) throw new DomainError('unauthorized', 'the session has ended');
    return { userId: verified.claims.sub, sessionId: verified.claims.sid, sessionExpiresAt: session.expiresAt };
  }

  /** When the session runs out now (a refresh moves it), or null when it has ended or run out. */
  async expiresAt(sessionId: string): Promise<number | null> {
    const session = await this.#sessions.get(sessionId);
    return session && session.expiresAt > Date.now() ? session.expiresAt : null;
  }

  #tokens(userId: string, sessionId: string, refreshToken: string, refreshExpiresAt: number): SessionTokens {
    const iat = Math.floor(Date.now() / 1000);
    const claims: TokenClaims = { sub: userId, sid: sessionId, iat, exp: iat + this.#options.sessionTtlSeconds };
    const person = this.#directory.person(userId);
    return {
      accessToken: this.#signer.sign(claims),
      accessTokenExpiresAt: new Date(claims.exp * 1000).toISOString(),
      refreshToken,
      refreshTokenExpiresAt: new Date(refreshExpiresAt).toISOString(),
      user: { userId, class: person.class, displayName: person.displayName },
    };
  }
}
