import { createHmac } from 'node:crypto';

/**
 * Account creation through Synapse's shared-secret admin API
 * (POST /_synapse/admin/v1/register), as Element's own end-to-end tests do.
 */

export interface RegisterUserOptions {
  username: string;
  password: string;
  displayName?: string;
  admin?: boolean;
}

export interface RegisteredUser {
  userId: string;
  accessToken: string;
  deviceId: string;
}

export class UserExistsError extends Error {
  readonly username: string;
  constructor(username: string) {
    super(`Matrix user ${username} already exists`);
    this.username = username;
  }
}

export async function registerUser(baseUrl: string, sharedSecret: string, options: RegisterUserOptions): Promise<RegisteredUser> {
  const url = new URL('/_synapse/admin/v1/register', baseUrl);
  const nonceResponse = await fetch(url);
  if (!nonceResponse.ok) throw new Error(`GET ${url} answered ${nonceResponse.status}: ${await nonceResponse.text()}`);
  const { nonce } = (await nonceResponse.json()) as { nonce: string };
  const admin = options.admin ?? false;
  const mac = createHmac('sha1', sharedSecret)
    .update(nonce)
    .update('\0')
    .update(options.username)
    .update('\0')
    .update(options.password)
    .update('\0')
    .update(admin ? 'admin' : 'notadmin')
    .digest('hex');
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ nonce, username: options.username, password: options.password, admin, mac, displayname: options.displayName }),
  });
  const body = (await response.json()) as { user_id?: string; access_token?: string; device_id?: string; errcode?: string; error?: string };
  if (body.errcode === 'M_USER_IN_USE') throw new UserExistsError(options.username);
  if (!response.ok || !body.user_id || !body.access_token || !body.device_id) {
    throw new Error(`registering ${options.username} failed: ${response.status} ${body.errcode ?? ''} ${body.error ?? ''}`);
  }
  return { userId: body.user_id, accessToken: body.access_token, deviceId: body.device_id };
}

/** Resolves once the homeserver's client API answers, or rejects after `timeoutMs`. */
export async function waitForHomeserver(baseUrl: string, timeoutMs: number, stillStarting: () => string | null = () => null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    const died = stillStarting();
    if (died !== null) throw new Error(died);
    try {
      const response = await fetch(new URL('/health', baseUrl), { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      lastProblem = `/health answered ${response.status}`;
    } catch (error) {
      lastProblem = String((error as Error).cause ?? error);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`the homeserver at ${baseUrl} did not become healthy within ${timeoutMs / 1000} s (${lastProblem})`);
}

export async function isHomeserverHealthy(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/health', baseUrl), { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}
