import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { SecretStore } from '../core/store/secrets.ts';
import { SecretName } from '../core/host/protocol.ts';
import { writeFileAtomic } from './atomic-file.ts';
import type { Encryptor } from './encryption.ts';

/**
 * Core's SecretStore in Electron: each token encrypted by safeStorage on its
 * own, in one JSON file in userData. safeStorage exists only in main, so the
 * core process reaches this store through main (core/host/protocol.ts).
 */

interface SecretFile {
  version: 1;
  secrets: Record<string, string>;
}

export function createEncryptedSecretStore(file: string, encryptor: Encryptor, log: (message: string, details?: Record<string, unknown>) => void = () => {}): SecretStore {
  let loaded: Promise<Map<string, string>> | null = null;
  // Writes run one after another, each with the whole current map, so none is lost to a race.
  let writing: Promise<void> = Promise.resolve();

  function load(): Promise<Map<string, string>> {
    loaded ??= (async () => {
      if (!existsSync(file)) return new Map<string, string>();
      const content = JSON.parse(await readFile(file, 'utf8')) as Partial<SecretFile>;
      if (content.version !== 1 || typeof content.secrets !== 'object' || content.secrets === null) throw new Error(`${file} is not a GovDesk secret file`);
      return new Map(Object.entries(content.secrets).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    })();
    // A failed read is retried on the next call instead of being cached.
    loaded.catch(() => {
      loaded = null;
    });
    return loaded;
  }

  function save(secrets: Map<string, string>): Promise<void> {
    const content: SecretFile = { version: 1, secrets: Object.fromEntries(secrets) };
    writing = writing.catch(() => {}).then(() => writeFileAtomic(file, `${JSON.stringify(content)}\n`));
    return writing;
  }

  function checkName(name: string): void {
    if (!SecretName.safeParse(name).success) throw new Error('invalid secret name');
  }

  return {
    async get(name) {
      checkName(name);
      const secrets = await load();
      const stored = secrets.get(name);
      if (stored === undefined) return null;
      const { plainText, shouldReEncrypt } = await encryptor.decrypt(Buffer.from(stored, 'base64'));
      if (shouldReEncrypt) {
        secrets.set(name, (await encryptor.encrypt(plainText)).toString('base64'));
        await save(secrets).catch((error: unknown) => log('could not re-encrypt a secret', { name, error: String(error) }));
      }
      return plainText;
    },
    async set(name, value) {
      checkName(name);
      const secrets = await load();
      secrets.set(name, (await encryptor.encrypt(value)).toString('base64'));
      await save(secrets);
    },
    async delete(name) {
      checkName(name);
      const secrets = await load();
      if (!secrets.delete(name)) return;
      await save(secrets);
    },
  };
}
