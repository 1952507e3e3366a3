import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file.ts';
import type { Encryptor } from './encryption.ts';

/**
 * The 32-byte key of core's encrypted cache (SQLCipher). Created at random on
 * first run and kept in userData only as safeStorage ciphertext, so the cache
 * file alone, or copied to another account or machine, opens for nobody.
 * A key file that cannot be read is reported, never replaced: replacing it
 * would orphan the cache it opens.
 */

export const CACHE_KEY_BYTES = 32;

interface KeyFile {
  version: 1;
  /** base64 of safeStorage's encryption of the key in hex. */
  encrypted: string;
}

export class CacheKeyUnreadableError extends Error {
  readonly file: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(`the cache key in ${file} cannot be read: ${reason}`, options);
    this.name = 'CacheKeyUnreadableError';
    this.file = file;
  }
}

async function writeKeyFile(file: string, encryptor: Encryptor, key: Uint8Array): Promise<void> {
  const encrypted = await encryptor.encrypt(Buffer.from(key).toString('hex'));
  const content: KeyFile = { version: 1, encrypted: encrypted.toString('base64') };
  await writeFileAtomic(file, `${JSON.stringify(content)}\n`);
}

async function readKeyFile(file: string, encryptor: Encryptor): Promise<{ key: Uint8Array; shouldReEncrypt: boolean }> {
  let content: Partial<KeyFile>;
  try {
    content = JSON.parse(await readFile(file, 'utf8')) as Partial<KeyFile>;
  } catch (error) {
    throw new CacheKeyUnreadableError(file, 'not a GovDesk key file', { cause: error });
  }
  if (content.version !== 1 || typeof content.encrypted !== 'string') throw new CacheKeyUnreadableError(file, 'not a GovDesk key file');
  let decrypted: { plainText: string; shouldReEncrypt: boolean };
  try {
    decrypted = await encryptor.decrypt(Buffer.from(content.encrypted, 'base64'));
  } catch (error) {
    throw new CacheKeyUnreadableError(file, 'the system keyring cannot decrypt it', { cause: error });
  }
  if (!/^[0-9a-f]{64}$/.test(decrypted.plainText)) throw new CacheKeyUnreadableError(file, 'it does not hold a 32-byte key');
  return { key: new Uint8Array(Buffer.from(decrypted.plainText, 'hex')), shouldReEncrypt: decrypted.shouldReEncrypt };
}

export async function loadOrCreateCacheKey(file: string, encryptor: Encryptor, log: (message: string, details?: Record<string, unknown>) => void = () => {}): Promise<Uint8Array> {
  if (!existsSync(file)) {
    const key = new Uint8Array(randomBytes(CACHE_KEY_BYTES));
    await writeKeyFile(file, encryptor, key);
    return key;
  }
  const { key, shouldReEncrypt } = await readKeyFile(file, encryptor);
  if (shouldReEncrypt) {
    // The OS rotated its key; the old ciphertext still opens today, so a failed rewrite only costs a retry next start.
    await writeKeyFile(file, encryptor, key).catch((error: unknown) => log('could not re-encrypt the cache key', { error: String(error) }));
  }
  return key;
}
