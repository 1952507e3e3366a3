import { z } from 'zod';

/**
 * Matrix identifiers as the client-server spec defines them. A server name is a
 * DNS name, IPv4 or bracketed IPv6 literal, with an optional port.
 */
const SERVER_NAME = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,255})(?::\d{1,5})?$/;
const USER_LOCALPART = /^[a-z0-9._=\-/+]+$/;

export const MatrixServerName = z.string().max(255).regex(SERVER_NAME, 'not a Matrix server name');
export type MatrixServerName = z.infer<typeof MatrixServerName>;

export const MatrixUserId = z
  .string()
  .max(255)
  .refine((id) => {
    if (!id.startsWith('@')) return false;
    const colon = id.indexOf(':');
    return colon > 1 && USER_LOCALPART.test(id.slice(1, colon)) && SERVER_NAME.test(id.slice(colon + 1));
  }, 'not a Matrix user ID (@localpart:server)');
export type MatrixUserId = z.infer<typeof MatrixUserId>;

export function userIdServerName(userId: MatrixUserId): string {
  return userId.slice(userId.indexOf(':') + 1);
}

export function userIdLocalpart(userId: MatrixUserId): string {
  return userId.slice(1, userId.indexOf(':'));
}
