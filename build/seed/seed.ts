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
  /** The accounts this run registered: all of them on a new homeserver, the ones added to the demo since on an older one, else none. */
  registered: SeededAccount[];
  /**
   * Access tokens of the accounts registered on this run, by username, so that
   * the next seeding step need not log them in (the dev homeserver limits
   * logins per address). Never written to disk.
   */
  sessions: ReadonlyMap<string, string>;
}

interface AccountsFile {
  homeserver: string;
  accounts: SeededAccount[];
}

/** Which homeserver a record of demo data belongs to: its address and its registration secret, hashed. */
export function homeserverIdentity(homeserver: RunningHomeserver): string {
  return createHash('sha256').update(homeserver.baseUrl).update(homeserver.registrationSecret).digest('hex');
}

/** A readable random password: four groups of four, no look-alike characters. */
function demoPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(16);
  const chars = Array.from(bytes, (byte) => alphabet.charAt(byte % alphabet.length));
  return [0, 4, 8, 12].map((start) => chars.slice(start, start + 4).join('')).join('-');
}

/**
 * Creates the demo accounts this homeserver lacks and writes the directory the
 * sync-server imports. The accounts and their passwords are kept in
 * <stateDir>/demo-accounts.json, for one homeserver (its identity); an account
 * recorded there keeps its password, one added to DEMO_ACCOUNTS since is
 * registered on the next start. The file is rewritten after every
 * registration, so a failure halfway loses no password.
 */
export async function seedDemo(homeserver: RunningHomeserver, stateDir: string): Promise<SeedResult> {
  mkdirSync(stateDir, { recursive: true });
  const accountsFile = path.join(stateDir, 'demo-accounts.json');
  const directoryFile = path.join(stateDir, 'directory.json');
  const identity = homeserverIdentity(homeserver);

  const stored = existsSync(accountsFile) ? (JSON.parse(readFileSync(accountsFile, 'utf8')) as AccountsFile) : null;
  const known = new Map((stored?.homeserver === identity ? stored.accounts : []).map((account) => [account.username, account]));

  const accounts: SeededAccount[] = [];
  const registered: SeededAccount[] = [];
  const sessions = new Map<string, string>();
  const save = () => writeFileSync(accountsFile, JSON.stringify({ homeserver: identity, accounts: [...known.values()] } satisfies AccountsFile, null, 2), { mode: 0o600 });
  for (const account of DEMO_ACCOUNTS) {
    const recorded = known.get(account.username);
    if (recorded) {
      // Names and roles come from the code, so a reworded role shows; the password is the one the account has.
      accounts.push({ ...account, userId: recorded.userId, password: recorded.password });
      continue;
    }
    const password = demoPassword();
    try {
      const created = await registerUser(homeserver.baseUrl, homeserver.registrationSecret, { username: account.username, password, displayName: account.displayName });
      const seeded = { ...account, userId: created.userId, password };
      known.set(account.username, seeded);
      save();
      accounts.push(seeded);
      registered.push(seeded);
      sessions.set(account.username, created.accessToken);
    } catch (error) {
      if (!(error instanceof UserExistsError)) throw error;
      throw new Error(
        `the demo account ${account.username} already exists on ${homeserver.baseUrl} but GovDesk has no record of its password; ` +
          'seed a fresh homeserver (npm run homeserver -- stop dev, then delete .cache/homeserver/sid-rootfs/var/lib/govdesk/dev) or log in with the password you set',
        { cause: error },
      );
    }
  }
  // Rewritten on every start, so the sync-server's directory follows the code (it replaces its own on import).
  const directory = Directory.parse(demoDirectory(homeserver.serverName));
  writeFileSync(directoryFile, `${JSON.stringify(directory, null, 2)}\n`);
  return { accounts, directoryFile, registered, sessions };
}
