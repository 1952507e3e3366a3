import { syncApi } from '@govdesk/shared';
import { registerRoute } from '../http/api.ts';
import { tooManyRequests } from '../http/errors.ts';
import type { KeyedRateLimiter } from '../http/rate-limit.ts';
import type { Router } from '../http/router.ts';
import type { SessionService } from './sessions.ts';

export function registerSessionRoutes(router: Router, sessions: SessionService, limiter: KeyedRateLimiter, maxBodyBytes: number): void {
  // Logging in makes the server ask the homeserver, so logins are limited per client address.
  const limit = (address: string | undefined) => {
    if (!limiter.take(address ?? 'unknown')) throw tooManyRequests('too many login attempts from this address; try again in a minute');
  };
  registerRoute(router, sessions, maxBodyBytes, syncApi.createSession, async ({ req, body }) => {
    limit(req.socket.remoteAddress);
    return sessions.create(body.homeserver, body.openIdToken);
  });
  // Refreshing is not limited by address: the refresh token is a 256-bit secret, and a reused one ends the session.
  // (A desktop restarting while offline and back refreshes at every start; an office behind one NAT does so together.)
  registerRoute(router, sessions, maxBodyBytes, syncApi.refreshSession, ({ body }) => sessions.refresh(body.refreshToken));
  registerRoute(router, sessions, maxBodyBytes, syncApi.deleteSession, async ({ principal }) => {
    await sessions.revoke(principal.sessionId);
    return { ok: true as const };
  });
}
