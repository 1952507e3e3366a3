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
