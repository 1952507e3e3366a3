import { randomBytes } from 'node:crypto';
import type { Logger } from 'matrix-js-sdk/lib/logger.js';
import { registerUser, type RunningHomeserver } from '../../build/homeserver/index.ts';

export interface TestUser {
  userId: string;
  username: string;
  password: string;
  accessToken: string;
  deviceId: string;
}

/** A fresh account on the real test homeserver, unique to this test run. */
export async function createTestUser(homeserver: RunningHomeserver, prefix: string, displayName?: string): Promise<TestUser> {
  const username = `${prefix}-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  const registered = await registerUser(homeserver.baseUrl, homeserver.registrationSecret, { username, password, displayName: displayName ?? username });
  return { ...registered, username, password };
}

/** matrix-js-sdk logs every sync step; tests keep only warnings and errors. */
export const quietMatrixLogger: Logger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (...args: unknown[]) => console.warn(...args),
  error: (...args: unknown[]) => console.error(...args),
  getChild: () => quietMatrixLogger,
};

/** The client-server API as `user`, bypassing every core: what the homeserver really holds, or a stock client's request. */
export async function asUser<T>(homeserver: RunningHomeserver, user: Pick<TestUser, 'accessToken'>, method: string, apiPath: string, body?: unknown): Promise<T> {
  const response = await fetch(new URL(apiPath, homeserver.baseUrl), {
    method,
    headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${apiPath}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
