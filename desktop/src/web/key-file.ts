import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Browser mode has no safeStorage: the cache key lives in a key file (0600)
 * beside the data, created on first use. Losing the file loses the cache,
 * which is then rebuilt from the servers; a different file is a wrong key.
 */
export function loadOrCreateKeyFile(file: string): Uint8Array {
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key in hex`);
    return new Uint8Array(key);
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return new Uint8Array(key);
}
