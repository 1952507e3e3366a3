import { MatrixUserId, userIdServerName } from '@govdesk/shared';
import { HttpError } from '../http/errors.ts';

/**
 * Checks a Matrix OpenID token with the homeserver that issued it
 * (GET /_matrix/federation/v1/openid/userinfo), the way Element Call and
 * integration managers authenticate users. Only allow-listed homeservers are
 * asked, and the answer must name a user of that same homeserver.
 */
export async function verifyOpenIdToken(homeservers: Record<string, string>, serverName: string, accessToken: string): Promise<string> {
  const baseUrl = homeservers[serverName];
  if (!baseUrl) throw new HttpError(403, 'homeserver_not_allowed', `users of ${serverName} may not log in here`);
  const url = new URL('/_matrix/federation/v1/openid/userinfo', baseUrl);
  url.searchParams.set('access_token', accessToken);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
  } catch (error) {
    throw new HttpError(502, 'homeserver_unreachable', `the homeserver ${serverName} could not be asked: ${String((error as Error).cause ?? error)}`);
  }
  if (response.status === 401 || response.status === 403) throw new HttpError(401, 'invalid_openid_token', 'the homeserver does not recognise this OpenID token');
  if (!response.ok) throw new HttpError(502, 'homeserver_error', `the homeserver ${serverName} answered ${response.status}`);
  const body = (await response.json().catch(() => null)) as { sub?: unknown } | null;
  const sub = MatrixUserId.safeParse(body?.sub);
  if (!sub.success || userIdServerName(sub.data) !== serverName) {
    throw new HttpError(502, 'homeserver_error', `the homeserver ${serverName} answered with a user that is not its own`);
  }
  return sub.data;
}
