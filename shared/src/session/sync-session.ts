import { z } from 'zod';
import { MatrixServerName, MatrixUserId } from '../directory/ids.ts';
import { UserClass } from '../directory/schema.ts';

/** Login once: a Matrix OpenID token, checked by the sync-server with the user's homeserver. */
export const CreateSessionRequest = z.object({
  homeserver: MatrixServerName,
  openIdToken: z.string().min(1).max(4096),
});
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

export const RefreshSessionRequest = z.object({
  refreshToken: z.string().min(1).max(512),
});
export type RefreshSessionRequest = z.infer<typeof RefreshSessionRequest>;

export const SessionTokens = z.object({
  /** Short-lived bearer token for the JSON API and the document WebSocket (`?token=`). */
  accessToken: z.string(),
  accessTokenExpiresAt: z.iso.datetime(),
  /** Single-use; each refresh returns a new one. */
  refreshToken: z.string(),
  refreshTokenExpiresAt: z.iso.datetime(),
  user: z.object({ userId: MatrixUserId, class: UserClass, displayName: z.string() }),
});
export type SessionTokens = z.infer<typeof SessionTokens>;
