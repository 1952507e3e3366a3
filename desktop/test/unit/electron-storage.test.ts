import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CacheKeyUnreadableError, loadOrCreateCacheKey } from '../../src/main/cache-key.ts';
import { createEncryptor, type SafeStorageLike } from '../../src/main/encryption.ts';
import { createEncryptedSecretStore } from '../../src/main/secret-file.ts';
import { hasWeakStorageConsent, recordWeakStorageConsent, storageDecision } from '../../src/main/storage-policy.ts';

/**
 * How secrets and the cache key are kept, with a fake safeStorage (XOR with
 * a per-"keyring" byte, so a different keyring really cannot decrypt).
 * Files go to the temp directory.
 */

function fakeSafeStorage(options: { keyring?: number; api?: 'async' | 'sync'; rotate?: boolean; available?: boolean } = {}) {
  const keyring = options.keyring ?? 7;
  const calls: string[] = [];
  const encrypt = (text: string) => Buffer.concat([Buffer.from([keyring]), Buffer.from(text, 'utf8').map((byte) => byte ^ keyring)]);
  const decrypt = (data: Buffer) => {
    if (data[0] !== keyring) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from(data.subarray(1).map((byte) => byte ^ keyring)).toString('utf8');
  };
  const sync: SafeStorageLike = {
    isEncryptionAvailable: () => options.available ?? true,
    encryptString: (text) => (calls.push('encryptString'), encrypt(text)),
    decryptString: (data) => (calls.push('decryptString'), decrypt(data)),
    getSelectedStorageBackend: () => 'gnome_libsecret',
  };
  const storage: SafeStorageLike =
    options.api === 'sync'
      ? sync
      : {
          ...sync,
          isAsyncEncryptionAvailable: async () => options.available ?? true,
          encryptStringAsync: async (text) => (calls.push('encryptStringAsync'), encrypt(text)),
          decryptStringAsync: async (data) => (calls.push('decryptStringAsync'), { result: decrypt(data), shouldReEncrypt: options.rotate ?? false }),
        };
  return { storage, calls };
}

const temp = () => mkdtempSync(path.join(tmpdir(), 'govdesk-storage-'));

describe('safeStorage', () => {
  it('uses the async API when Electron has it', async () => {
    const { storage, calls } = fakeSafeStorage();
    const encryptor = createEncryptor(storage);
    expect(encryptor.api).toBe('async');
    expect(await encryptor.isAvailable()).toBe(true);
    expect((await encryptor.decrypt(await encryptor.encrypt('令牌'))).plainText).toBe('令牌');
    expect(calls).toEqual(['encryptStringAsync', 'decryptStringAsync']);
  });

  it('falls back to the sync API, and to nothing when neither exists', async () => {
    const { storage, calls } = fakeSafeStorage({ api: 'sync' });
    const encryptor = createEncryptor(storage);
    expect(encryptor.api).toBe('sync');
    expect((await encryptor.decrypt(await encryptor.encrypt('x'))).plainText).toBe('x');
    expect(calls).toEqual(['encryptString', 'decryptString']);
    const none = createEncryptor({});
    expect(none.api).toBe('none');
    expect(await none.isAvailable()).toBe(false);
    await expect(none.encrypt('x')).rejects.toThrow(/no safeStorage/);
  });
});

describe('the storage policy', () => {
  it('proceeds with an OS keyring, refuses without any encryption', () => {
    expect(storageDecision({ platform: 'win32', available: true, backend: null, consented: false })).toBe('proceed');
    expect(storageDecision({ platform: 'darwin', available: true, backend: null, consented: false })).toBe('proceed');
    expect(storageDecision({ platform: 'linux', available: true, backend: 'gnome_libsecret', consented: false })).toBe('proceed');
    expect(storageDecision({ platform: 'linux', available: true, backend: 'kwallet6', consented: false })).toBe('proceed');
    expect(storageDecision({ platform: 'win32', available: false, backend: null, consented: true })).toBe('refuse');
  });

  it('asks for explicit consent on Linux with basic_text (or no confirmed keyring), once', () => {
    expect(storageDecision({ platform: 'linux', available: true, backend: 'basic_text', consented: false })).toBe('ask-consent');
    expect(storageDecision({ platform: 'linux', available: true, backend: 'unknown', consented: false })).toBe('ask-consent');
    expect(storageDecision({ platform: 'linux', available: true, backend: 'basic_text', consented: true })).toBe('proceed');
  });

  it('remembers the consent in a file of the profile', () => {
    const file = path.join(temp(), 'profile', 'storage-consent.json');
    expect(hasWeakStorageConsent(file)).toBe(false);
    recordWeakStorageConsent(file, 'basic_text', new Date('2026-01-02T03:04:05Z'));
    expect(hasWeakStorageConsent(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ weakBackendAccepted: true, backend: 'basic_text', acceptedAt: '2026-01-02T03:04:05.000Z' });
    writeFileSync(file, 'garbage');
    expect(hasWeakStorageConsent(file)).toBe(false);
  });
});

describe('the cache key', () => {
  it('is 32 random bytes, created once and kept only encrypted', async () => {
    const file = path.join(temp(), 'cache-key.json');
    const encryptor = createEncryptor(fakeSafeStorage().storage);
    const key = await loadOrCreateCacheKey(file, encryptor);
    expect(key).toHaveLength(32);
    expect(readFileSync(file, 'utf8')).not.toContain(Buffer.from(key).toString('hex'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateCacheKey(file, encryptor)).toEqual(key);
    const other = await loadOrCreateCacheKey(path.join(temp(), 'cache-key.json'), encryptor);
    expect(other).not.toEqual(key);
  });

  it('that another keyring cannot decrypt is reported, and the file is left as it was', async () => {
    const file = path.join(temp(), 'cache-key.json');
    await loadOrCreateCacheKey(file, createEncryptor(fakeSafeStorage({ keyring: 1 }).storage));
    const before = readFileSync(file, 'utf8');
    await expect(loadOrCreateCacheKey(file, createEncryptor(fakeSafeStorage({ keyring: 2 }).storage))).rejects.toBeInstanceOf(CacheKeyUnreadableError);
    expect(readFileSync(file, 'utf8')).toBe(before);
    writeFileSync(file, 'not json');
    await expect(loadOrCreateCacheKey(file, createEncryptor(fakeSafeStorage({ keyring: 1 }).storage))).rejects.toThrow(/not a GovDesk key file/);
    expect(readFileSync(file, 'utf8')).toBe('not json');
  });

  it('is re-encrypted when the OS rotated its key', async () => {
    const file = path.join(temp(), 'cache-key.json');
    const key = await loadOrCreateCacheKey(file, createEncryptor(fakeSafeStorage().storage));
    const { storage, calls } = fakeSafeStorage({ rotate: true });
    expect(await loadOrCreateCacheKey(file, createEncryptor(storage))).toEqual(key);
    expect(calls).toEqual(['decryptStringAsync', 'encryptStringAsync']);
  });
});

describe('the secret file', () => {
  it('keeps each secret encrypted, survives a restart, and deletes', async () => {
    const file = path.join(temp(), 'secrets.json');
    const encryptor = createEncryptor(fakeSafeStorage().storage);
    const secrets = createEncryptedSecretStore(file, encryptor);
    expect(await secrets.get('matrix.accessToken')).toBeNull();
    await Promise.all([secrets.set('matrix.accessToken', 'syt_secret_token'), secrets.set('sync.refreshToken', 'refresh-令牌')]);
    expect(readFileSync(file, 'utf8')).not.toContain('syt_secret_token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const reopened = createEncryptedSecretStore(file, encryptor);
    expect(await reopened.get('matrix.accessToken')).toBe('syt_secret_token');
    expect(await reopened.get('sync.refreshToken')).toBe('refresh-令牌');
    await reopened.delete('matrix.accessToken');
    expect(await createEncryptedSecretStore(file, encryptor).get('matrix.accessToken')).toBeNull();
  });

  it('refuses names that are not secret names', async () => {
    const secrets = createEncryptedSecretStore(path.join(temp(), 'secrets.json'), createEncryptor(fakeSafeStorage().storage));
    for (const name of ['', '../x', '__proto__ x', 'a/b']) await expect(secrets.set(name, 'v'), name).rejects.toThrow(/invalid secret name/);
  });

  it('cannot be read with another keyring, and is not replaced when that fails', async () => {
    const file = path.join(temp(), 'secrets.json');
    await createEncryptedSecretStore(file, createEncryptor(fakeSafeStorage({ keyring: 1 }).storage)).set('matrix.accessToken', 't');
    const before = readFileSync(file, 'utf8');
    await expect(createEncryptedSecretStore(file, createEncryptor(fakeSafeStorage({ keyring: 2 }).storage)).get('matrix.accessToken')).rejects.toThrow();
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(existsSync(file)).toBe(true);
  });
});
