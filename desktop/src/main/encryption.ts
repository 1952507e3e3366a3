/**
 * safeStorage behind one small interface. Electron 45 recommends the async
 * API (it supports key rotation, and the sync one is deprecated and slated
 * for removal); an Electron without it falls back to the sync API. Pure: it
 * is given safeStorage, so it is tested with a fake.
 */

/** The parts of Electron's safeStorage used here; every one may be missing in some Electron version. */
export interface SafeStorageLike {
  isEncryptionAvailable?: () => boolean;
  encryptString?: (plainText: string) => Buffer;
  decryptString?: (encrypted: Buffer) => string;
  isAsyncEncryptionAvailable?: () => Promise<boolean>;
  encryptStringAsync?: (plainText: string) => Promise<Buffer>;
  decryptStringAsync?: (encrypted: Buffer) => Promise<{ result: string; shouldReEncrypt: boolean }>;
  getSelectedStorageBackend?: () => string;
}

export interface Encryptor {
  readonly api: 'async' | 'sync' | 'none';
  isAvailable(): Promise<boolean>;
  encrypt(plainText: string): Promise<Buffer>;
  /** `shouldReEncrypt`: the OS rotated or upgraded its key; store a fresh encryption of the value. */
  decrypt(encrypted: Buffer): Promise<{ plainText: string; shouldReEncrypt: boolean }>;
}

export function createEncryptor(safeStorage: SafeStorageLike): Encryptor {
  const { isAsyncEncryptionAvailable, encryptStringAsync, decryptStringAsync } = safeStorage;
  if (isAsyncEncryptionAvailable && encryptStringAsync && decryptStringAsync) {
    return {
      api: 'async',
      isAvailable: () => isAsyncEncryptionAvailable.call(safeStorage),
      encrypt: (plainText) => encryptStringAsync.call(safeStorage, plainText),
      async decrypt(encrypted) {
        const { result, shouldReEncrypt } = await decryptStringAsync.call(safeStorage, encrypted);
        return { plainText: result, shouldReEncrypt };
      },
    };
  }
  const { isEncryptionAvailable, encryptString, decryptString } = safeStorage;
  if (isEncryptionAvailable && encryptString && decryptString) {
    return {
      api: 'sync',
      isAvailable: async () => isEncryptionAvailable.call(safeStorage),
      encrypt: async (plainText) => encryptString.call(safeStorage, plainText),
      decrypt: async (encrypted) => ({ plainText: decryptString.call(safeStorage, encrypted), shouldReEncrypt: false }),
    };
  }
  const missing = async (): Promise<never> => {
    throw new Error('this Electron has no safeStorage encryption');
  };
  return { api: 'none', isAvailable: async () => false, encrypt: missing, decrypt: missing };
}
