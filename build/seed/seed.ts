import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Directory } from '@govdesk/shared';
import { registerUser, UserExistsError, type RunningHomeserver } from '../homeserver/index.ts';
import { DEMO_ACCOUNTS, demoDirectory, type DemoAccount } from './demo-directory.ts';

export interface SeededAccount extends DemoAccount {
  userId: string;
  password: string;
}

export interface SeedResult {
  accounts: SeededAccount[];
  directoryFile: string;
  /** false when this homeserver had been seeded before. */
  seededNow: boolean;
}

/** A readable random password: four groups of four, no look-alike characters. */
function demoPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(16);
  const chars = Array.from(bytes, (byte) => alphabet.charAt(byte % alphabet.length));
  return [0, 4, 8, 12].map((start) => chars.slice(start, start + 4).join('')).join('-');
}

/**
 * Creates the demo accounts and writes the directory the sync-server imports.
 * Runs once per homeserver (the homeserver's registration secret identifies
 * it); the accounts and their passwords are kept in <stateDir>/demo-accounts.json.
 */
export async function seedDemo(homeserver: RunningHomeserver, stateDir: string): Promise<SeedResult> {
  mkdirSync(stateDir, { recursive: true });
  const accountsFile = path.join(stateDir, 'demo-accounts.json');
  const directoryFile = path.join(stateDir, 'directory.json');
  const homeserverIdentity = createHash('sha256').update(homeserver.baseUrl).update(homeserver.registrationSecret).digest('hex');

  const stored = existsSync(accountsFile) ? (JSON.parse(readFileSync(accountsFile, 'utf8')) as { homeserver: string; accounts: SeededAccount[] }) : null;
  if (stored && stored.homeserver === homeserverIdentity && existsSync(directoryFile)) {
    return { accounts: stored.accounts, directoryFile, seededNow: false };
  }

  const accounts: SeededAccount[] = [];
  for (const account of DEMO_ACCOUNTS) {
    const password = demoPassword();
    try {
      const registered = await registerUser(homeserver.baseUrl, homeserver.registrationSecret, { username: account.username, password, displayName: account.displayName });
      accounts.push({ ...account, userId: registered.userId, password });
    } catch (error) {
      if (!(error instanceof UserExistsError)) throw error;
      throw new Error(
        `the demo account ${account.username} already exists on ${homeserver.baseUrl} but GovDesk has no record of its password; ` +
          'seed a fresh homeserver (npm run homeserver -- stop dev, then delete .cache/homeserver/sid-rootfs/var/lib/govdesk/dev) or log in with the password you set',
        { cause: error },
      );
    }
  }
  const directory = Directory.parse(demoDirectory(homeserver.serverName));
  writeFileSync(directoryFile, `${JSON.stringify(directory, null, 2)}\n`);
  writeFileSync(accountsFile, JSON.stringify({ homeserver: homeserverIdentity, accounts }, null, 2), { mode: 0o600 });
  return { accounts, directoryFile, seededNow: true };
}
