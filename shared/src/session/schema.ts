import { z } from 'zod';
import { MatrixUserId } from '../directory/ids.ts';

/** Logging in to the homeserver: the one login of GovDesk. */
export const LoginParams = z.object({
  homeserverUrl: z.url({ protocol: /^https?$/ }),
  /** A localpart (`zhangwei`) or a full Matrix user ID. */
  username: z.string().trim().min(1).max(255),
  password: z.string().min(1).max(1024),
});
export type LoginParams = z.infer<typeof LoginParams>;

export const SessionInfo = z.object({
  userId: MatrixUserId,
  displayName: z.string(),
  deviceId: z.string(),
  homeserverUrl: z.url(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;
