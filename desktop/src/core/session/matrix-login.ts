import { RpcError, type LoginParams } from '@govdesk/shared';

/** The credentials a login gives: what core keeps, never the renderer's business beyond the access token it needs for matrix-js-sdk. */
export interface MatrixCredentials {
  homeserverUrl: string;
  userId: string;
  deviceId: string;
  accessToken: string;
}

async function matrixFetch(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new RpcError('homeserver_unreachable', `the homeserver at ${url.origin} cannot be reached: ${String((error as Error).cause ?? error)}`);
  }
}

async function failure(response: Response): Promise<RpcError> {
  const body = (await response.json().catch(() => ({}))) as { errcode?: string; error?: string };
  if (response.status === 429 || body.errcode === 'M_LIMIT_EXCEEDED') return new RpcError('rate_limited', body.error ?? 'too many attempts');
  if (body.errcode === 'M_UNKNOWN_TOKEN') return new RpcError('matrix_session_ended', body.error ?? 'the homeserver ended this session');
  if (body.errcode === 'M_FORBIDDEN' || body.errcode === 'M_USER_DEACTIVATED' || response.status === 403) {
    return new RpcError('invalid_credentials', body.error ?? 'invalid username or password');
  }
  return new RpcError('homeserver_error', `${response.status} ${body.errcode ?? ''} ${body.error ?? ''}`.trim());
}

/** m.login.password, as matrix-js-sdk's loginRequest does it. */
export async function loginWithPassword(params: LoginParams, deviceName: string): Promise<MatrixCredentials> {
  const homeserverUrl = params.homeserverUrl.replace(/\/+$/, '');
  const response = await matrixFetch(new URL('/_matrix/client/v3/login', homeserverUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: params.username },
      password: params.password,
      initial_device_display_name: deviceName,
    }),
  });
  if (!response.ok) throw await failure(response);
  const body = (await response.json()) as { user_id: string; device_id: string; access_token: string };
  return { homeserverUrl, userId: body.user_id, deviceId: body.device_id, accessToken: body.access_token };
}

export async function fetchDisplayName(credentials: MatrixCredentials): Promise<string> {
  const url = new URL(`/_matrix/client/v3/profile/${encodeURIComponent(credentials.userId)}/displayname`, credentials.homeserverUrl);
  const response = await matrixFetch(url, { headers: { authorization: `Bearer ${credentials.accessToken}` } });
  if (!response.ok) return credentials.userId;
  const body = (await response.json()) as { displayname?: string };
  return body.displayname ?? credentials.userId;
}

export async function logout(credentials: MatrixCredentials): Promise<void> {
  const response = await matrixFetch(new URL('/_matrix/client/v3/logout', credentials.homeserverUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${credentials.accessToken}`, 'content-type': 'application/json' },
    body: '{}',
  });
  // An already invalid token means the session is gone anyway.
  if (!response.ok && response.status !== 401) throw await failure(response);
}

/** A Matrix OpenID token, which third-party servers (our sync-server) verify with the homeserver. */
export async function requestOpenIdToken(credentials: MatrixCredentials): Promise<{ token: string; serverName: string }> {
  const url = new URL(`/_matrix/client/v3/user/${encodeURIComponent(credentials.userId)}/openid/request_token`, credentials.homeserverUrl);
  const response = await matrixFetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${credentials.accessToken}`, 'content-type': 'application/json' },
    body: '{}',
  });
  if (!response.ok) throw await failure(response);
  const body = (await response.json()) as { access_token: string; matrix_server_name: string };
  return { token: body.access_token, serverName: body.matrix_server_name };
}
