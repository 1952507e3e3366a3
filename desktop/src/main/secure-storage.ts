import path from 'node:path';
import { dialog, safeStorage } from 'electron';
import { createEncryptor, type Encryptor, type SafeStorageLike } from './encryption.ts';
import type { Log } from './log.ts';
import { hasWeakStorageConsent, isWeakBackend, recordWeakStorageConsent, storageDecision } from './storage-policy.ts';
import type { MainStrings } from './strings.ts';

/**
 * safeStorage, after the policy of storage-policy.ts: refused when there is
 * no encryption, and on Linux without a keyring only with the user's
 * explicit, remembered consent. Resolves to null when the app must quit.
 */
export async function openSecureStorage(userData: string, strings: MainStrings, log: Log): Promise<Encryptor | null> {
  const encryptor = createEncryptor(safeStorage);
  const available = await encryptor.isAvailable();
  // Asked after isAvailable(): the backend is only known once encryption has been initialised. An Electron without
  // the method cannot confirm a keyring, which the policy treats like basic_text.
  const backend = process.platform === 'linux' ? ((safeStorage as SafeStorageLike).getSelectedStorageBackend?.() ?? null) : null;
  const consentFile = path.join(userData, 'storage-consent.json');
  const decision = storageDecision({ platform: process.platform, available, backend, consented: hasWeakStorageConsent(consentFile) });
  log('secure storage', { api: encryptor.api, available, backend, decision });

  if (decision === 'refuse') {
    const text = strings.dialogs.noEncryption;
    await dialog.showMessageBox({ type: 'error', title: text.title, message: text.message, detail: text.detail, buttons: [strings.buttons.quit], noLink: true });
    return null;
  }
  if (decision === 'ask-consent') {
    const text = strings.dialogs.basicTextConsent;
    const { response } = await dialog.showMessageBox({
      type: 'warning',
      title: text.title,
      message: text.message,
      detail: text.detail,
      buttons: [strings.buttons.quit, strings.buttons.continueInsecurely],
      // Quitting is the default and what Escape does: weak storage is never chosen by accident.
      defaultId: 0,
      cancelId: 0,
      noLink: true,
    });
    if (response !== 1) return null;
    recordWeakStorageConsent(consentFile, backend);
  }
  if (isWeakBackend(process.platform, backend)) log('WARNING: secrets are protected by the basic_text backend only (no OS keyring); the user accepted this', { consentFile });
  return encryptor;
}
