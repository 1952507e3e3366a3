import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { MIGRATIONS } from './migrations.ts';

export type CacheDatabase = Database.Database;

/** The key does not open the cache. Nothing was changed or deleted. */
export class WrongKeyError extends Error {
  constructor(file: string) {
    super(`the key does not open the GovDesk cache at ${file}; the cache was left untouched`);
    this.name = 'WrongKeyError';
  }
}

export interface OpenedStore {
  db: CacheDatabase;
  file: string;
  /** Set when a corrupted cache was moved aside and a new one started: everything is fetched again from the servers. */
  quarantined: string | null;
}

const CACHE_FILE = 'govdesk-cache.db';
const KEY_CHECK_FILE = 'govdesk-cache.keycheck';

/**
 * A keyed MAC of a constant, kept beside the cache. It tells a wrong key (the
 * MAC differs: refuse, touch nothing) from a damaged cache (the MAC matches but
 * SQLCipher cannot read the file: move it aside and start again from the servers).
 */
function keyCheck(key: Uint8Array): Buffer {
  return createHmac('sha256', key).update('govdesk cache key check v1').digest();
}

function applyKey(db: CacheDatabase, key: Uint8Array): void {
  db.pragma("cipher = 'sqlcipher'");
  // A raw 256-bit key: no passphrase derivation at every start.
  db.pragma(`key = "x'${Buffer.from(key).toString('hex')}'"`);
}

/**
 * A text as its characters separated by spaces: what the one- and
 * two-character search index (migration 2) tokenizes, one token per
 * character. The triggers on matrix_events call it, so every connection that
 * writes messages must have it (every connection is opened here).
 */
export function spacedCharacters(text: unknown): string | null {
  return typeof text === 'string' ? Array.from(text).join(' ') : null;
}

function openEncrypted(file: string, key: Uint8Array): CacheDatabase {
  const db = new Database(file);
  try {
    applyKey(db, key);
    // The first read decrypts page 1: a wrong key or a damaged file fails here.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.pragma('journal_mode = WAL');
    // Every local edit is on disk before it is sent anywhere.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.function('gd_chars', { deterministic: true }, spacedCharacters);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function openCacheDatabase(dataDir: string, key: Uint8Array): OpenedStore {
  if (key.length !== 32) throw new Error('the cache key must be 32 bytes');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, CACHE_FILE);
  const checkFile = path.join(dataDir, KEY_CHECK_FILE);
  let quarantined: string | null = null;
  let db: CacheDatabase;
  try {
    db = openEncrypted(file, key);
  } catch (error) {
    if ((error as { code?: string }).code !== 'SQLITE_NOTADB') throw error;
    const expected = existsSync(checkFile) ? readFileSync(checkFile) : null;
    const given = keyCheck(key);
    // Without proof that the key is right, assume it is wrong: never risk someone's data on a guess.
    if (!expected || expected.length !== given.length || !timingSafeEqual(expected, given)) throw new WrongKeyError(file);
    quarantined = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(file, quarantined);
    for (const suffix of ['-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, quarantined + suffix);
    db = openEncrypted(file, key);
  }
  if (!existsSync(checkFile)) writeFileSync(checkFile, keyCheck(key), { mode: 0o600 });
  migrate(db);
  return { db, file, quarantined };
}

function migrate(db: CacheDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) throw new Error(`the cache (schema ${current}) was written by a newer GovDesk (${MIGRATIONS.length}); refusing to open it`);
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
