import { sessionApi } from '@govdesk/shared';
import { DomainError } from '../domain-error.ts';
import type { Feature } from '../feature.ts';
import { KeyedRateLimiter } from '../http/rate-limit.ts';

/** Logging in and out, and refreshing a session (POST/DELETE /api/session, POST /api/session/refresh). */
export const sessionsFeature: Feature = {
  name: 'sessions',
  setup({ api, sessions, config }) {
    // Logging in makes the server ask the homeserver, so logins are limited per client address.
    const limiter = new KeyedRateLimiter(config.limits.sessionsPerMinute / 60, config.limits.sessionsPerMinute);
    api.serve(sessionApi, {
      createSession: async ({ req, body }) => {
        if (!limiter.take(req.socket.remoteAddress ?? 'unknown')) throw new DomainError('rate_limited', 'too many login attempts from this address; try again in a minute');
        return sessions.create(body.homeserver, body.openIdToken);
      },
      // Refreshing is not limited by address: the refresh token is a 256-bit secret, and a reused one ends the session.
      // (A desktop restarting while offline and back refreshes at every start; an office behind one NAT does so together.)
      refreshSession: ({ body }) => sessions.refresh(body.refreshToken),
      deleteSession: async ({ principal }) => {
        await sessions.revoke(principal.sessionId);
        return { ok: true as const };
      },
    });
  },
};
