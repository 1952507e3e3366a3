import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * When GovDesk may keep secrets with safeStorage. On Linux without a keyring
 * (GNOME Keyring, KWallet) Electron falls back to `basic_text`: encryption
 * with a hard-coded password, which protects nothing against a program that
 * can read the user's files. GovDesk then asks the user once, explicitly, and
 * remembers the answer; it never falls back silently.
 */

export type StorageDecision = 'proceed' | 'ask-consent' | 'refuse';

export interface StorageFacts {
  platform: NodeJS.Platform;
  /** Whether safeStorage can encrypt at all. */
  available: boolean;
  /** safeStorage.getSelectedStorageBackend() on Linux. */
  backend: string | null;
  /** Whether the user already accepted the weak backend on this machine. */
  consented: boolean;
}

/** Backends that do not keep the key in an OS keyring: basic_text, and unknown (no keyring could be confirmed). */
export function isWeakBackend(platform: NodeJS.Platform, backend: string | null): boolean {
  return platform === 'linux' && (backend === 'basic_text' || backend === 'unknown' || backend === null);
}

export function storageDecision(facts: StorageFacts): StorageDecision {
  if (!facts.available) return 'refuse';
  if (!isWeakBackend(facts.platform, facts.backend)) return 'proceed';
  return facts.consented ? 'proceed' : 'ask-consent';
}

interface ConsentRecord {
  weakBackendAccepted: true;
  backend: string | null;
  acceptedAt: string;
}

export function hasWeakStorageConsent(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<ConsentRecord>;
    return record.weakBackendAccepted === true;
  } catch {
    return false;
  }
}

export function recordWeakStorageConsent(file: string, backend: string | null, now = new Date()): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const record: ConsentRecord = { weakBackendAccepted: true, backend, acceptedAt: now.toISOString() };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}
