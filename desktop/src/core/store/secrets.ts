import type { LocalStore } from './local-store.ts';

/**
 * Where core keeps tokens (the Matrix access token, the sync-server refresh
 * token). The Electron shell provides one backed by safeStorage; otherwise
 * they live in the encrypted LocalStore.
 */
export interface SecretStore {
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

export function storeSecrets(store: LocalStore): SecretStore {
  return {
    get: async (name) => store.secret(name),
    set: async (name, value) => store.setSecret(name, value),
    delete: async (name) => store.deleteSecret(name),
  };
}
